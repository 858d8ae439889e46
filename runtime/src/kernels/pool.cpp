// Pooling: MaxPool and AveragePool (2-D), GlobalAveragePool and GlobalMaxPool.
#include "kernels/kernels.h"

#include <algorithm>
#include <limits>

namespace sepnn {
namespace rt {
namespace kernels {

int64_t poolOutSize(int64_t in, int64_t k, int64_t padBegin, int64_t padEnd,
                    int64_t stride, int64_t dilation, bool ceilMode) {
  const int64_t span = in + padBegin + padEnd - dilation * (k - 1) - 1;
  if (span < 0)
    return 0;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // The last window must start inside the input or the begin padding.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

PoolGeometry maxPoolGeometry(const TensorData &x, const Ints &kernel, const Ints &padsIn,
                             const Ints &stridesIn, const Ints &dilIn, int64_t ceilMode) {
  return maxPoolGeometry(x.shape, kernel, padsIn, stridesIn, dilIn, ceilMode);
}

PoolGeometry maxPoolGeometry(const Shape &shape, const Ints &kernel, const Ints &padsIn,
                             const Ints &stridesIn, const Ints &dilIn, int64_t ceilMode) {
  if (shape.size() != 4)
    fail("x must be 4-D [N,C,H,W], got ", shapeStr(shape));
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1)
    fail("kernel must be 2 positive values, got ", shapeStr(kernel));
  PoolGeometry g;
  g.pads = padsIn.empty() ? Ints(4, 0) : padsIn;
  g.strides = stridesIn.empty() ? Ints(2, 1) : stridesIn;
  g.dil = dilIn.empty() ? Ints(2, 1) : dilIn;
  if (g.pads.size() != 4 || g.strides.size() != 2 || g.dil.size() != 2)
    fail("expected 4 pads, 2 strides and 2 dilations, got ", shapeStr(g.pads), " ",
         shapeStr(g.strides), " ", shapeStr(g.dil));
  for (int i = 0; i < 4; ++i)
    if (g.pads[i] < 0)
      fail("negative pad in ", shapeStr(g.pads));
  for (int i = 0; i < 2; ++i)
    if (g.strides[i] < 1 || g.dil[i] < 1)
      fail("strides and dilations must be >= 1");
  g.N = shape[0], g.C = shape[1], g.H = shape[2], g.W = shape[3];
  g.KH = kernel[0], g.KW = kernel[1];
  g.OH = poolOutSize(g.H, g.KH, g.pads[0], g.pads[2], g.strides[0], g.dil[0], ceilMode);
  g.OW = poolOutSize(g.W, g.KW, g.pads[1], g.pads[3], g.strides[1], g.dil[1], ceilMode);
  if (g.OH < 1 || g.OW < 1)
    fail("kernel ", shapeStr(kernel), " does not fit input ", shapeStr(shape));
  return g;
}

TensorData maxPool(const TensorData &x, const Ints &kernel, const Ints &padsIn,
                   const Ints &stridesIn, const Ints &dilIn, int64_t ceilMode) {
  const PoolGeometry g = maxPoolGeometry(x, kernel, padsIn, stridesIn, dilIn, ceilMode);
  const int64_t N = g.N, C = g.C, H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const Ints &pads = g.pads, &strides = g.strides, &dil = g.dil;
  TensorData y = TensorData::uninit({N, C, OH, OW});
  const float *xp = x.data();
  float *yp = y.mut();
  // Row by row: each valid tap maxes a strided input row into the output row, over
  // the output columns where it lies inside the input (padding is never selected).
  // Those columns depend on the kernel column only; strides 1 and 2 get loops of their
  // own, which the compiler vectorizes.
  const int64_t sw = strides[1];
  const TapColumns cols = tapColumns(kernel[1], dil[1], pads[1], sw, W, OW);
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const float *in = xp + nc * H * W;
    float *out = yp + nc * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      float *orow = out + oh * OW;
      std::fill(orow, orow + OW, -std::numeric_limits<float>::infinity());
      for (int64_t kh = 0; kh < kernel[0]; ++kh) {
        const int64_t ih = oh * strides[0] + kh * dil[0] - pads[0];
        if (ih < 0 || ih >= H)
          continue;
        for (int64_t kw = 0; kw < kernel[1]; ++kw) {
          const float *src = in + ih * W + cols.off[kw];
          const int64_t lo = cols.lo[kw], hi = cols.hi[kw];
          if (sw == 1)
            for (int64_t ow = lo; ow < hi; ++ow)
              orow[ow] = std::max(orow[ow], src[ow]);
          else if (sw == 2)
            for (int64_t ow = lo; ow < hi; ++ow)
              orow[ow] = std::max(orow[ow], src[2 * ow]);
          else
            for (int64_t ow = lo; ow < hi; ++ow)
              orow[ow] = std::max(orow[ow], src[ow * sw]);
        }
      }
    }
  }
  return y;
}

TensorData averagePool(const TensorData &x, const Ints &kernel, const Ints &padsIn,
                       const Ints &stridesIn, int64_t ceilMode, int64_t countIncludePad) {
  if (x.rank() != 4)
    fail("x must be 4-D [N,C,H,W], got ", shapeStr(x.shape));
  if (kernel.size() != 2 || kernel[0] < 1 || kernel[1] < 1)
    fail("kernel must be 2 positive values, got ", shapeStr(kernel));
  const Ints pads = padsIn.empty() ? Ints(4, 0) : padsIn;
  const Ints strides = stridesIn.empty() ? Ints(2, 1) : stridesIn;
  if (pads.size() != 4 || strides.size() != 2)
    fail("expected 4 pads and 2 strides, got ", shapeStr(pads), " ", shapeStr(strides));
  for (int i = 0; i < 4; ++i)
    if (pads[i] < 0)
      fail("negative pad in ", shapeStr(pads));
  if (strides[0] < 1 || strides[1] < 1)
    fail("strides must be >= 1, got ", shapeStr(strides));
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t OH = poolOutSize(H, kernel[0], pads[0], pads[2], strides[0], 1, ceilMode);
  const int64_t OW = poolOutSize(W, kernel[1], pads[1], pads[3], strides[1], 1, ceilMode);
  if (OH < 1 || OW < 1)
    fail("kernel ", shapeStr(kernel), " does not fit input ", shapeStr(x.shape));
  TensorData y = TensorData::zeros({N, C, OH, OW});
  const float *xp = x.data();
  float *yp = y.mut();
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const float *in = xp + nc * H * W;
    float *out = yp + nc * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      // Window rows clipped to the padded input, then to the real input.
      int64_t h0 = oh * strides[0] - pads[0];
      int64_t h1 = std::min(h0 + kernel[0], H + pads[2]);
      const int64_t padH = h1 - h0;
      h0 = std::max<int64_t>(h0, 0);
      h1 = std::min(h1, H);
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t w0 = ow * strides[1] - pads[1];
        int64_t w1 = std::min(w0 + kernel[1], W + pads[3]);
        const int64_t padW = w1 - w0;
        w0 = std::max<int64_t>(w0, 0);
        w1 = std::min(w1, W);
        double s = 0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw)
            s += in[ih * W + iw];
        const int64_t count = countIncludePad ? padH * padW
                                              : std::max<int64_t>(h1 - h0, 0) *
                                                    std::max<int64_t>(w1 - w0, 0);
        // A window entirely in the padding (pads >= kernel) averages nothing: 0.
        out[oh * OW + ow] = count > 0 ? (float)(s / (double)count) : 0.0f;
      }
    }
  }
  return y;
}

Shape globalPoolShape(const TensorData &x) {
  if (x.rank() < 3)
    fail("x must have at least 3 dims [N,C,...], got ", shapeStr(x.shape));
  Shape outShape = {x.shape[0], x.shape[1]};
  outShape.resize(x.shape.size(), 1);
  return outShape;
}

TensorData globalMaxPool(const TensorData &x) {
  const Shape outShape = globalPoolShape(x);
  const int64_t NC = x.shape[0] * x.shape[1];
  const int64_t inner = numelOf(Shape(x.shape.begin() + 2, x.shape.end()));
  if (inner == 0 && NC > 0)
    fail("x ", shapeStr(x.shape), " has no spatial elements to take the maximum of");
  TensorData y = TensorData::zeros(outShape);
  const float *xp = x.data();
  for (int64_t i = 0; i < NC; ++i) {
    float m = xp[i * inner];
    for (int64_t j = 1; j < inner; ++j)
      m = std::max(m, xp[i * inner + j]);
    y.mut()[i] = m;
  }
  return y;
}

TensorData globalAveragePool(const TensorData &x) {
  TensorData y = TensorData::zeros(globalPoolShape(x));
  const int64_t NC = x.shape[0] * x.shape[1];
  const int64_t inner = NC ? x.numel() / NC : 0;
  const float *xp = x.data();
  for (int64_t i = 0; i < NC; ++i) {
    double s = 0; // double accumulation: large planes otherwise lose precision
    for (int64_t j = 0; j < inner; ++j)
      s += xp[i * inner + j];
    y.mut()[i] = inner ? (float)(s / inner) : 0.0f;
  }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
