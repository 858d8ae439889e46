// Direct 2-D convolution (ONNX Conv), the reference the fast variants are checked against.
#include "kernels/kernels.h"

#include <algorithm>

namespace sepnn {
namespace rt {
namespace kernels {

// Reads an attribute list of `n` values, or the default when it is empty.
static Ints attr(const Ints &v, size_t n, int64_t dflt, const char *name) {
  if (v.empty())
    return Ints(n, dflt);
  if (v.size() != n)
    fail(name, " has ", v.size(), " values, expected ", n);
  return v;
}

void validColumns(int64_t off, int64_t stride, int64_t W, int64_t OW, int64_t &lo,
                  int64_t &hi) {
  lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  hi = (W - 1 - off) < 0 ? 0 : (W - 1 - off) / stride + 1;
  hi = std::min(hi, OW);
  lo = std::min(lo, hi);
}

TapColumns tapColumns(int64_t KW, int64_t dilation, int64_t padLeft, int64_t stride,
                      int64_t W, int64_t OW) {
  TapColumns t{Ints((size_t)KW), Ints((size_t)KW), Ints((size_t)KW)};
  for (int64_t kw = 0; kw < KW; ++kw) {
    t.off[kw] = kw * dilation - padLeft;
    validColumns(t.off[kw], stride, W, OW, t.lo[kw], t.hi[kw]);
  }
  return t;
}

ConvGeometry convGeometry(const TensorData &x, const TensorData &w, const TensorData *b,
                          const Ints &padsIn, const Ints &stridesIn, const Ints &dilIn,
                          int64_t group) {
  if (x.rank() != 4)
    fail("x must be 4-D [N,C,H,W], got ", shapeStr(x.shape));
  if (w.rank() != 4)
    fail("w must be 4-D [M,C/group,kH,kW], got ", shapeStr(w.shape));
  ConvGeometry g;
  g.pads = attr(padsIn, 4, 0, "pads");
  g.strides = attr(stridesIn, 2, 1, "strides");
  g.dil = attr(dilIn, 2, 1, "dilations");
  const Ints &pads = g.pads, &strides = g.strides, &dil = g.dil;
  for (int64_t p : pads)
    if (p < 0)
      fail("negative pad in ", shapeStr(pads));
  for (int i = 0; i < 2; ++i)
    if (strides[i] < 1 || dil[i] < 1)
      fail("strides and dilations must be >= 1, got strides ", shapeStr(strides),
           " dilations ", shapeStr(dil));
  const int64_t C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t M = w.shape[0], Cg = w.shape[1], KH = w.shape[2], KW = w.shape[3];
  if (group < 1 || C % group != 0 || M % group != 0)
    fail("group ", group, " must divide input channels ", C, " and output channels ", M);
  if (Cg != C / group)
    fail("x ", shapeStr(x.shape), " with group ", group, " needs w with ", C / group,
         " input channels per group, w is ", shapeStr(w.shape));
  if (b && (b->rank() != 1 || b->shape[0] != M))
    fail("bias must be [", M, "], got ", shapeStr(b->shape));
  const int64_t OH = (H + pads[0] + pads[2] - dil[0] * (KH - 1) - 1) / strides[0] + 1;
  const int64_t OW = (W + pads[1] + pads[3] - dil[1] * (KW - 1) - 1) / strides[1] + 1;
  if (OH < 1 || OW < 1 || H + pads[0] + pads[2] < dil[0] * (KH - 1) + 1 ||
      W + pads[1] + pads[3] < dil[1] * (KW - 1) + 1)
    fail("kernel ", shapeStr(w.shape), " does not fit input ", shapeStr(x.shape),
         " with pads ", shapeStr(pads));
  g.N = x.shape[0];
  g.C = C;
  g.H = H;
  g.W = W;
  g.M = M;
  g.Cg = Cg;
  g.Mg = M / group;
  g.KH = KH;
  g.KW = KW;
  g.OH = OH;
  g.OW = OW;
  g.group = group;
  return g;
}

TensorData conv(const TensorData &x, const TensorData &w, const TensorData *b,
                const Ints &padsIn, const Ints &stridesIn, const Ints &dilIn,
                int64_t group) {
  const ConvGeometry g = convGeometry(x, w, b, padsIn, stridesIn, dilIn, group);
  const Ints &pads = g.pads, &strides = g.strides, &dil = g.dil;
  const int64_t N = g.N, C = g.C, H = g.H, W = g.W, M = g.M, Cg = g.Cg, KH = g.KH,
                KW = g.KW, OH = g.OH, OW = g.OW;
  TensorData y = TensorData::zeros({N, M, OH, OW});
  const float *xp = x.data(), *wp = w.data();
  float *yp = y.mut();
  const int64_t Mg = g.Mg, sh = strides[0], sw = strides[1];
  for (int64_t n = 0; n < N; ++n)
    for (int64_t gi = 0; gi < group; ++gi)
      for (int64_t mo = 0; mo < Mg; ++mo) {
        const int64_t m = gi * Mg + mo;
        float *out = yp + ((n * M + m) * OH) * OW;
        if (b)
          std::fill(out, out + OH * OW, b->data()[m]);
        for (int64_t ci = 0; ci < Cg; ++ci) {
          const float *in = xp + ((n * C + gi * Cg + ci) * H) * W;
          const float *k = wp + ((m * Cg + ci) * KH) * KW;
          for (int64_t kh = 0; kh < KH; ++kh)
            for (int64_t kw = 0; kw < KW; ++kw) {
              const float wv = k[kh * KW + kw];
              const int64_t offW = kw * dil[1] - pads[1];
              int64_t owLo, owHi;
              validColumns(offW, sw, W, OW, owLo, owHi);
              for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t ih = oh * sh + kh * dil[0] - pads[0];
                if (ih < 0 || ih >= H)
                  continue;
                const float *row = in + ih * W + offW;
                float *orow = out + oh * OW;
                for (int64_t ow = owLo; ow < owHi; ++ow)
                  orow[ow] += wv * row[ow * sw];
              }
            }
        }
      }
  return y;
}

} // namespace kernels
} // namespace rt
} // namespace sepnn
