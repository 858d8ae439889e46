// The fast kernels (kernels/fast) against the reference kernels, their oracle: convs
// of every kind (dense, grouped, depthwise, 1x1 direct, strided, dilated, padded) at
// sizes that exercise the GEMM's edge tiles, several K slices and several N blocks;
// packed weights reused from the cache; Winograd against the direct GEMM; Gemm in every
// transposition.
#include "kernels/fast/fast.h"
#include "kernels/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace sepnn::rt;
namespace k = sepnn::rt::kernels;

namespace {

TensorData randomTensor(const Shape &s, std::mt19937 &rng) {
  std::uniform_real_distribution<float> u(-1, 1);
  TensorData t = TensorData::zeros(s);
  for (float &v : t.own)
    v = u(rng);
  return t;
}

// Equal within float rounding of sums of `terms` products of values in [-1, 1].
void expectClose(const TensorData &got, const TensorData &want, int64_t terms,
                 const std::string &what) {
  ASSERT_EQ(got.shape, want.shape) << what;
  const float tol = 1e-6f * (float)std::max<int64_t>(terms, 16);
  for (int64_t i = 0; i < got.numel(); ++i)
    ASSERT_NEAR(got.data()[i], want.data()[i], tol) << what << ", element " << i;
}

struct ConvCase {
  Shape x, w, pads, strides, dil;
  int64_t group;
};

std::string describe(const ConvCase &c) {
  return "conv x " + shapeStr(c.x) + " w " + shapeStr(c.w) + " pads " + shapeStr(c.pads) +
         " strides " + shapeStr(c.strides) + " dil " + shapeStr(c.dil) + " group " +
         std::to_string(c.group);
}

const ConvCase kConvCases[] = {
    // dense 3x3 through the GEMM, M not a multiple of the micro-kernel's rows, N of its
    // columns; with few output channels (direct_conv.h), a 1x1 one too
    {{1, 20, 11, 13}, {40, 20, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},
    {{1, 5, 11, 13}, {7, 5, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},
    {{1, 32, 12, 41}, {16, 32, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1},
    // Winograd F(4x4, 3x3): 8x8 tiles; then partial tiles, uneven pads, a batch of 2
    {{1, 64, 30, 30}, {40, 64, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},
    {{2, 20, 27, 23}, {18, 20, 3, 3}, {2, 0, 1, 1}, {1, 1}, {1, 1}, 1},
    // Winograd with one block of tiles (phases split separately on several threads), and
    // with blocks of tiles as jobs even on one thread (many channels)
    {{1, 16, 16, 16}, {16, 16, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},
    {{1, 256, 26, 26}, {16, 256, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},
    // the same shapes through the GEMM: K = 64*9 = 576 spans several packed slices, N =
    // 28*28 several B blocks (stride 2, dilation 2: not Winograd's)
    {{1, 64, 57, 57}, {40, 64, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 1},
    {{1, 64, 32, 32}, {40, 64, 3, 3}, {2, 2, 2, 2}, {1, 1}, {2, 2}, 1},
    // the GEMM's edge tiles of 8 rows (44 = 3 x 12 + 8) over several slices, and of 4
    // rows (64) over few input channels (SqueezeNet's expand 1x1s), both with edge
    // columns
    {{1, 64, 16, 17}, {44, 64, 3, 3}, {2, 2, 2, 2}, {1, 1}, {2, 2}, 1},
    {{1, 16, 24, 25}, {64, 16, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1},
    // 1x1 on narrow planes (sgemm_narrow.h): 7x7 and 14x14 pixels, M a multiple of
    // the tile's rows or not, edge tiles of every width
    {{1, 40, 7, 7}, {64, 40, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1},
    {{2, 17, 14, 14}, {64, 17, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1},
    {{1, 8, 7, 7}, {90, 8, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1},
    {{1, 9, 5, 7}, {96, 9, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1},
    // 3x3 on narrow planes: the im2col matrix materialized for sgemm_narrow.h, stride 1
    // and 2, uneven pads, dilation
    {{1, 24, 7, 7}, {64, 24, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},
    {{1, 10, 14, 13}, {96, 10, 3, 3}, {1, 0, 1, 1}, {2, 2}, {1, 1}, 1},
    {{2, 6, 9, 9}, {32, 6, 3, 3}, {2, 2, 2, 2}, {1, 1}, {2, 2}, 1},
    // 1x1 stride 1 (input read directly as B), and 1x1 stride 2 (im2col)
    {{2, 24, 17, 9}, {40, 24, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1},
    {{1, 24, 17, 9}, {40, 24, 1, 1}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1},
    // 1x1 stride 2 read from a subsampled copy: rows wide enough for vector copies,
    // and onto a narrow plane (14x14 to 7x7, sgemm_narrow.h)
    {{1, 8, 10, 70}, {20, 8, 1, 1}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1},
    {{1, 16, 14, 14}, {64, 16, 1, 1}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1},
    // 7x7 stride 2 pad 3 (a ResNet stem), uneven pads, dilation
    {{1, 3, 23, 21}, {16, 3, 7, 7}, {3, 3, 3, 3}, {2, 2}, {1, 1}, 1},
    {{1, 4, 9, 7}, {6, 4, 3, 2}, {1, 0, 2, 1}, {2, 1}, {1, 2}, 1},
    // grouped (ResNeXt-like) and depthwise, strided, with a 5x5 kernel
    {{1, 32, 10, 10}, {32, 4, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 8},
    {{2, 12, 14, 15}, {12, 1, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 12},
    {{1, 12, 14, 15}, {12, 1, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 12},
    {{1, 6, 9, 40}, {6, 1, 5, 5}, {2, 2, 2, 2}, {1, 1}, {1, 1}, 6},
    // depthwise (depthwise.h): 3x3 with padding 1 on flat planes, rows wider than a
    // vector, stride 1 and 2 (odd height and width), a 7x7 plane, stride-2 rows much
    // narrower than a vector (their stores spill past the phase); row by row (planes
    // too large to stage), stride 1 and 2; on phase planes: no padding, uneven pads,
    // stride 3, unequal strides, dilation 2, a 7x7 kernel on a narrow plane
    {{1, 8, 21, 70}, {8, 1, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 8},
    {{1, 8, 21, 71}, {8, 1, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 8},
    {{1, 1, 7, 5}, {1, 1, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 1},
    {{2, 3, 5, 3}, {3, 1, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 3},
    {{1, 3, 70, 70}, {3, 1, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 3},
    {{1, 2, 131, 66}, {2, 1, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 2},
    {{1, 8, 21, 68}, {8, 1, 3, 3}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 8},
    {{1, 4, 7, 7}, {4, 1, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 4},
    {{1, 4, 9, 11}, {4, 1, 3, 3}, {0, 0, 2, 2}, {1, 1}, {1, 1}, 4},
    {{1, 5, 14, 14}, {5, 1, 3, 3}, {0, 1, 1, 0}, {2, 2}, {1, 1}, 5},
    {{1, 3, 17, 19}, {3, 1, 3, 3}, {1, 1, 1, 1}, {3, 3}, {1, 1}, 3},
    {{1, 3, 12, 25}, {3, 1, 3, 5}, {1, 2, 1, 2}, {2, 1}, {1, 1}, 3},
    {{1, 3, 12, 25}, {3, 1, 3, 3}, {2, 2, 2, 2}, {1, 1}, {2, 2}, 3},
    {{1, 2, 9, 9}, {2, 1, 7, 7}, {3, 3, 3, 3}, {1, 1}, {1, 1}, 2},
    // more depthwise: on flat planes with many channels and a batch, stride 2 on an
    // odd width; on phase planes with many channels: uneven pads, a 5x5 kernel with
    // uneven strides, dilation
    {{2, 35, 7, 7}, {35, 1, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 35},
    {{1, 3, 9, 33}, {3, 1, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 3},
    {{1, 32, 14, 14}, {32, 1, 3, 3}, {0, 1, 1, 0}, {2, 2}, {1, 1}, 32},
    {{1, 17, 11, 9}, {17, 1, 5, 5}, {2, 1, 2, 3}, {2, 1}, {1, 1}, 17},
    {{1, 16, 6, 6}, {16, 1, 3, 3}, {2, 2, 2, 2}, {1, 1}, {2, 2}, 16},
    // stride-2 convolutions on phase planes (direct_conv.h) with rows wide enough for
    // vector copies; through the GEMM (more than 512 output channels), whose packing
    // reads strided rows as vectors too
    {{1, 5, 20, 90}, {7, 5, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 1},
    {{1, 3, 40, 76}, {8, 3, 7, 7}, {3, 3, 3, 3}, {2, 2}, {1, 1}, 1},
    {{1, 6, 9, 70}, {520, 6, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 1},
    // grouped (direct_conv.h): ResNeXt's widths (4, 8, 32 channels per group, row
    // tiles of 8 plus a remainder of 4), stride 2, uneven pads, a 1x1 grouped conv, a
    // 5x3 kernel with dilation, and a batch of 2
    {{1, 16, 12, 12}, {16, 4, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 4},
    {{1, 16, 15, 15}, {16, 8, 3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 2},
    {{1, 24, 9, 9}, {24, 12, 3, 3}, {0, 1, 2, 1}, {1, 1}, {1, 1}, 2},
    {{1, 64, 7, 7}, {64, 32, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 2},
    {{1, 12, 6, 10}, {18, 4, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 3},
    {{2, 10, 13, 17}, {10, 5, 5, 3}, {2, 1, 2, 1}, {1, 2}, {2, 1}, 2},
    // grouped with output channels in vector lanes (lanes_conv.h; which of them take
    // it depends on the vector width: 16, 8 or 4 channels per vector): ResNeXt's 14x14
    // (tiles of two rows), rows split into tiles of unequal width, an odd number of
    // rows, stride 2 with uneven pads and a batch, a 1x1, 4 and 8 channels per group
    // (one or two NEON vectors) with a 5x3 kernel and dilation
    {{1, 64, 14, 14}, {64, 16, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 4},
    {{1, 64, 13, 13}, {64, 32, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 2},
    {{2, 32, 15, 13}, {32, 16, 3, 3}, {1, 0, 2, 1}, {2, 2}, {1, 1}, 2},
    {{2, 32, 5, 5}, {32, 16, 1, 1}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 2},
    {{1, 16, 6, 7}, {16, 4, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 4},
    {{1, 24, 9, 9}, {16, 12, 5, 3}, {2, 1, 2, 1}, {1, 2}, {2, 1}, 2},
    // depthwise with a channel multiplier (two outputs per group): grouped direct
    {{1, 4, 8, 8}, {8, 1, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 4},
    // an output of one pixel, a kernel as large as the padded input
    {{1, 3, 2, 2}, {5, 3, 4, 4}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},
};

} // namespace

TEST(FastConv, MatchesReferenceKernel) {
  std::mt19937 rng(11);
  for (const ConvCase &c : kConvCases)
    for (bool withBias : {false, true}) {
      TensorData x = randomTensor(c.x, rng), w = randomTensor(c.w, rng),
                 b = randomTensor({c.w[0]}, rng);
      const TensorData *bias = withBias ? &b : nullptr;
      fast::PackCache cache; // nothing stable: weights packed per call
      TensorData got = fast::conv(x, w, bias, c.pads, c.strides, c.dil, c.group, cache);
      TensorData want = k::conv(x, w, bias, c.pads, c.strides, c.dil, c.group);
      expectClose(got, want, c.w[1] * c.w[2] * c.w[3], describe(c));
      EXPECT_TRUE(cache.packed.empty());
    }
}

// A fused ReLU, and a fused Clip (as ReLU6, with bounds that clip on both sides),
// against the reference activation applied to the reference conv.
TEST(FastConv, FusedActivationsEqualActivationOfConv) {
  std::mt19937 rng(12);
  const struct {
    const char *name;
    fast::Clamp clamp;
    UnaryKind kind;
    double lo, hi;
  } activations[] = {{"relu", fast::Clamp::relu(), UnaryKind::Relu, 0, 0},
                     {"clip", fast::Clamp{-0.5f, 0.7f}, UnaryKind::Clip, -0.5, 0.7}};
  for (const auto &act : activations)
    for (const ConvCase &c : kConvCases) {
      TensorData x = randomTensor(c.x, rng), w = randomTensor(c.w, rng),
                 b = randomTensor({c.w[0]}, rng);
      fast::PackCache cache;
      TensorData got =
          fast::conv(x, w, &b, c.pads, c.strides, c.dil, c.group, cache, act.clamp);
      TensorData want = k::unary(k::conv(x, w, &b, c.pads, c.strides, c.dil, c.group),
                                 act.kind, act.lo, act.hi);
      expectClose(got, want, c.w[1] * c.w[2] * c.w[3], describe(c) + " + " + act.name);
    }
}

// A fused residual connection, with and without a ReLU after it, on every path
// (the GEMM's and the narrow GEMM's stores; one pass after the others), against the
// reference conv, add and relu; a residual of another shape is refused.
TEST(FastConv, FusedResidualEqualsConvPlusResidual) {
  std::mt19937 rng(14);
  for (bool relu : {false, true})
    for (const ConvCase &c : kConvCases) {
      TensorData x = randomTensor(c.x, rng), w = randomTensor(c.w, rng),
                 b = randomTensor({c.w[0]}, rng);
      const Shape yShape = k::conv(x, w, &b, c.pads, c.strides, c.dil, c.group).shape;
      TensorData r = randomTensor(yShape, rng);
      fast::PackCache cache;
      const fast::Clamp clamp = relu ? fast::Clamp::relu() : fast::Clamp{};
      TensorData got =
          fast::conv(x, w, &b, c.pads, c.strides, c.dil, c.group, cache, clamp, &r);
      TensorData want = k::add(k::conv(x, w, &b, c.pads, c.strides, c.dil, c.group), r);
      if (relu)
        want = k::unary(want, UnaryKind::Relu, 0, 0);
      expectClose(got, want, c.w[1] * c.w[2] * c.w[3] + 1,
                  describe(c) + (relu ? " + residual + relu" : " + residual"));
    }
  // The output written over the residual (where the compiler places it when the
  // residual has no later use): the GEMMs accumulate into it, the other kernels add
  // their sums to it in a pass.
  for (const ConvCase &c : kConvCases) {
    TensorData x = randomTensor(c.x, rng), w = randomTensor(c.w, rng),
               b = randomTensor({c.w[0]}, rng);
    const Shape yShape = k::conv(x, w, &b, c.pads, c.strides, c.dil, c.group).shape;
    TensorData r = randomTensor(yShape, rng);
    TensorData want =
        k::unary(k::add(k::conv(x, w, &b, c.pads, c.strides, c.dil, c.group), r),
                 UnaryKind::Relu, 0, 0);
    fast::PackCache cache;
    TensorData got = fast::conv(x, w, &b, c.pads, c.strides, c.dil, c.group, cache,
                                fast::Clamp::relu(), &r, r.mut());
    EXPECT_EQ(got.data(), r.data());
    expectClose(got, want, c.w[1] * c.w[2] * c.w[3] + 1,
                describe(c) + " + residual + relu, over the residual");
  }
  const ConvCase &c = kConvCases[0];
  TensorData x = randomTensor(c.x, rng), w = randomTensor(c.w, rng),
             wrong = TensorData::zeros({1, 1, 1, 1});
  fast::PackCache cache;
  EXPECT_THROW(fast::conv(x, w, nullptr, c.pads, c.strides, c.dil, c.group, cache,
                          fast::Clamp{}, &wrong),
               Error);
  // An output that overlaps the residual without being it is refused.
  const Shape yShape = k::conv(x, w, nullptr, c.pads, c.strides, c.dil, c.group).shape;
  TensorData r = randomTensor(yShape, rng);
  std::vector<float> shifted((size_t)r.numel() + 1);
  std::copy(r.data(), r.data() + r.numel(), shifted.begin());
  TensorData view = TensorData::view(yShape, shifted.data());
  EXPECT_THROW(fast::conv(x, w, nullptr, c.pads, c.strides, c.dil, c.group, cache,
                          fast::Clamp{}, &view, shifted.data() + 1),
               Error);
}

TEST(FastConv, StableWeightsArePackedOnceAndReused) {
  std::mt19937 rng(13);
  for (const ConvCase &c : {kConvCases[1], kConvCases[3]}) { // Winograd's, the GEMM's
    TensorData w = randomTensor(c.w, rng);
    fast::PackCache cache;
    cache.stableBegin = w.data();
    cache.stableEnd = w.data() + w.numel();
    for (int round = 0; round < 3; ++round) {
      TensorData x = randomTensor(c.x, rng);
      TensorData got = fast::conv(x, w, nullptr, c.pads, c.strides, c.dil, c.group, cache);
      TensorData want = k::conv(x, w, nullptr, c.pads, c.strides, c.dil, c.group);
      expectClose(got, want, c.w[1] * 9, describe(c) + ", round " + std::to_string(round));
      EXPECT_EQ(cache.packed.size(), 1u);
    }
  }
}

// A conv and the max pool after it in one call (conv_max_pool), with and without a
// ReLU between, against the reference conv, relu and pool: stems whose tiles of
// output channels are pooled as they complete (3 colour planes; a batch of 2; a
// grouped conv; pools with padding and in ceil mode), and the cases that run the conv,
// then the pool (a pool other than 3x3/2, a conv on another kernel).
TEST(FastConv, ConvMaxPoolEqualsPoolOfConv) {
  std::mt19937 rng(15);
  const struct {
    ConvCase conv;
    Shape kernel, pads, strides;
    int64_t ceil;
  } cases[] = {
      {{{1, 3, 41, 38}, {20, 3, 3, 3}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1}, {3, 3}, {0, 0, 0, 0}, {2, 2}, 1},
      {{{2, 3, 30, 30}, {16, 3, 7, 7}, {3, 3, 3, 3}, {2, 2}, {1, 1}, 1}, {3, 3}, {1, 1, 1, 1}, {2, 2}, 0},
      {{{1, 16, 13, 11}, {64, 8, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 2}, {3, 3}, {0, 0, 1, 1}, {2, 2}, 0},
      {{{1, 3, 20, 20}, {20, 3, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1}, {2, 2}, {0, 0, 0, 0}, {2, 2}, 0},
      {{{1, 40, 9, 9}, {48, 40, 3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1}, {3, 3}, {0, 0, 0, 0}, {2, 2}, 1},
  };
  for (const auto &pc : cases)
    for (bool relu : {false, true}) {
      const ConvCase &c = pc.conv;
      TensorData x = randomTensor(c.x, rng), w = randomTensor(c.w, rng),
                 b = randomTensor({c.w[0]}, rng);
      fast::PackCache cache;
      TensorData got = fast::convMaxPool(x, w, &b, c.pads, c.strides, c.dil, c.group, cache,
                                         relu ? fast::Clamp::relu() : fast::Clamp{},
                                         pc.kernel, pc.pads, pc.strides, {1, 1}, pc.ceil);
      TensorData y = k::conv(x, w, &b, c.pads, c.strides, c.dil, c.group);
      if (relu)
        y = k::unary(y, UnaryKind::Relu, 0, 0);
      TensorData want = k::maxPool(y, pc.kernel, pc.pads, pc.strides, {1, 1}, pc.ceil);
      expectClose(got, want, c.w[1] * c.w[2] * c.w[3],
                  describe(c) + " + max pool" + (relu ? " after relu" : ""));
    }
}

TEST(FastConv, ReportsTheReferenceErrors) {
  fast::PackCache cache;
  TensorData x = TensorData::zeros({1, 3, 4, 4});
  try {
    fast::conv(x, TensorData::zeros({2, 2, 3, 3}), nullptr, {}, {}, {}, 1, cache);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("needs w with 3 input channels per group"),
              std::string::npos)
        << e.what();
  }
}

TEST(FastGemm, MatchesReferenceKernel) {
  std::mt19937 rng(14);
  struct Case {
    int64_t M, K, N;
    Shape c; // empty: no C
  } cases[] = {
      {1, 512, 1000, {1000}},   // a batch-1 fully connected layer
      {1, 70, 13, {}},          // K and N not multiples of the vector width
      {3, 300, 40, {1, 40}},    // few rows
      {17, 300, 45, {17, 45}},  // packed GEMM: edge tiles, two K slices
      {30, 9, 600, {17, 1}},    // C not broadcastable: an error, as in the reference
      {30, 9, 600, {30, 1}},    // C broadcast along N
  };
  for (const Case &c : cases)
    for (int64_t transA : {0, 1})
      for (int64_t transB : {0, 1}) {
        TensorData a = randomTensor(transA ? Shape{c.K, c.M} : Shape{c.M, c.K}, rng);
        TensorData b = randomTensor(transB ? Shape{c.N, c.K} : Shape{c.K, c.N}, rng);
        TensorData cc = randomTensor(c.c.empty() ? Shape{1} : c.c, rng);
        const TensorData *cp = c.c.empty() ? nullptr : &cc;
        const std::string what = "gemm M=" + std::to_string(c.M) + " K=" +
                                 std::to_string(c.K) + " N=" + std::to_string(c.N) +
                                 " transA=" + std::to_string(transA) +
                                 " transB=" + std::to_string(transB);
        std::string wantError, gotError;
        TensorData want, got;
        try {
          want = k::gemm(a, b, cp, 0.5, 2.0, transA, transB);
        } catch (const Error &e) {
          wantError = e.what();
        }
        try {
          got = fast::gemm(a, b, cp, 0.5, 2.0, transA, transB);
        } catch (const Error &e) {
          gotError = e.what();
        }
        EXPECT_EQ(gotError, wantError) << what;
        if (wantError.empty())
          expectClose(got, want, c.K, what);
      }
}

// MaxPool on phase planes against the reference: ResNet's and SqueezeNet's pools (3x3
// stride 2, padded and in ceil mode), stride 1, uneven pads, dilation, planes narrower
// than a vector; NaNs and -inf in the input follow the reference's rule.
TEST(FastMaxPool, MatchesReferenceKernel) {
  const struct {
    Shape x, kernel, pads, strides, dil;
    int64_t ceil;
  } cases[] = {
      {{1, 3, 112, 112}, {3, 3}, {1, 1, 1, 1}, {2, 2}, {1, 1}, 0},
      {{1, 4, 111, 111}, {3, 3}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1},
      {{2, 3, 13, 13}, {3, 3}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1},
      {{1, 5, 14, 27}, {3, 3}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1},
      {{1, 2, 7, 9}, {3, 3}, {1, 1, 0, 0}, {2, 2}, {1, 1}, 1},
      {{2, 7, 5, 5}, {3, 3}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 0}, // planes of 4 outputs
      // rows of 16 and 4 outputs (whole vectors with AVX-512 or NEON) whose last
      // window ends on the column after the vectors its row loads
      {{1, 2, 7, 33}, {3, 3}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 0},
      {{1, 2, 9, 9}, {3, 3}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1},
      {{1, 2, 9, 40}, {3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 0},
      {{1, 2, 10, 11}, {2, 3}, {0, 1, 1, 0}, {2, 1}, {1, 1}, 0},
      {{1, 2, 12, 12}, {2, 2}, {0, 0, 0, 0}, {2, 2}, {2, 2}, 0},
      {{1, 1, 5, 5}, {5, 5}, {2, 2, 2, 2}, {3, 3}, {1, 1}, 1},
      {{1, 2, 30, 30}, {2, 2}, {0, 0, 0, 0}, {9, 9}, {1, 1}, 0}, // the reference's
  };
  std::mt19937 rng(21);
  for (const auto &c : cases) {
    TensorData x = randomTensor(c.x, rng);
    x.own[3] = std::nanf("");
    x.own[x.own.size() / 2] = -std::numeric_limits<float>::infinity();
    TensorData got = fast::maxPool(x, c.kernel, c.pads, c.strides, c.dil, c.ceil);
    TensorData want = k::maxPool(x, c.kernel, c.pads, c.strides, c.dil, c.ceil);
    const std::string what = "max_pool x " + shapeStr(c.x) + " kernel " +
                             shapeStr(c.kernel) + " pads " + shapeStr(c.pads) +
                             " strides " + shapeStr(c.strides);
    ASSERT_EQ(got.shape, want.shape) << what;
    for (int64_t i = 0; i < got.numel(); ++i) {
      const float g = got.data()[i], w = want.data()[i];
      ASSERT_TRUE(g == w || (std::isnan(g) && std::isnan(w))) << what << ", element " << i;
    }
  }
  // The reference's checks and messages.
  TensorData x = TensorData::zeros({1, 1, 4, 4});
  EXPECT_THROW(fast::maxPool(x, {5, 5}, {0, 0, 0, 0}, {1, 1}, {1, 1}, 0), Error);
}

// GlobalAveragePool's double sums in independent chains against the reference's one
// chain: planes shorter and longer than the chains, a batch, a 3-D input; its error.
TEST(FastGlobalAveragePool, MatchesReferenceKernel) {
  std::mt19937 rng(22);
  for (const Shape &s : {Shape{1, 5, 13, 13}, Shape{2, 3, 2, 3}, Shape{1, 4, 7}, Shape{1, 2, 1, 1}}) {
    TensorData x = randomTensor(s, rng);
    expectClose(fast::globalAveragePool(x), k::globalAveragePool(x), 1, shapeStr(s));
  }
  EXPECT_THROW(fast::globalAveragePool(TensorData::zeros({4, 4})), Error);
}

// Concat's parallel copies against the reference's: along channels of one image (parts
// larger than one copy's piece), along an inner axis of a batch (many outer blocks),
// along the first axis, three parts; its shape error.
TEST(FastConcat, MatchesReferenceKernel) {
  std::mt19937 rng(23);
  const struct {
    Shape a, b, c;
    int64_t axis;
  } cases[] = {{{1, 64, 55, 55}, {1, 64, 55, 55}, {1, 16, 55, 55}, 1},
               {{3, 2, 5, 7}, {3, 2, 1, 7}, {3, 2, 4, 7}, 2},
               {{2, 3, 4}, {5, 3, 4}, {1, 3, 4}, 0},
               {{2, 5, 3}, {2, 5, 1}, {2, 5, 2}, -1}};
  for (const auto &c : cases) {
    TensorData a = randomTensor(c.a, rng), b = randomTensor(c.b, rng),
               cc = randomTensor(c.c, rng);
    const TensorData got = fast::concat({&a, &b, &cc}, c.axis),
                     want = k::concat({&a, &b, &cc}, c.axis);
    ASSERT_EQ(got.shape, want.shape) << shapeStr(c.a);
    EXPECT_EQ(0, std::memcmp(got.data(), want.data(), (size_t)want.numel() * sizeof(float)))
        << shapeStr(c.a);
  }
  TensorData a = TensorData::zeros({1, 2, 3, 3}), x = TensorData::zeros({1, 2, 4, 4});
  EXPECT_THROW(fast::concat({&a, &x}, 1), Error);
}
