#include "kernels/fast/winograd.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/simd.h"

#include <algorithm>

namespace sepnn {
namespace rt {
namespace fast {
namespace {

constexpr int64_t kPoints = 36; // a 6x6 transformed tile

// U = G g G^T: one 3x3 kernel to its 6x6 transform.
void transformKernel(const float *k, float *u) {
  static const float G[6][3] = {{1.0f / 4, 0, 0},
                                {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                {0, 0, 1}};
  float t[6][3];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 3; ++j)
      t[i][j] = G[i][0] * k[j] + G[i][1] * k[3 + j] + G[i][2] * k[6 + j];
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 6; ++j)
      u[i * 6 + j] = t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2];
}

// The transforms work on kVec tiles at once: each value below is a vector whose lanes
// are kVec tiles next to each other in the GEMM's column order.

// B^T applied to 6 values (stride s apart), written to out (stride o apart).
inline void inputRows(const VFloat *d, int s, VFloat *out, int o) {
  const VFloat d0 = d[0], d1 = d[s], d2 = d[2 * s], d3 = d[3 * s], d4 = d[4 * s],
               d5 = d[5 * s];
  out[0] = 4.0f * d0 - 5.0f * d2 + d4;
  out[o] = -4.0f * (d1 + d2) + d3 + d4;
  out[2 * o] = 4.0f * (d1 - d2) - d3 + d4;
  out[3 * o] = 2.0f * (d3 - d1) - d2 + d4;
  out[4 * o] = 2.0f * (d1 - d3) - d2 + d4;
  out[5 * o] = 4.0f * d1 - 5.0f * d3 + d5;
}

// V = B^T d B for 6x6 tiles d (row-major).
inline void transformInput(const VFloat *d, VFloat *v) {
  VFloat t[36];
  for (int j = 0; j < 6; ++j)
    inputRows(d + j, 6, t + j, 6); // columns of d
  for (int i = 0; i < 6; ++i)
    inputRows(t + i * 6, 1, v + i * 6, 1); // rows of B^T d
}

// A^T applied to 6 values (stride s apart), 4 results (stride o apart).
inline void outputRows(const VFloat *m, int s, VFloat *out, int o) {
  const VFloat m0 = m[0], m1 = m[s], m2 = m[2 * s], m3 = m[3 * s], m4 = m[4 * s],
               m5 = m[5 * s];
  out[0] = m0 + m1 + m2 + m3 + m4;
  out[o] = m1 - m2 + 2.0f * (m3 - m4);
  out[2 * o] = m1 + m2 + 4.0f * (m3 + m4);
  out[3 * o] = m1 - m2 + 8.0f * (m3 - m4) + m5;
}

// Y = A^T m A: 6x6 product tiles to their 4x4 outputs.
inline void transformOutput(const VFloat *m, VFloat *y) {
  VFloat t[24]; // 4 x 6
  for (int j = 0; j < 6; ++j)
    outputRows(m + j, 6, t + j, 6);
  for (int i = 0; i < 4; ++i)
    outputRows(t + i * 6, 1, y + i * 4, 1);
}

// The weights as 36 GEMM A operands, [M, C] each, packed once per weight tensor.
const std::vector<PackedA> &transformedWeights(const TensorData &w,
                                               const kernels::ConvGeometry &g,
                                               PackCache &cache, std::vector<PackedA> &local) {
  return cache.packedOnce({w.data(), g.M, g.C * 9, 1, kWinogradForm}, w, local,
                          [&](std::vector<PackedA> &out) {
                            std::vector<float> u((size_t)(g.M * g.C * kPoints));
                            for (int64_t mc = 0; mc < g.M * g.C; ++mc)
                              transformKernel(w.data() + mc * 9, u.data() + mc * kPoints);
                            for (int64_t p = 0; p < kPoints; ++p)
                              out.push_back(packA(u.data() + p, g.M, g.C, g.C * kPoints,
                                                  kPoints));
                          });
}

// The phases of one image, each over a range of its tiles [ta, tb) (ta a multiple of
// kNR) and of channels, points or output channels.
struct WinogradImage {
  const float *x;  // [C, H, W]
  float *y;        // [M, OH, OW]
  const kernels::ConvGeometry &g;
  int64_t TW, T, Tp, vPoint, yPoint;
  float *v, *prod; // V[p] = [C, T] prepacked; Y[p] = [M, Tp], yPoint floats apart
  int64_t base;    // the first tile v and prod hold (a multiple of kNR)

  void input(int64_t c, int64_t ta, int64_t tb) const {
    const float *plane = x + c * g.H * g.W;
    alignas(64) float d[36][kVec];
    VFloat dv[36], tv[36];
    for (int64_t t0 = ta; t0 < tb; t0 += kVec) {
      const int64_t lanes = std::min<int64_t>(kVec, tb - t0);
      for (int64_t l = 0; l < kVec; ++l) {
        if (l >= lanes) {
          for (int i = 0; i < 36; ++i)
            d[i][l] = 0;
          continue;
        }
        const int64_t th = (t0 + l) / TW, tw = (t0 + l) % TW;
        const int64_t ih0 = th * 4 - g.pads[0], iw0 = tw * 4 - g.pads[1];
        if (ih0 >= 0 && iw0 >= 0 && ih0 + 6 <= g.H && iw0 + 6 <= g.W) {
          for (int r = 0; r < 6; ++r)
            for (int s = 0; s < 6; ++s)
              d[r * 6 + s][l] = plane[(ih0 + r) * g.W + iw0 + s];
        } else {
          for (int r = 0; r < 6; ++r)
            for (int s = 0; s < 6; ++s) {
              const int64_t ih = ih0 + r, iw = iw0 + s;
              d[r * 6 + s][l] =
                  ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? plane[ih * g.W + iw] : 0;
            }
        }
      }
      for (int i = 0; i < 36; ++i)
        dv[i] = load(d[i]);
      transformInput(dv, tv);
      float *dst = v + prepackedIndex(g.C, c, t0 - base);
      for (int64_t p = 0; p < kPoints; ++p)
        store(dst + p * vPoint, tv[p]);
    }
  }
  void gemm(const PackedA &a, int64_t p, int64_t ta, int64_t tb) const {
    BMatrix bm;
    bm.prepacked = v + p * vPoint + (ta - base) * g.C; // panel (ta - base) / kNR
    sgemm(a, bm, tb - ta, prod + p * yPoint + ta - base, Tp, Epilogue{});
  }
  void output(int64_t m, int64_t ta, int64_t tb, const float *bias,
              const Clamp &clamp) const {
    alignas(64) float out[16][kVec];
    VFloat mv[36], yv[16];
    const VFloat b = splat(bias ? bias[m] : 0.0f);
    float *plane = y + m * g.OH * g.OW;
    for (int64_t t0 = ta; t0 < tb; t0 += kVec) {
      const float *src = prod + m * Tp + t0 - base;
      for (int64_t p = 0; p < kPoints; ++p)
        mv[p] = load(src + p * yPoint);
      transformOutput(mv, yv);
      for (int i = 0; i < 16; ++i)
        store(out[i], clamp(yv[i] + b));
      const int64_t lanes = std::min<int64_t>(kVec, tb - t0);
      for (int64_t l = 0; l < lanes; ++l) {
        const int64_t th = (t0 + l) / TW, tw = (t0 + l) % TW;
        const int64_t rows = std::min<int64_t>(4, g.OH - th * 4);
        const int64_t cols = std::min<int64_t>(4, g.OW - tw * 4);
        float *o = plane + th * 4 * g.OW + tw * 4;
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < cols; ++j)
            o[i * g.OW + j] = out[i * 4 + j][l];
      }
    }
  }
};

} // namespace

bool winogradApplies(const kernels::ConvGeometry &g) {
  const int64_t tiles = ((g.OH + 3) / 4) * ((g.OW + 3) / 4);
  return g.KH == 3 && g.KW == 3 && g.group == 1 && g.strides[0] == 1 &&
         g.strides[1] == 1 && g.dil[0] == 1 && g.dil[1] == 1 && g.C >= 16 &&
         g.M >= 16 && tiles >= 16;
}

void winogradConv(const TensorData &x, const TensorData &w, const float *bias,
                  const kernels::ConvGeometry &g, PackCache &cache, const Clamp &clamp,
                  float *y) {
  std::vector<PackedA> local;
  const std::vector<PackedA> &packs = transformedWeights(w, g, cache, local);
  const int64_t TH = (g.OH + 3) / 4, TW = (g.OW + 3) / 4, T = TH * TW;
  const int64_t C = g.C, M = g.M, H = g.H, W = g.W;
  // V[p] = [C, T] in the GEMM's packed layout (prepackedIndex) and Y[p] = [M, T] (row
  // stride Tp: whole vectors per row) for each of the 36 points p, over `tiles` tiles.
  // Y's points one cache line further apart than M * Tp: the output transform loads
  // one vector from each of the 36, which at a stride of a multiple of 4 KiB (M * Tp
  // often is) all fall in one L1 set (SqueezeNet: the transform took 11% of the time);
  // V's likewise.
  struct Scratch {
    int64_t vPoint, Tp, yPoint;
  };
  auto scratchFor = [&](int64_t tiles) {
    const int64_t Tp = (tiles + kVec - 1) / kVec * kVec;
    return Scratch{prepackedSize(C, tiles) + kCacheLineFloats, Tp, M * Tp + kCacheLineFloats};
  };
  // Jobs are blocks of tiles, each transformed, multiplied and transformed back by one
  // thread in compact scratch of its own, small enough (V and Y of a block: about
  // kBlockBytes, a quarter of an L2 cache, the rest for the weights) to stay in that
  // core's cache between the three phases. Blocks of 1 MiB in the whole layer's
  // scratch measured 1.4-1.6x slower on SqueezeNet's 55x55 layer in a network (the
  // scratch cold from the layers between), and VGG's 224x224 layer 33 ms against 22.
  constexpr int64_t kBlockBytes = 256 * 1024;
  const int64_t panels = (T + kNR - 1) / kNR;
  int64_t perJob =
      std::clamp<int64_t>(kBlockBytes / (kPoints * (C + M) * kNR * 4), 1, panels);
  int64_t jobs = std::max((panels + perJob - 1) / perJob,
                          std::min<int64_t>(threadCount(), panels));
  perJob = (panels + jobs - 1) / jobs;
  jobs = (panels + perJob - 1) / perJob;
  // Each block of tiles reads all 36 transformed weight matrices again: when that
  // re-reading outweighs writing V and Y out and reading them back (wide layers on
  // few tiles: VGG's 512 channels on 28x28 read 38 MB of weights per block), the
  // phases run one after the other over all tiles instead.
  const int64_t Tp = (T + kVec - 1) / kVec * kVec;
  const double weightBytes = 4.0 * kPoints * M * C;
  const double tileBytes = 4.0 * kPoints * (C + M) * Tp;
  const bool blocks = jobs >= std::min<int64_t>(threadCount(), 2) &&
                      (jobs - 1) * weightBytes <= 2 * tileBytes;
  for (int64_t n = 0; n < g.N; ++n) {
    const float *xn = x.data() + n * C * H * W;
    float *yn = y + n * M * g.OH * g.OW;
    if (blocks) {
      const Scratch s = scratchFor(perJob * kNR);
      parallelFor(jobs, [&](int64_t job) {
        thread_local std::vector<float> v, prod;
        v.resize((size_t)(kPoints * s.vPoint));
        prod.resize((size_t)(kPoints * s.yPoint));
        const int64_t ta = job * perJob * kNR, tb = std::min(T, ta + perJob * kNR);
        const WinogradImage img{xn, yn, g, TW, T, s.Tp, s.vPoint, s.yPoint,
                                v.data(), prod.data(), ta};
        for (int64_t c = 0; c < C; ++c)
          img.input(c, ta, tb);
        for (int64_t p = 0; p < kPoints; ++p) // serially: this is a job
          img.gemm(packs[p], p, ta, tb);
        for (int64_t m = 0; m < M; ++m)
          img.output(m, ta, tb, bias, clamp);
      });
    } else { // few tile blocks, or wide layers: each phase split its own way
      const Scratch s = scratchFor(T);
      std::vector<float> &v = cache.winogradInput, &prod = cache.winogradOutput;
      v.resize((size_t)(kPoints * s.vPoint));
      prod.resize((size_t)(kPoints * s.yPoint));
      const WinogradImage img{xn, yn, g, TW, T, s.Tp, s.vPoint, s.yPoint,
                              v.data(), prod.data(), 0};
      parallelFor(C, [&](int64_t c) { img.input(c, 0, T); });
      parallelFor(kPoints, [&](int64_t p) { img.gemm(packs[p], p, 0, T); });
      parallelFor(M, [&](int64_t m) { img.output(m, 0, T, bias, clamp); });
    }
  }
}

} // namespace fast
} // namespace rt
} // namespace sepnn
