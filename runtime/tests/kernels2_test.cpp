// Hand-computed cases for the ABI 1 additions (unary, binary, average/global max pool,
// matmul, reshape, transpose, slice_step, pad, softmax, reduce_mean) and their errors
// through the ABI.
#include "ctx.h"
#include "kernels/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace sepnn::rt;
namespace k = sepnn::rt::kernels;
using F = std::vector<float>;

static TensorData T(Shape s, F v) {
  TensorData t;
  t.shape = std::move(s);
  t.own.assign(v.begin(), v.end());
  EXPECT_EQ((int64_t)t.own.size(), t.numel());
  return t;
}
static F iota(int n, float start = 1) {
  F v(n);
  for (int i = 0; i < n; ++i)
    v[i] = start + i;
  return v;
}
static F vals(const TensorData &t) { return F(t.data(), t.data() + t.numel()); }
static TensorData random(Shape s, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  TensorData t = TensorData::zeros(s);
  for (float &v : t.own)
    v = u(rng);
  return t;
}
#define EXPECT_VALS_NEAR(t, ...)                                                         \
  do {                                                                                   \
    const F got_ = vals(t), want_ = __VA_ARGS__;                                         \
    ASSERT_EQ(got_.size(), want_.size());                                                \
    for (size_t i_ = 0; i_ < got_.size(); ++i_)                                          \
      EXPECT_NEAR(got_[i_], want_[i_], 1e-5) << "element " << i_;                        \
  } while (0)
// The message of the Error that `expr` throws ("" if none).
#define ERROR_OF(expr)                                                                   \
  [&]() -> std::string {                                                                 \
    try {                                                                                \
      (void)(expr);                                                                      \
    } catch (const Error &e) {                                                           \
      return e.what();                                                                   \
    }                                                                                    \
    return "";                                                                           \
  }()
#define EXPECT_HAS(s, part) EXPECT_NE((s).find(part), std::string::npos) << (s)

TEST(Unary, EveryKind) {
  const TensorData x = T({5}, {-2, -0.5f, 0, 1, 4});
  auto u = [&](UnaryKind kind, double a = 0, double b = 0) {
    return k::unary(x, kind, a, b);
  };
  EXPECT_EQ(vals(u(UnaryKind::Relu)), (F{0, 0, 0, 1, 4}));
  EXPECT_EQ(vals(k::relu(x)), (F{0, 0, 0, 1, 4}));
  EXPECT_VALS_NEAR(u(UnaryKind::LeakyRelu, 0.1), F{-0.2f, -0.05f, 0, 1, 4});
  EXPECT_EQ(vals(u(UnaryKind::Clip, -1, 2)), (F{-1, -0.5f, 0, 1, 2}));
  EXPECT_EQ(vals(u(UnaryKind::Clip, -1e300, 1e300)), vals(x)); // "no bound"
  EXPECT_VALS_NEAR(u(UnaryKind::Sigmoid),
                   F{0.1192029f, 0.3775407f, 0.5f, 0.7310586f, 0.9820138f});
  EXPECT_VALS_NEAR(u(UnaryKind::HardSigmoid, 0.2, 0.5), F{0.1f, 0.4f, 0.5f, 0.7f, 1});
  EXPECT_VALS_NEAR(u(UnaryKind::HardSwish), F{-1 / 3.0f, -0.5f * 5 / 12, 0, 2 / 3.0f, 4});
  EXPECT_VALS_NEAR(u(UnaryKind::Tanh),
                   F{-0.9640276f, -0.4621172f, 0, 0.7615942f, 0.9993293f});
  EXPECT_EQ(vals(u(UnaryKind::Neg)), (F{2, 0.5f, 0, -1, -4}));
  EXPECT_VALS_NEAR(u(UnaryKind::Exp), F{0.1353353f, 0.6065307f, 1, 2.7182818f, 54.59815f});
  EXPECT_EQ(vals(k::unary(T({4}, {0, 1, 4, 9}), UnaryKind::Sqrt, 0, 0)), (F{0, 1, 2, 3}));
  EXPECT_TRUE(std::isnan(k::unary(T({1}, {-1}), UnaryKind::Sqrt, 0, 0).own[0]));
  // Sigmoid saturates without overflow; shape is kept.
  TensorData s = k::unary(T({1, 2}, {-100, 100}), UnaryKind::Sigmoid, 0, 0);
  EXPECT_EQ(s.shape, (Shape{1, 2}));
  EXPECT_NEAR(s.own[0], 0, 1e-30);
  EXPECT_EQ(s.own[1], 1.0f);
  EXPECT_HAS(ERROR_OF(k::unary(x, (UnaryKind)42, 0, 0)), "unknown unary kind 42");
}

TEST(Binary, SameShapeKinds) {
  const TensorData a = T({2, 2}, {1, -2, 3, -4}), b = T({2, 2}, {2, 4, -1, 0.5f});
  EXPECT_EQ(vals(k::binary(a, b, BinaryKind::Add)), (F{3, 2, 2, -3.5f}));
  EXPECT_EQ(vals(k::binary(a, b, BinaryKind::Sub)), (F{-1, -6, 4, -4.5f}));
  EXPECT_EQ(vals(k::binary(a, b, BinaryKind::Mul)), (F{2, -8, -3, -2}));
  EXPECT_EQ(vals(k::binary(a, b, BinaryKind::Div)), (F{0.5f, -0.5f, -3, -8}));
  EXPECT_EQ(vals(k::binary(a, b, BinaryKind::PRelu)), (F{1, -8, 3, -2}));
  // Division by a broadcast row [2] and a scalar from the left.
  EXPECT_EQ(vals(k::binary(a, T({2}, {1, -2}), BinaryKind::Div)), (F{1, 1, 3, 2}));
  EXPECT_EQ(vals(k::binary(T({}, {10}), a, BinaryKind::Sub)), (F{9, 12, 7, 14}));
}

TEST(Binary, Broadcasting) {
  // [2,3,4] + [4]: the row is added to every row.
  const TensorData a = T({2, 3, 4}, iota(24)), row = T({4}, {10, 20, 30, 40});
  TensorData y = k::binary(a, row, BinaryKind::Add);
  EXPECT_EQ(y.shape, (Shape{2, 3, 4}));
  for (int i = 0; i < 24; ++i)
    EXPECT_EQ(y.own[i], a.own[i] + row.own[i % 4]) << i;
  // [2,1,4] * [3,1] -> [2,3,4], y[i][j][l] = p[i][0][l] * q[j][0].
  const TensorData p = T({2, 1, 4}, iota(8)), q = T({3, 1}, {1, 10, 100});
  TensorData z = k::binary(p, q, BinaryKind::Mul);
  EXPECT_EQ(z.shape, (Shape{2, 3, 4}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int l = 0; l < 4; ++l)
        EXPECT_EQ(z.own[(i * 3 + j) * 4 + l], p.own[i * 4 + l] * q.own[j]);
  // The other operand order gives the same result.
  EXPECT_EQ(vals(k::binary(q, p, BinaryKind::Mul)), vals(z));
  EXPECT_HAS(ERROR_OF(k::binary(T({2, 3}, iota(6)), T({2}, {1, 2}), BinaryKind::Mul)),
             "shapes [2,3] and [2] cannot be broadcast together");
}

TEST(Binary, PReluPerChannelSlope) {
  // Slope [C,1,1] onto NCHW: channel 0 scaled by 0.1, channel 1 by 2 where negative.
  const TensorData x = T({1, 2, 2, 2}, {-1, 2, -3, 4, -5, 6, -7, 8});
  TensorData y = k::binary(x, T({2, 1, 1}, {0.1f, 2}), BinaryKind::PRelu);
  EXPECT_EQ(y.shape, x.shape);
  EXPECT_VALS_NEAR(y, F{-0.1f, 2, -0.3f, 4, -10, 6, -14, 8});
  // The slope must broadcast to x, not the other way round.
  EXPECT_HAS(ERROR_OF(k::binary(T({2, 2}, iota(4)), x, BinaryKind::PRelu)),
             "slope [1,2,2,2] does not broadcast to x [2,2]");
}

TEST(Binary, AddAndReluStillWork) {
  EXPECT_EQ(vals(k::add(T({1, 2, 1, 2}, {1, 2, 3, 4}), T({2, 1, 1}, {10, 20}))),
            (F{11, 12, 23, 24}));
}

TEST(AveragePool, PadsAndCountIncludePad) {
  // 3x3 input, 2x2 windows, stride 1, one cell of padding all round -> 4x4.
  const TensorData x = T({1, 1, 3, 3}, iota(9));
  TensorData inc = k::averagePool(x, {2, 2}, {1, 1, 1, 1}, {1, 1}, 0, 1);
  EXPECT_EQ(inc.shape, (Shape{1, 1, 4, 4}));
  // Window sums / 4 (every window lies inside the padded input).
  EXPECT_VALS_NEAR(inc, F{0.25f, 0.75f, 1.25f, 0.75f, 1.25f, 3, 4, 2.25f, 2.75f, 6, 7,
                          3.75f, 1.75f, 3.75f, 4.25f, 2.25f});
  // Window sums / number of real cells (corners 1, edges 2, inside 4).
  TensorData exc = k::averagePool(x, {2, 2}, {1, 1, 1, 1}, {1, 1}, 0, 0);
  EXPECT_VALS_NEAR(exc, F{1, 1.5f, 2.5f, 3, 2.5f, 3, 4, 4.5f, 5.5f, 6, 7, 7.5f, 7, 7.5f,
                          8.5f, 9});
  // Empty pads/strides mean 0 and 1.
  EXPECT_VALS_NEAR(k::averagePool(x, {3, 3}, {}, {}, 0, 0), F{5});
}

TEST(AveragePool, CeilModeCellsNeverCount) {
  // 4x4, 3x3 windows, stride 2, pads 1: floor gives 2x2, ceil 3x3. Per dim the window
  // starts are -1, 1, 3; the last covers rows 3 (real), 4 (padding), 5 (ceil only).
  const TensorData x = T({1, 1, 4, 4}, iota(16));
  TensorData fl = k::averagePool(x, {3, 3}, {1, 1, 1, 1}, {2, 2}, 0, 1);
  EXPECT_EQ(fl.shape, (Shape{1, 1, 2, 2}));
  TensorData inc = k::averagePool(x, {3, 3}, {1, 1, 1, 1}, {2, 2}, 1, 1);
  TensorData exc = k::averagePool(x, {3, 3}, {1, 1, 1, 1}, {2, 2}, 1, 0);
  ASSERT_EQ(inc.shape, (Shape{1, 1, 3, 3}));
  ASSERT_EQ(exc.shape, (Shape{1, 1, 3, 3}));
  EXPECT_EQ(vals(fl)[0], inc.own[0]);
  EXPECT_EQ(vals(fl)[3], inc.own[4]);
  // (0,0): 1+2+5+6 = 14 over 9 padded cells or 4 real ones.
  EXPECT_NEAR(inc.own[0], 14 / 9.0f, 1e-5);
  EXPECT_NEAR(exc.own[0], 3.5f, 1e-6);
  // (1,1): a full 3x3 window, 99 / 9.
  EXPECT_NEAR(inc.own[4], 11, 1e-5);
  EXPECT_NEAR(exc.own[4], 11, 1e-5);
  // (0,2): rows 0-1, col 3: 4+8 = 12; padded cells 3x2 = 6 (the ceil-only column 5
  // does not count), real 2.
  EXPECT_NEAR(inc.own[2], 2, 1e-6);
  EXPECT_NEAR(exc.own[2], 6, 1e-6);
  // (2,0): row 3, cols 0-1: 27 / 6 or / 2.
  EXPECT_NEAR(inc.own[6], 4.5f, 1e-6);
  EXPECT_NEAR(exc.own[6], 13.5f, 1e-6);
  // (2,2): only 16; padded cells 2x2, real 1.
  EXPECT_NEAR(inc.own[8], 4, 1e-6);
  EXPECT_NEAR(exc.own[8], 16, 1e-6);
  EXPECT_HAS(ERROR_OF(k::averagePool(T({1, 4}, iota(4)), {2, 2}, {}, {}, 0, 0)),
             "x must be 4-D");
  EXPECT_HAS(ERROR_OF(k::averagePool(x, {2}, {}, {}, 0, 0)), "kernel must be 2");
  EXPECT_HAS(ERROR_OF(k::averagePool(x, {5, 5}, {}, {}, 0, 0)), "does not fit");
}

TEST(GlobalMaxPool, PerChannel) {
  TensorData y = k::globalMaxPool(T({1, 2, 2, 2}, {3, -1, 4, 1, -5, -9, -2, -6}));
  EXPECT_EQ(y.shape, (Shape{1, 2, 1, 1}));
  EXPECT_EQ(vals(y), (F{4, -2}));
  EXPECT_HAS(ERROR_OF(k::globalMaxPool(T({2, 2}, iota(4)))), "at least 3 dims");
}

TEST(MatMul, VectorPromotion) {
  // [2] x [2,3] -> [3]
  TensorData y = k::matmul(T({2}, {1, 2}), T({2, 3}, iota(6)));
  EXPECT_EQ(y.shape, (Shape{3}));
  EXPECT_EQ(vals(y), (F{9, 12, 15}));
  // [2,3] x [3] -> [2]
  TensorData z = k::matmul(T({2, 3}, iota(6)), T({3}, {1, 0, -1}));
  EXPECT_EQ(z.shape, (Shape{2}));
  EXPECT_EQ(vals(z), (F{-2, -2}));
  // [3] x [3] -> a scalar
  TensorData d = k::matmul(T({3}, {1, 2, 3}), T({3}, {4, 5, 6}));
  EXPECT_EQ(d.shape, (Shape{}));
  EXPECT_EQ(vals(d), (F{32}));
  // [2] x [2,2,3] -> [2,3] (the vector is broadcast over the batch)
  TensorData e = k::matmul(T({2}, {1, 1}), T({2, 2, 3}, iota(12)));
  EXPECT_EQ(e.shape, (Shape{2, 3}));
  EXPECT_EQ(vals(e), (F{5, 7, 9, 17, 19, 21}));
}

// Matrix `i` of a stacked tensor [..., R, C] as a 2-D tensor.
static TensorData matrixAt(const TensorData &t, int64_t i) {
  const int64_t R = t.shape[t.rank() - 2], C = t.shape.back();
  return T({R, C}, F(t.data() + i * R * C, t.data() + (i + 1) * R * C));
}

TEST(MatMul, BatchedAgainstGemm) {
  // [2,3,4] x [4,5] -> [2,3,5]: each batch is a plain gemm with the shared B.
  TensorData a = random({2, 3, 4}, 1), b = random({4, 5}, 2);
  TensorData y = k::matmul(a, b);
  ASSERT_EQ(y.shape, (Shape{2, 3, 5}));
  for (int i = 0; i < 2; ++i) {
    TensorData want = k::gemm(matrixAt(a, i), b, nullptr, 1, 1, 0, 0);
    TensorData got = matrixAt(y, i);
    for (int j = 0; j < 15; ++j)
      EXPECT_NEAR(got.own[j], want.own[j], 1e-5);
  }
  // [2,1,3,4] x [3,4,2] -> [2,3,3,2]: y[i][j] = a[i][0] * b[j].
  TensorData p = random({2, 1, 3, 4}, 3), q = random({3, 4, 2}, 4);
  TensorData z = k::matmul(p, q);
  ASSERT_EQ(z.shape, (Shape{2, 3, 3, 2}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      TensorData want = k::gemm(matrixAt(p, i), matrixAt(q, j), nullptr, 1, 1, 0, 0);
      TensorData got = matrixAt(z, i * 3 + j);
      for (int l = 0; l < 6; ++l)
        EXPECT_NEAR(got.own[l], want.own[l], 1e-5) << i << " " << j << " " << l;
    }
}

TEST(MatMul, Errors) {
  EXPECT_HAS(ERROR_OF(k::matmul(T({2, 3}, iota(6)), T({4, 2}, iota(8)))),
             "inner dimensions differ: a [2,3] has K=3, b [4,2] has K=4");
  EXPECT_HAS(ERROR_OF(k::matmul(T({3}, iota(3)), T({2}, iota(2)))),
             "inner dimensions differ");
  EXPECT_HAS(ERROR_OF(k::matmul(random({2, 3, 4}, 1), random({3, 4, 5}, 2))),
             "shapes [2] and [3] cannot be broadcast together");
  EXPECT_HAS(ERROR_OF(k::matmul(T({}, {1}), T({1}, {1}))), "at least 1 dim");
}

TEST(ShapeOps, ReshapeAndTranspose) {
  TensorData r = k::reshape(T({2, 3}, iota(6)), {3, 1, 2});
  EXPECT_EQ(r.shape, (Shape{3, 1, 2}));
  EXPECT_EQ(vals(r), iota(6));
  EXPECT_HAS(ERROR_OF(k::reshape(T({2, 3}, iota(6)), {4})),
             "cannot reshape [2,3] (6 elements) to [4] (4 elements)");
  EXPECT_HAS(ERROR_OF(k::reshape(T({2, 3}, iota(6)), {-1, 6})), "negative dimension");
  // NCHW -> NHWC: y[n][h][w][c] = x[n][c][h][w] with x = 0..11 over [1,2,2,3].
  TensorData t = k::transpose(T({1, 2, 2, 3}, iota(12, 0)), {0, 2, 3, 1});
  EXPECT_EQ(t.shape, (Shape{1, 2, 3, 2}));
  EXPECT_EQ(vals(t), (F{0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11}));
  // Empty perm: dims reversed.
  TensorData m = k::transpose(T({2, 3}, iota(6)), {});
  EXPECT_EQ(m.shape, (Shape{3, 2}));
  EXPECT_EQ(vals(m), (F{1, 4, 2, 5, 3, 6}));
  // A permutation of rank 3 round-trips through its inverse.
  TensorData x = random({2, 3, 4}, 5);
  EXPECT_EQ(vals(k::transpose(k::transpose(x, {1, 2, 0}), {2, 0, 1})), vals(x));
  const TensorData x4 = TensorData::zeros({1, 2, 2, 3});
  for (const k::Ints &bad : {k::Ints{0, 0, 1, 2}, k::Ints{0, 1, 2}, k::Ints{0, 1, 2, 4},
                             k::Ints{-1, 0, 1, 2}})
    EXPECT_HAS(ERROR_OF(k::transpose(x4, bad)), "is not a permutation of the 4 dims");
}

TEST(ShapeOps, SliceStep) {
  const TensorData x = T({2, 5}, iota(10, 0));
  TensorData s2 = k::sliceStep(x, 1, 0, 5, 2);
  EXPECT_EQ(s2.shape, (Shape{2, 3}));
  EXPECT_EQ(vals(s2), (F{0, 2, 4, 5, 7, 9}));
  EXPECT_EQ(vals(k::sliceStep(x, 1, 1, 4, 2)), (F{1, 3, 6, 8}));
  // step -1 from the last element to the first (end -1: past the beginning).
  TensorData rev = k::sliceStep(x, 1, 4, -1, -1);
  EXPECT_EQ(rev.shape, (Shape{2, 5}));
  EXPECT_EQ(vals(rev), (F{4, 3, 2, 1, 0, 9, 8, 7, 6, 5}));
  EXPECT_EQ(vals(k::sliceStep(x, 1, 4, 0, -2)), (F{4, 2, 9, 7}));
  // On the outer axis, and a negative axis.
  EXPECT_EQ(vals(k::sliceStep(x, 0, 1, -1, -1)), (F{5, 6, 7, 8, 9, 0, 1, 2, 3, 4}));
  EXPECT_EQ(vals(k::sliceStep(x, -1, 0, 5, 3)), (F{0, 3, 5, 8}));
  EXPECT_HAS(ERROR_OF(k::sliceStep(x, 1, 0, 5, 0)), "step 0");
  EXPECT_HAS(ERROR_OF(k::sliceStep(x, 1, 5, 6, 1)), "do not select a non-empty part");
  EXPECT_HAS(ERROR_OF(k::sliceStep(x, 1, 2, 3, -1)), "do not select a non-empty part");
  EXPECT_HAS(ERROR_OF(k::sliceStep(x, 2, 0, 1, 1)), "axis 2 is out of range");
}

TEST(ShapeOps, Pad4D) {
  // pads [N,C,H,W begins, then ends]: one channel after, one row before, two columns
  // after.
  TensorData y = k::pad(T({1, 1, 2, 2}, {1, 2, 3, 4}), {0, 0, 1, 0, 0, 1, 0, 2}, 9);
  EXPECT_EQ(y.shape, (Shape{1, 2, 3, 4}));
  EXPECT_EQ(vals(y), (F{9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9, //
                        9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}));
  // Symmetric spatial zero padding.
  TensorData z = k::pad(T({1, 1, 1, 2}, {5, 6}), {0, 0, 1, 1, 0, 0, 1, 1}, 0);
  EXPECT_EQ(z.shape, (Shape{1, 1, 3, 4}));
  EXPECT_EQ(vals(z), (F{0, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0, 0}));
  EXPECT_EQ(vals(k::pad(T({2}, {1, 2}), {0, 0}, 7)), (F{1, 2}));
  EXPECT_HAS(ERROR_OF(k::pad(T({2}, {1, 2}), {1}, 0)), "expected 2 pads for [2]");
  EXPECT_HAS(ERROR_OF(k::pad(T({2}, {1, 2}), {1, -1}, 0)), "negative pad");
}

TEST(Softmax, LargeValuesAndAxes) {
  TensorData y = k::softmax(T({2, 3}, {1000, 1001, 1002, -1000, -1000, -1000}), 1);
  EXPECT_EQ(y.shape, (Shape{2, 3}));
  EXPECT_VALS_NEAR(y, F{0.09003057f, 0.24472847f, 0.66524096f, 1 / 3.0f, 1 / 3.0f,
                        1 / 3.0f});
  for (float v : y.own)
    EXPECT_TRUE(std::isfinite(v));
  // Axis 0 (columns), and -1 == last.
  EXPECT_VALS_NEAR(k::softmax(T({2, 2}, {0, 1, 0, 3}), 0),
                   F{0.5f, 0.1192029f, 0.5f, 0.8807971f});
  EXPECT_EQ(vals(k::softmax(T({2, 3}, iota(6)), -1)), vals(k::softmax(T({2, 3}, iota(6)), 1)));
  EXPECT_HAS(ERROR_OF(k::softmax(T({2, 3}, iota(6)), 2)), "axis 2 is out of range");
}

TEST(ReduceMean, AxesAndKeepdims) {
  // Over H,W of [2,3,2,2], kept: the mean of each run of 4.
  TensorData a = k::reduceMean(T({2, 3, 2, 2}, iota(24, 0)), {2, 3}, 1);
  EXPECT_EQ(a.shape, (Shape{2, 3, 1, 1}));
  EXPECT_EQ(vals(a), (F{1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f}));
  // Over the middle dim of [2,3,2], dropped: x[i][j][l] = 6i + 2j + l, mean 6i + l + 2.
  TensorData b = k::reduceMean(T({2, 3, 2}, iota(12, 0)), {1}, 0);
  EXPECT_EQ(b.shape, (Shape{2, 2}));
  EXPECT_EQ(vals(b), (F{2, 3, 8, 9}));
  // Non-adjacent axes, and empty axes = all.
  TensorData c = k::reduceMean(T({2, 3, 2}, iota(12, 0)), {0, 2}, 1);
  EXPECT_EQ(c.shape, (Shape{1, 3, 1}));
  EXPECT_EQ(vals(c), (F{3.5f, 5.5f, 7.5f}));
  TensorData d = k::reduceMean(T({2, 2}, {1, 2, 3, 6}), {}, 0);
  EXPECT_EQ(d.shape, (Shape{}));
  EXPECT_EQ(vals(d), (F{3}));
  const TensorData x = TensorData::zeros({2, 3});
  EXPECT_HAS(ERROR_OF(k::reduceMean(x, {1, 0}, 1)), "must be sorted, distinct");
  EXPECT_HAS(ERROR_OF(k::reduceMean(x, {2}, 1)), "in [0, 2)");
  EXPECT_HAS(ERROR_OF(k::reduceMean(x, {0}, 2)), "keepdims must be 0 or 1");
}

// Through the ABI: results, op names in messages, first error kept.
static Ctx ctxWithInput(const TensorData &in) {
  Ctx ctx;
  ctx.inputs.push_back(in);
  ctx.inputNames.push_back("in.pb");
  return ctx;
}

TEST(Abi2, CallsAndMessages) {
  const TensorData in = T({1, 2, 2, 2}, {-1, 2, -3, 4, -5, 6, -7, 8});
  {
    Ctx ctx = ctxWithInput(in);
    Tensor x = input(&ctx, 0, {1, 2, 2, 2});
    Tensor r = reshape(&ctx, x, {2, 4});
    Tensor t = transpose(&ctx, r, {1, 0});
    Tensor m = matmul(&ctx, r, t); // [2,4] x [4,2]
    Tensor s = softmax(&ctx, m, 1);
    Tensor p = pad(&ctx, x, {0, 0, 0, 0, 0, 0, 1, 0}, 0);
    Tensor q = slice_step(&ctx, p, 2, 2, -1, -1);
    Tensor g = global_max_pool(&ctx, unary(&ctx, q, UnaryKind::Neg, 0, 0));
    Tensor a = average_pool(&ctx, x, {2, 2}, {0, 0, 0, 0}, {1, 1}, 0, 0);
    Tensor mean = reduce_mean(&ctx, x, {2, 3}, 1);
    Tensor pr = binary(&ctx, x, weight(&ctx, 0, {2, 1, 1}), BinaryKind::PRelu);
    (void)pr; // no weights file: the first error
    ASSERT_TRUE(ctx.failed);
    EXPECT_EQ(ctx.error.rfind("weight (call #12): no weights file", 0), 0u) << ctx.error;
    EXPECT_EQ(vals(ctx.get(r, "r")), vals(in));
    EXPECT_EQ(ctx.get(r, "r").shape, (Shape{2, 4}));
    // [[-1,2,-3,4],[-5,6,-7,8]] x its transpose = [[30,70],[70,174]].
    EXPECT_EQ(vals(ctx.get(m, "m")), (F{30, 70, 70, 174}));
    EXPECT_NEAR(ctx.get(s, "s").own[0], 1.0f / (1.0f + std::exp(40.0f)), 1e-12);
    EXPECT_EQ(ctx.get(q, "q").shape, (Shape{1, 2, 3, 2}));
    EXPECT_EQ(vals(ctx.get(q, "q")), (F{0, 0, -3, 4, -1, 2, 0, 0, -7, 8, -5, 6}));
    EXPECT_EQ(vals(ctx.get(g, "g")), (F{3, 7}));
    EXPECT_EQ(vals(ctx.get(a, "a")), (F{0.5f, 0.5f}));
    EXPECT_EQ(vals(ctx.get(mean, "mean")), (F{0.5f, 0.5f}));
  }
  auto failsWith = [&](auto call, const std::string &prefix) {
    Ctx ctx = ctxWithInput(in);
    Tensor x = input(&ctx, 0, {1, 2, 2, 2});
    EXPECT_LT(call(&ctx, x).id, 0);
    EXPECT_TRUE(ctx.failed);
    EXPECT_EQ(ctx.error.rfind(prefix, 0), 0u) << ctx.error;
    const std::string first = ctx.error;
    EXPECT_LT(unary(&ctx, x, UnaryKind::Relu, 0, 0).id, 0); // a no-op now
    EXPECT_EQ(ctx.error, first);
  };
  failsWith([](Ctx *c, Tensor x) { return transpose(c, x, {0, 1, 1, 2}); },
            "transpose (call #2): perm [0,1,1,2] is not a permutation of the 4 dims of "
            "[1,2,2,2]");
  failsWith([](Ctx *c, Tensor x) { return reshape(c, x, {3, 3}); },
            "reshape (call #2): cannot reshape [1,2,2,2] (8 elements) to [3,3] (9 "
            "elements)");
  failsWith([](Ctx *c, Tensor x) { return matmul(c, x, reshape(c, x, {8})); },
            "matmul (call #3): inner dimensions differ: a [1,2,2,2] has K=2, b [8] has "
            "K=8");
  failsWith([](Ctx *c, Tensor x) { return binary(c, x, x, (BinaryKind)9); },
            "binary (call #2): unknown binary kind 9");
  failsWith(
      [](Ctx *c, Tensor x) { return binary(c, reshape(c, x, {2, 4}), x, BinaryKind::PRelu); },
      "prelu (call #3): slope [1,2,2,2] does not broadcast to x [2,4]");
  failsWith([](Ctx *c, Tensor) { return unary(c, Tensor{}, UnaryKind::Sigmoid, 0, 0); },
            "sigmoid (call #2): operand x is not a valid tensor");
  failsWith([](Ctx *c, Tensor x) { return slice_step(c, x, 1, 0, 2, 0); },
            "slice_step (call #2): start 0, end 2, step 0");
  failsWith([](Ctx *c, Tensor x) { return average_pool(c, x, {3, 3}, {}, {}, 0, 1); },
            "average_pool (call #2): kernel [3,3] does not fit input [1,2,2,2]");
  failsWith([](Ctx *c, Tensor x) { return pad(c, x, {1, 1}, 0); },
            "pad (call #2): expected 8 pads for [1,2,2,2], got [1,1]");
  failsWith([](Ctx *c, Tensor x) { return reduce_mean(c, x, {4}, 0); },
            "reduce_mean (call #2): axes [4] must be sorted");
  failsWith([](Ctx *c, Tensor x) { return softmax(c, x, -5); },
            "softmax (call #2): axis -5 is out of range for shape [1,2,2,2]");
  failsWith([](Ctx *c, Tensor) { return global_max_pool(c, Tensor{7}); },
            "global_max_pool (call #2): operand x is not a valid tensor (id 7)");
}
