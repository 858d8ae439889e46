// Hand-checkable kernel cases, plus the optimized-loop conv against a naive
// seven-loop definition, plus the ABI's error propagation.
#include "ctx.h"
#include "kernels/kernels.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <random>

using namespace sepnn::rt;
namespace k = sepnn::rt::kernels;

static TensorData T(Shape s, std::vector<float> v) {
  TensorData t;
  t.shape = std::move(s);
  t.own.assign(v.begin(), v.end());
  EXPECT_EQ((int64_t)t.own.size(), t.numel());
  return t;
}
static std::vector<float> iota(int n, float start = 1) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i)
    v[i] = start + i;
  return v;
}
static std::vector<float> vals(const TensorData &t) {
  return std::vector<float>(t.data(), t.data() + t.numel());
}

TEST(Conv, OneChannel3x3WithPadsOn4x4) {
  // 3x3 box filter over 1..16 with one pixel of zero padding: each output is the sum
  // of the in-bounds neighbourhood, plus the bias 1.
  TensorData x = T({1, 1, 4, 4}, iota(16));
  TensorData w = T({1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  TensorData b = T({1}, {1});
  TensorData y = k::conv(x, w, &b, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1);
  EXPECT_EQ(y.shape, (Shape{1, 1, 4, 4}));
  EXPECT_EQ(vals(y), (std::vector<float>{15, 25, 31, 23, 34, 55, 64, 46, 58, 91, 100, 70,
                                         47, 73, 79, 55}));
  // Stride 2 picks every other one; no bias.
  TensorData y2 = k::conv(x, w, nullptr, {1, 1, 1, 1}, {2, 2}, {1, 1}, 1);
  EXPECT_EQ(y2.shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ(vals(y2), (std::vector<float>{14, 30, 57, 99}));
}

TEST(Conv, DepthwiseGroups) {
  // group == channels: each channel scaled by its own 1x1 weight.
  TensorData x = T({1, 2, 1, 2}, {1, 2, 3, 4});
  TensorData w = T({2, 1, 1, 1}, {10, -1});
  TensorData y = k::conv(x, w, nullptr, {}, {}, {}, 2);
  EXPECT_EQ(vals(y), (std::vector<float>{10, 20, -3, -4}));
}

// The definition, loop by loop, as the oracle for the loop-bound arithmetic.
static TensorData naiveConv(const TensorData &x, const TensorData &w, const TensorData *b,
                            Shape p, Shape s, Shape d, int64_t g) {
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t M = w.shape[0], Cg = w.shape[1], KH = w.shape[2], KW = w.shape[3];
  const int64_t OH = (H + p[0] + p[2] - d[0] * (KH - 1) - 1) / s[0] + 1;
  const int64_t OW = (W + p[1] + p[3] - d[1] * (KW - 1) - 1) / s[1] + 1;
  TensorData y = TensorData::zeros({N, M, OH, OW});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = b ? b->data()[m] : 0;
          const int64_t gi = m / (M / g);
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < KH; ++kh)
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t ih = oh * s[0] + kh * d[0] - p[0];
                const int64_t iw = ow * s[1] + kw * d[1] - p[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue;
                acc += x.data()[((n * C + gi * Cg + c) * H + ih) * W + iw] *
                       w.data()[((m * Cg + c) * KH + kh) * KW + kw];
              }
          y.mut()[((n * M + m) * OH + oh) * OW + ow] = (float)acc;
        }
  return y;
}

TEST(Conv, MatchesNaiveDefinition) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  struct Case {
    Shape x, w, pads, strides, dil;
    int64_t group;
  } cases[] = {
      {{2, 4, 9, 7}, {6, 2, 3, 2}, {1, 0, 2, 1}, {2, 1}, {1, 2}, 2},
      {{1, 3, 8, 8}, {4, 3, 3, 3}, {0, 0, 0, 0}, {3, 3}, {2, 2}, 1},
      {{1, 4, 5, 6}, {4, 1, 5, 5}, {2, 2, 2, 2}, {1, 2}, {1, 1}, 4},
      {{1, 2, 3, 3}, {2, 2, 1, 1}, {3, 1, 0, 2}, {2, 3}, {1, 1}, 1},
  };
  for (auto &c : cases) {
    TensorData x = TensorData::zeros(c.x), w = TensorData::zeros(c.w),
               b = TensorData::zeros({c.w[0]});
    for (auto *t : {&x, &w, &b})
      for (auto &v : t->own)
        v = u(rng);
    TensorData got = k::conv(x, w, &b, c.pads, c.strides, c.dil, c.group);
    TensorData want = naiveConv(x, w, &b, c.pads, c.strides, c.dil, c.group);
    ASSERT_EQ(got.shape, want.shape);
    for (int64_t i = 0; i < got.numel(); ++i)
      ASSERT_NEAR(got.data()[i], want.data()[i], 1e-4) << "element " << i;
  }
}

TEST(Conv, ShapeErrors) {
  TensorData x = TensorData::zeros({1, 3, 4, 4});
  TensorData w = TensorData::zeros({2, 2, 3, 3});
  try {
    k::conv(x, w, nullptr, {}, {}, {}, 1);
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("needs w with 3 input channels"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(k::conv(x, TensorData::zeros({2, 3, 9, 9}), nullptr, {}, {}, {}, 1), Error);
  EXPECT_THROW(k::conv(x, TensorData::zeros({2, 1, 1, 1}), nullptr, {}, {}, {}, 2), Error);
}

TEST(Gemm, TransBWithBroadcastC) {
  TensorData a = T({2, 3}, {1, 2, 3, 4, 5, 6});
  TensorData b = T({2, 3}, {1, 0, 1, 0, 1, 0}); // used transposed: [3,2]
  // A*B^T = [[4,2],[10,5]]; alpha 2 -> [[8,4],[20,10]]; beta 0.5 * C[2] = [5,10].
  TensorData c = T({2}, {10, 20});
  TensorData y = k::gemm(a, b, &c, 2.0, 0.5, 0, 1);
  EXPECT_EQ(y.shape, (Shape{2, 2}));
  EXPECT_EQ(vals(y), (std::vector<float>{13, 14, 25, 20}));
  // C as a column [2,1] broadcasts along N; no alpha/beta.
  TensorData col = T({2, 1}, {100, 200});
  EXPECT_EQ(vals(k::gemm(a, b, &col, 1, 1, 0, 1)), (std::vector<float>{104, 102, 210, 205}));
  // transA: A^T is [3,2] times B [2,3].
  TensorData at = T({2, 3}, {1, 2, 3, 4, 5, 6}), bb = T({2, 1}, {1, 1});
  EXPECT_EQ(vals(k::gemm(at, bb, nullptr, 1, 1, 1, 0)), (std::vector<float>{5, 7, 9}));
  // No C, plain.
  TensorData bt = T({3, 2}, {1, 0, 0, 1, 1, 1});
  EXPECT_EQ(vals(k::gemm(a, bt, nullptr, 1, 1, 0, 0)), (std::vector<float>{4, 5, 10, 11}));
  TensorData badC = T({3}, {1, 2, 3});
  EXPECT_THROW(k::gemm(a, b, &badC, 1, 1, 0, 1), Error);
  EXPECT_THROW(k::gemm(a, a, nullptr, 1, 1, 0, 0), Error);
}

TEST(MaxPool, CeilModeOutputSize) {
  // 5x5 input, 2x2 kernel, stride 2: floor gives 2x2, ceil 3x3 (partial windows).
  TensorData x = T({1, 1, 5, 5}, iota(25));
  TensorData fl = k::maxPool(x, {2, 2}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 0);
  EXPECT_EQ(fl.shape, (Shape{1, 1, 2, 2}));
  EXPECT_EQ(vals(fl), (std::vector<float>{7, 9, 17, 19}));
  TensorData ce = k::maxPool(x, {2, 2}, {0, 0, 0, 0}, {2, 2}, {1, 1}, 1);
  EXPECT_EQ(ce.shape, (Shape{1, 1, 3, 3}));
  EXPECT_EQ(vals(ce), (std::vector<float>{7, 9, 10, 17, 19, 20, 22, 24, 25}));
  // A window that would start inside the end padding is dropped in ceil mode:
  // in 4, k 2, s 2, pad end 1: ceil((4+1-2)/2)+1 = 3, but (3-1)*2 = 4 >= 4 -> 2.
  EXPECT_EQ(k::poolOutSize(4, 2, 0, 1, 2, 1, true), 2);
  EXPECT_EQ(k::poolOutSize(4, 2, 0, 1, 2, 1, false), 2);
  EXPECT_EQ(k::poolOutSize(112, 3, 1, 1, 2, 1, false), 56); // resnet stem
  EXPECT_EQ(k::poolOutSize(6, 3, 0, 0, 2, 1, true), 3);
  EXPECT_EQ(k::poolOutSize(6, 3, 0, 0, 2, 1, false), 2);
}

TEST(MaxPool, PaddingNeverSelected) {
  TensorData x = T({1, 1, 2, 2}, {-4, -3, -2, -1});
  TensorData y = k::maxPool(x, {3, 3}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 0);
  EXPECT_EQ(vals(y), (std::vector<float>{-1, -1, -1, -1}));
  TensorData y2 = k::maxPool(x, {2, 2}, {1, 1, 0, 0}, {1, 1}, {1, 1}, 0);
  EXPECT_EQ(vals(y2), (std::vector<float>{-4, -3, -2, -1}));
}

TEST(Add, Broadcasting) {
  // [2,1,3] + [4,1] -> [2,4,3], y[i][j][k] = a[i][0][k] + b[j][0].
  TensorData a = T({2, 1, 3}, {1, 2, 3, 4, 5, 6});
  TensorData b = T({4, 1}, {0, 10, 20, 30});
  TensorData y = k::add(a, b);
  EXPECT_EQ(y.shape, (Shape{2, 4, 3}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int kk = 0; kk < 3; ++kk)
        EXPECT_EQ(y.data()[(i * 4 + j) * 3 + kk], a.own[i * 3 + kk] + b.own[j]);
  // Per-channel bias [C,1,1] onto NCHW, scalar, same shape.
  TensorData x = T({1, 2, 1, 2}, {1, 2, 3, 4});
  EXPECT_EQ(vals(k::add(x, T({2, 1, 1}, {10, 20}))), (std::vector<float>{11, 12, 23, 24}));
  EXPECT_EQ(vals(k::add(T({}, {5}), x)), (std::vector<float>{6, 7, 8, 9}));
  EXPECT_EQ(vals(k::add(x, x)), (std::vector<float>{2, 4, 6, 8}));
  EXPECT_THROW(k::add(T({2, 3}, iota(6)), T({2}, {1, 2})), Error);
}

TEST(Kernels, BatchNormReluPoolFlatten) {
  TensorData x = T({1, 2, 1, 2}, {1, 3, -1, 2});
  // channel 0: (x-1)/sqrt(3+1) ; channel 1: x*2/sqrt(0+1) + 1
  TensorData y = k::batchNorm(x, T({2}, {1, 2}), T({2}, {0, 1}), T({2}, {1, 0}),
                              T({2}, {3, 0}), 1.0);
  EXPECT_EQ(vals(y), (std::vector<float>{0, 1, -1, 5}));
  EXPECT_EQ(vals(k::relu(y)), (std::vector<float>{0, 1, 0, 5}));
  TensorData g = k::globalAveragePool(T({1, 2, 2, 2}, iota(8)));
  EXPECT_EQ(g.shape, (Shape{1, 2, 1, 1}));
  EXPECT_EQ(vals(g), (std::vector<float>{2.5, 6.5}));
  TensorData big = TensorData::zeros({2, 3, 4, 5});
  EXPECT_EQ(k::flatten(big, 2).shape, (Shape{6, 20}));
  EXPECT_EQ(k::flatten(big, 0).shape, (Shape{1, 120}));
  EXPECT_EQ(k::flatten(big, 4).shape, (Shape{120, 1}));
  EXPECT_EQ(k::flatten(big, -1).shape, (Shape{24, 5}));
  EXPECT_THROW(k::flatten(big, 5), Error);
  EXPECT_THROW(k::batchNorm(x, T({3}, {1, 1, 1}), T({2}, {0, 1}), T({2}, {1, 0}),
                            T({2}, {3, 0}), 1.0),
               Error);
}

TEST(Kernels, SliceConcatRoundTrip) {
  TensorData x = T({2, 5, 3}, iota(30));
  TensorData a = k::slice(x, 1, 0, 2), b = k::slice(x, 1, 2, 5);
  EXPECT_EQ(a.shape, (Shape{2, 2, 3}));
  EXPECT_EQ(b.shape, (Shape{2, 3, 3}));
  EXPECT_EQ(vals(a), (std::vector<float>{1, 2, 3, 4, 5, 6, 16, 17, 18, 19, 20, 21}));
  TensorData back = k::concat({&a, &b}, 1);
  EXPECT_EQ(back.shape, x.shape);
  EXPECT_EQ(vals(back), vals(x));
  EXPECT_THROW(k::slice(x, 1, 3, 6), Error);
  EXPECT_THROW(k::slice(x, 3, 0, 1), Error);
  EXPECT_THROW(k::concat({&a, &x}, 0), Error);
}

TEST(Abi, FirstErrorIsKeptAndLaterCallsAreNoOps) {
  Ctx ctx;
  TensorData in = T({1, 1, 4, 4}, iota(16));
  ctx.inputs.push_back(in);
  ctx.inputNames.push_back("in.pb");
  Tensor x = input(&ctx, 0, {1, 1, 4, 4});
  ASSERT_GE(x.id, 0);
  Tensor r = relu(&ctx, x);
  ASSERT_GE(r.id, 0);
  Tensor c = concat(&ctx, 1, x, r);
  EXPECT_EQ(ctx.get(c, "c").shape, (Shape{1, 2, 4, 4}));
  // No weights: the weight() call fails and names itself.
  Tensor w = weight(&ctx, 0, {1, 1, 3, 3});
  EXPECT_LT(w.id, 0);
  ASSERT_TRUE(ctx.failed);
  EXPECT_EQ(ctx.error.rfind("weight (call #4): ", 0), 0u) << ctx.error;
  const std::string first = ctx.error;
  EXPECT_LT(relu(&ctx, x).id, 0); // skipped
  EXPECT_EQ(ctx.error, first);

  Ctx ctx2;
  ctx2.inputs.push_back(in);
  ctx2.inputNames.push_back("in.pb");
  EXPECT_LT(input(&ctx2, 0, {1, 1, 4, 5}).id, 0);
  EXPECT_NE(ctx2.error.find("input 0 (in.pb) has shape [1,1,4,4], the program expects "
                            "[1,1,4,5]"),
            std::string::npos)
      << ctx2.error;

  Ctx ctx3;
  EXPECT_LT(relu(&ctx3, Tensor{}).id, 0);
  EXPECT_NE(ctx3.error.find("relu (call #1): operand x is not a valid tensor"),
            std::string::npos)
      << ctx3.error;

  // Weights in a buffer: bounds are checked, aligned data is aliased.
  Ctx ctx4;
  std::vector<float> blob = iota(10);
  ctx4.haveWeights = true;
  ctx4.weights = reinterpret_cast<const unsigned char *>(blob.data());
  ctx4.weightsSize = blob.size() * 4;
  ctx4.weightsPath = "weights.bin";
  Tensor wt = weight(&ctx4, 8, {2, 2});
  ASSERT_GE(wt.id, 0);
  EXPECT_EQ(vals(ctx4.get(wt, "w")), (std::vector<float>{3, 4, 5, 6}));
  EXPECT_LT(weight(&ctx4, 32, {3}).id, 0);
  EXPECT_NE(ctx4.error.find("bytes [32, 44) of shape [3] are outside weights.bin (40 bytes)"),
            std::string::npos)
      << ctx4.error;
  // Without a transport, send is an error, not a crash.
  Ctx ctx5;
  ctx5.inputs.push_back(in);
  ctx5.inputNames.push_back("in.pb");
  send(&ctx5, input(&ctx5, 0, {1, 1, 4, 4}), 1, 0);
  EXPECT_TRUE(ctx5.failed);
}

TEST(Abi, ReleaseFreesAndLaterUseIsAnError) {
  Ctx ctx;
  ctx.inputs.push_back(T({1, 1, 4, 4}, iota(16)));
  ctx.inputNames.push_back("in.pb");
  Tensor x = input(&ctx, 0, {1, 1, 4, 4});
  Tensor r = relu(&ctx, x);
  ASSERT_GE(r.id, 0);
  release(&ctx, r);
  ASSERT_FALSE(ctx.failed) << ctx.error;
  EXPECT_EQ(ctx.tensors[r.id].own.capacity(), 0u); // the values are gone
  EXPECT_LT(relu(&ctx, r).id, 0);
  EXPECT_EQ(ctx.error, "relu (call #4): operand x (tensor 1) was released before this use");
}

// A device's weights.bin, as the values of `blob` (which must outlive ctx's use).
static void useWeights(Ctx &ctx, const std::vector<float> &blob) {
  ctx.haveWeights = true;
  ctx.weights = reinterpret_cast<const unsigned char *>(blob.data());
  ctx.weightsSize = blob.size() * sizeof(float);
}

TEST(Abi, FusedConvActivationsEqualTheUnfusedOps) {
  Ctx ctx;
  ctx.inputs.push_back(T({1, 2, 3, 3}, iota(18, -9)));
  ctx.inputNames.push_back("in.pb");
  std::vector<float> blob = iota(2 * 2 * 2 * 2 + 2, -5);
  useWeights(ctx, blob);
  Tensor x = input(&ctx, 0, {1, 2, 3, 3});
  Tensor w = weight(&ctx, 0, {2, 2, 2, 2}), b = weight(&ctx, 16 * 4, {2});
  Tensor fused = conv_relu(&ctx, x, w, b, {1, 0, 0, 1}, {1, 1}, {1, 1}, 1);
  Tensor plain = relu(&ctx, conv(&ctx, x, w, b, {1, 0, 0, 1}, {1, 1}, {1, 1}, 1));
  ASSERT_FALSE(ctx.failed) << ctx.error;
  const TensorData &got = ctx.get(fused, "fused"), &want = ctx.get(plain, "plain");
  ASSERT_EQ(got.shape, want.shape);
  for (int64_t i = 0; i < got.numel(); ++i)
    EXPECT_FLOAT_EQ(got.data()[i], want.data()[i]) << i;
  bool anyZero = false, anyPositive = false;
  for (int64_t i = 0; i < got.numel(); ++i)
    (got.data()[i] == 0 ? anyZero : anyPositive) = true;
  EXPECT_TRUE(anyZero && anyPositive); // the relu really clipped something

  Tensor clipped = conv_clip(&ctx, x, w, b, {1, 0, 0, 1}, {1, 1}, {1, 1}, 1, -3.0, 4.5);
  Tensor unfused = unary(&ctx, conv(&ctx, x, w, b, {1, 0, 0, 1}, {1, 1}, {1, 1}, 1),
                         UnaryKind::Clip, -3.0, 4.5);
  ASSERT_FALSE(ctx.failed) << ctx.error;
  const TensorData &c1 = ctx.get(clipped, "clipped"), &c2 = ctx.get(unfused, "unfused");
  ASSERT_EQ(c1.shape, c2.shape);
  int atBounds = 0;
  for (int64_t i = 0; i < c1.numel(); ++i) {
    EXPECT_FLOAT_EQ(c1.data()[i], c2.data()[i]) << i;
    atBounds += c1.data()[i] == -3.0f || c1.data()[i] == 4.5f;
  }
  EXPECT_GT(atBounds, 0); // the clip really clipped something
}

TEST(Abi, FusedResidualEqualsConvAddRelu) {
  Ctx ctx;
  ctx.inputs.push_back(T({1, 2, 3, 3}, iota(18, -9)));
  ctx.inputs.push_back(T({1, 2, 3, 3}, iota(18, -4)));
  ctx.inputNames = {"in.pb", "res.pb"};
  std::vector<float> blob = iota(2 * 2 * 2 * 2 + 2, -5);
  useWeights(ctx, blob);
  Tensor x = input(&ctx, 0, {1, 2, 3, 3}), r = input(&ctx, 1, {1, 2, 3, 3});
  Tensor w = weight(&ctx, 0, {2, 2, 2, 2}), b = weight(&ctx, 16 * 4, {2});
  const Ints pads = {1, 0, 0, 1};
  Tensor sum = conv_add(&ctx, x, w, b, r, pads, {1, 1}, {1, 1}, 1);
  Tensor fused = conv_add_relu(&ctx, x, w, b, r, pads, {1, 1}, {1, 1}, 1);
  Tensor plainSum = add(&ctx, conv(&ctx, x, w, b, pads, {1, 1}, {1, 1}, 1), r);
  Tensor plain = relu(&ctx, plainSum);
  ASSERT_FALSE(ctx.failed) << ctx.error;
  for (auto [gotId, wantId] : {std::pair{sum, plainSum}, std::pair{fused, plain}}) {
    const TensorData &got = ctx.get(gotId, "got"), &want = ctx.get(wantId, "want");
    ASSERT_EQ(got.shape, want.shape);
    for (int64_t i = 0; i < got.numel(); ++i)
      EXPECT_FLOAT_EQ(got.data()[i], want.data()[i]) << i;
  }
  const TensorData &s = ctx.get(sum, "sum");
  EXPECT_TRUE(std::any_of(s.own.begin(), s.own.end(), [](float v) { return v < 0; }));
  // A residual of another shape: the call and the operand named.
  Tensor bad = conv_add(&ctx, x, w, b, x, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1);
  EXPECT_LT(bad.id, 0);
  EXPECT_NE(ctx.error.find("conv_add (call #"), std::string::npos) << ctx.error;
  EXPECT_NE(ctx.error.find("residual must have the output's shape [1,2,2,2]"),
            std::string::npos)
      << ctx.error;
}

// reserve + place_next: a concatenation written in place. A convolution writes its
// slice itself (the result is a view of it: no values of its own); another kernel's
// result is copied there; together they equal concat of the unplaced results. The
// misuses are errors that name the call.
TEST(Abi, PlacedResultsMakeTheConcatenation) {
  Ctx ctx;
  ctx.inputs.push_back(T({1, 2, 3, 3}, iota(18, -9)));
  ctx.inputNames.push_back("in.pb");
  std::vector<float> blob = iota(3 * 2 * 2 * 2 + 3, -7);
  useWeights(ctx, blob);
  Tensor x = input(&ctx, 0, {1, 2, 3, 3});
  Tensor w = weight(&ctx, 0, {3, 2, 2, 2}), b = weight(&ctx, 24 * 4, {3});
  Tensor cat = reserve(&ctx, {1, 5, 2, 2});
  place_next(&ctx, cat, 1, 0);
  Tensor convPart = conv_relu(&ctx, x, w, b, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1);
  Tensor xs = slice(&ctx, x, 2, 0, 2); // [1, 2, 2, 3]
  place_next(&ctx, cat, 1, 3);
  Tensor copied = slice(&ctx, xs, 3, 1, 3); // [1, 2, 2, 2], copied into its slice
  ASSERT_FALSE(ctx.failed) << ctx.error;
  EXPECT_TRUE(ctx.get(convPart, "convPart").own.empty()); // written in place
  EXPECT_EQ(ctx.get(convPart, "convPart").data(), ctx.get(cat, "cat").data());
  Tensor wantConv = conv_relu(&ctx, x, w, b, {0, 0, 0, 0}, {1, 1}, {1, 1}, 1);
  Tensor wantCopy = slice(&ctx, xs, 3, 1, 3);
  Tensor want = concat(&ctx, 1, wantConv, wantCopy);
  ASSERT_FALSE(ctx.failed) << ctx.error;
  EXPECT_EQ(vals(ctx.get(cat, "cat")), vals(ctx.get(want, "want")));
  EXPECT_EQ(vals(ctx.get(copied, "copied")), vals(ctx.get(wantCopy, "wantCopy")));

  // A result that does not fit its slice.
  Ctx bad = Ctx{};
  bad.inputs.push_back(T({1, 2, 3, 3}, iota(18)));
  bad.inputNames.push_back("in.pb");
  Tensor bx = input(&bad, 0, {1, 2, 3, 3});
  Tensor small = reserve(&bad, {1, 3, 3, 3});
  place_next(&bad, small, 1, 2);
  EXPECT_LT(relu(&bad, bx).id, 0);
  EXPECT_NE(bad.error.find("relu (call #4): a result of shape [1,2,3,3] does not fit at 2 "
                           "along axis 1 of its place_next destination [1,3,3,3]"),
            std::string::npos)
      << bad.error;
  // Slices that would not be contiguous; a destination that is a view.
  Ctx bad2;
  bad2.inputs.push_back(T({1, 2, 3, 3}, iota(18)));
  bad2.inputNames.push_back("in.pb");
  Tensor batch = reserve(&bad2, {2, 2, 3, 3});
  place_next(&bad2, batch, 1, 0);
  EXPECT_NE(bad2.error.find("place_next (call #2): dest's shape [2,2,3,3] has dims other "
                            "than 1 before axis 1"),
            std::string::npos)
      << bad2.error;
  Ctx bad3;
  bad3.inputs.push_back(T({1, 2, 3, 3}, iota(18)));
  bad3.inputNames.push_back("in.pb");
  place_next(&bad3, input(&bad3, 0, {1, 2, 3, 3}), 1, 0);
  EXPECT_NE(bad3.error.find("does not own its values: not a reserve() result"),
            std::string::npos)
      << bad3.error;
  // The destination released between place_next and the result: an error, not a
  // write through freed memory.
  Ctx bad4;
  bad4.inputs.push_back(T({1, 2, 3, 3}, iota(18)));
  bad4.inputNames.push_back("in.pb");
  Tensor in4 = input(&bad4, 0, {1, 2, 3, 3});
  Tensor dest4 = reserve(&bad4, {1, 4, 3, 3});
  place_next(&bad4, dest4, 1, 0);
  release(&bad4, dest4);
  EXPECT_LT(relu(&bad4, in4).id, 0);
  EXPECT_NE(bad4.error.find("relu (call #5): the place_next destination (tensor 1) was "
                            "released before a result was placed in it"),
            std::string::npos)
      << bad4.error;
}
