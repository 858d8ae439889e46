// Fast MaxPool: the networks' 3x3 stride-2 pools in two passes (FlatPool3x3s2), other
// windows on phase planes (phase_planes.h) padded with -inf, so that every window is a
// fixed set of shifted vector loads; the reference kernel's NaN rule (a NaN never
// replaces the running maximum). And GlobalAveragePool.
#include "kernels/fast/fast.h"
#include "kernels/fast/parallel.h"
#include "kernels/fast/phase_planes.h"

#include <limits>
#include <vector>

namespace sepnn {
namespace rt {
namespace fast {

namespace {

inline VFloat maxOf(VFloat acc, VFloat v) { return acc < v ? v : acc; } // NaN: kept out

// The maxima of columns 2 ow - left + {0, 1, 2} (left: 0 or 1) of one input row, for
// ow < OW, stored as whole vectors (up to kVec - 1 floats past out + OW are
// overwritten): the even and odd lanes of whole-vector loads, shifted by a lane;
// lanes past the row read -inf.
void rowMaxima3s2(const float *row, int64_t left, int64_t W, int64_t OW, float *out) {
  const float lowest = -std::numeric_limits<float>::infinity();
  VFloat before = splat(lowest); // the previous vector's odd lanes
  for (int64_t ow = 0; ow < OW; ow += kVec) {
    const int64_t c = 2 * ow;
    const VFloat a = loadUpTo(row + c, W - c, lowest),
                 b = loadUpTo(row + c + kVec, W - c - kVec, lowest);
    const VFloat even = evenLanes(a, b), odd = oddLanes(a, b);
    VFloat m = maxOf(maxOf(splat(lowest), even), odd);
    if (left == 1) {
      m = maxOf(m, previousColumn(before, odd));
      before = odd;
    } else { // column 2 ow + 2: the last lane's from the next pair, when the row has it
      // (also for the row's last vector: its last window may end on that column)
      const VFloat next = c + 2 * kVec < W
                              ? evenLanes(loadUpTo(row + c + 2 * kVec, W - c - 2 * kVec, lowest),
                                          loadUpTo(row + c + 3 * kVec, W - c - 3 * kVec, lowest))
                              : splat(lowest);
      m = maxOf(m, nextColumn(even, next));
    }
    store(out + ow, m);
  }
}

// 3x3 stride-2 pools a plane at a time, in two passes: each input row's maxima over
// its windows' columns (rowMaxima3s2), into rows of OW floats split by the parity of
// the padded row, A (even) and B (odd); then, on the output's flat index q, output
// row oh's windows cover padded rows 2 oh, 2 oh + 1 and 2 oh + 2: A[q], B[q] and
// A[q + OW], whole vectors across row ends. Each input row is reduced once (row by
// row, each was reduced for each of the up to 2 output rows reading it), and no lane
// is lost at a row's end: SqueezeNet's 27x27 x256 pool 0.058 -> 0.034 ms, its 111x111 x64
// 0.156 -> 0.113, ResNet's 112x112 x64 0.104 -> 0.093.
class FlatPool3x3s2 {
public:
  explicit FlatPool3x3s2(const kernels::PoolGeometry &g)
      : g_(g), plane_(g.OH * g.OW), vectors_((plane_ + kVec - 1) / kVec),
        rowsA_(g.OH + 1), rowsB_(g.OH) {
    const int64_t span = vectors_ * kVec + g.OW; // the furthest A[q + OW] read
    aSize_ = std::max(rowsA_ * g.OW, span) + kVec; // + the last row's spilled lanes
  }
  int64_t bufferSize() const { return aSize_ + rowsB_ * g_.OW + vectors_ * kVec + kVec; }

  // Input plane `in`'s row maxima into `buffer` (rows A, then B).
  void stage(const float *in, float *buffer) const {
    const float lowest = -std::numeric_limits<float>::infinity();
    float *a = buffer, *b = buffer + aSize_;
    // Padded rows in order (each parity's rows in order: a row's spilled lanes land
    // on the next, written after).
    for (int64_t r = 0; r < rowsA_ + rowsB_; ++r) {
      float *dst = (r % 2 ? b : a) + r / 2 * g_.OW;
      const int64_t ih = r - g_.pads[0];
      if (ih >= 0 && ih < g_.H)
        rowMaxima3s2(in + ih * g_.W, g_.pads[1], g_.W, g_.OW, dst);
      else
        std::fill(dst, dst + g_.OW, lowest);
    }
  }
  // Output plane `out` from the staged row maxima; `room`: the floats from `out` that
  // may be written (a whole last vector spills into the next plane's outputs).
  void compute(const float *buffer, float *out, int64_t room) const {
    const float *a = buffer, *b = buffer + aSize_;
    for (int64_t q = 0; q < plane_; q += kVec)
      storeFlat(out, q, maxOf(maxOf(load(a + q), load(b + q)), load(a + q + g_.OW)), plane_,
                room);
  }

private:
  const kernels::PoolGeometry &g_;
  int64_t plane_, vectors_, rowsA_, rowsB_, aSize_;
};

} // namespace

// The networks' pools (3x3, stride 2, padding 0 or 1 at the top and left, any at the
// bottom and right or in ceil mode): FlatPool3x3s2's.
bool maxPoolPlanesApplies(const kernels::PoolGeometry &g) {
  return g.KH == 3 && g.KW == 3 && g.strides[0] == 2 && g.strides[1] == 2 && g.dil[0] == 1 &&
         g.dil[1] == 1 && g.pads[0] <= 1 && g.pads[1] <= 1;
}

void maxPoolPlanes(const float *x, int64_t count, const kernels::PoolGeometry &g, float *y) {
  const FlatPool3x3s2 flat(g);
  thread_local std::vector<float> buffer;
  buffer.resize((size_t)flat.bufferSize());
  const int64_t outputs = g.OH * g.OW;
  for (int64_t p = 0; p < count; ++p) {
    flat.stage(x + p * g.H * g.W, buffer.data());
    flat.compute(buffer.data(), y + p * outputs, (count - p) * outputs);
  }
}

TensorData maxPool(const TensorData &x, const kernels::Ints &kernel,
                   const kernels::Ints &pads, const kernels::Ints &strides,
                   const kernels::Ints &dilations, int64_t ceilMode) {
  const kernels::PoolGeometry g =
      kernels::maxPoolGeometry(x, kernel, pads, strides, dilations, ceilMode);
  if (g.strides[1] > kMaxStride)
    return kernels::maxPool(x, kernel, pads, strides, dilations, ceilMode);
  TensorData y = TensorData::uninit({g.N, g.C, g.OH, g.OW});
  const Window window = Window::of(g);
  if (maxPoolPlanesApplies(g)) { // rows' maxima, then the flat output
    parallelRanges(g.N * g.C, [&](int64_t first, int64_t end) {
      maxPoolPlanes(x.data() + first * g.H * g.W, end - first, g,
                    y.mut() + first * g.OH * g.OW);
    });
    return y;
  }
  constexpr int kBlock = 4; // vectors per step: independent max chains
  const PhaseLayout layout(window, kBlock * kVec);
  const float lowest = -std::numeric_limits<float>::infinity();
  forEachPhasePlane(window, layout, g.N * g.C, x.data(), lowest, y.mut(),
                    [&](int64_t, const float *phases, float *maxima) {
                      for (int64_t q = 0; q < layout.outputs; q += kBlock * kVec) {
                        VFloat acc[kBlock];
                        for (int j = 0; j < kBlock; ++j)
                          acc[j] = splat(lowest);
                        for (int64_t tap : layout.tapOffset) {
                          const float *src = phases + tap + q;
#pragma GCC unroll 8
                          for (int j = 0; j < kBlock; ++j)
                            acc[j] = maxOf(acc[j], load(src + j * kVec));
                        }
                        for (int j = 0; j < kBlock; ++j)
                          store(maxima + q + j * kVec, acc[j]);
                      }
                    });
  return y;
}

TensorData globalAveragePool(const TensorData &x) {
  TensorData y = TensorData::uninit(kernels::globalPoolShape(x));
  const int64_t NC = x.shape[0] * x.shape[1];
  const int64_t inner = NC ? x.numel() / NC : 0;
  const float *xp = x.data();
  float *yp = y.mut();
  parallelRanges(NC, [&](int64_t first, int64_t end) {
    for (int64_t i = first; i < end; ++i) {
      // Double sums like the reference, in kLanes independent chains (one chain
      // waits for each add's latency).
      constexpr int kLanes = 8;
      double s[kLanes] = {};
      const float *p = xp + i * inner;
      int64_t j = 0;
      for (; j + kLanes <= inner; j += kLanes)
        for (int l = 0; l < kLanes; ++l)
          s[l] += p[j + l];
      for (; j < inner; ++j)
        s[0] += p[j];
      double total = 0;
      for (int l = 0; l < kLanes; ++l)
        total += s[l];
      yp[i] = inner ? (float)(total / (double)inner) : 0.0f;
    }
  });
  return y;
}

} // namespace fast
} // namespace rt
} // namespace sepnn
