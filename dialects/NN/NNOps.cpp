#include "NN/NNOps.h"
#include "NN/ShapeRules.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::sepnn::nn;

static RankedTensorType rankedType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

/// Formats a shape as `1x3x8x8` for diagnostics.
static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(shape, os, "x");
  return s;
}

/// Checks that every tensor of `op` has a static shape: the runtime and the
/// partitioner need concrete extents.
static LogicalResult verifyStatic(Operation *op) {
  auto check = [&](Value v) -> LogicalResult {
    if (rankedType(v).hasStaticShape())
      return success();
    return op->emitOpError("requires static shapes, got ") << v.getType();
  };
  for (Value v : op->getOperands())
    if (failed(check(v)))
      return failure();
  for (Value v : op->getResults())
    if (failed(check(v)))
      return failure();
  return success();
}

static LogicalResult verifyResultShape(Operation *op,
                                       ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = rankedType(op->getResult(0)).getShape();
  if (actual != expected)
    return op->emitOpError("result shape ")
           << shapeString(actual) << " does not match the expected shape "
           << shapeString(expected);
  return success();
}

/// Verifies the window attributes of conv and max_pool on a 4-D input and
/// computes the spatial output extents.
static LogicalResult
verifyWindow(Operation *op, ArrayRef<int64_t> inShape,
             ArrayRef<int64_t> kernel, ArrayRef<int64_t> pads,
             ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
             bool ceilMode, SmallVectorImpl<int64_t> &outSpatial) {
  if (kernel.size() != 2)
    return op->emitOpError("expects a 2-D kernel, got ") << kernel.size()
                                                         << " dimensions";
  if (pads.size() != 4)
    return op->emitOpError("expects 4 pads, got ") << pads.size();
  if (strides.size() != 2)
    return op->emitOpError("expects 2 strides, got ") << strides.size();
  if (dilations.size() != 2)
    return op->emitOpError("expects 2 dilations, got ") << dilations.size();
  for (int i = 0; i < 2; ++i) {
    if (strides[i] <= 0 || dilations[i] <= 0 || kernel[i] <= 0)
      return op->emitOpError("expects positive kernel, strides and dilations");
    if (pads[i] < 0 || pads[i + 2] < 0)
      return op->emitOpError("expects non-negative pads");
    int64_t out =
        windowOutputSize(inShape[2 + i], kernel[i], pads[i], pads[i + 2],
                         strides[i], dilations[i], ceilMode);
    if (out <= 0)
      return op->emitOpError("window does not fit the input of shape ")
             << shapeString(inShape);
    outSpatial.push_back(out);
  }
  return success();
}

LogicalResult ConvOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> x = rankedType(getInput()).getShape();
  ArrayRef<int64_t> w = rankedType(getWeight()).getShape();
  if (x.size() != 4)
    return emitOpError("expects a 4-D input, got rank ") << x.size();
  if (w.size() != 4)
    return emitOpError("expects a 4-D weight, got rank ") << w.size();
  int64_t group = getGroup();
  if (group <= 0 || x[1] % group != 0 || w[0] % group != 0)
    return emitOpError("group ")
           << group << " must divide input channels " << x[1]
           << " and output channels " << w[0];
  if (w[1] * group != x[1])
    return emitOpError("weight has ")
           << w[1] << " input channels per group but the input has " << x[1]
           << " channels in " << group << " groups";
  if (Value b = getBias()) {
    ArrayRef<int64_t> bs = rankedType(b).getShape();
    if (bs.size() != 1 || bs[0] != w[0])
      return emitOpError("bias must have shape ") << w[0] << ", got "
                                                  << shapeString(bs);
  }
  SmallVector<int64_t> spatial;
  if (failed(verifyWindow(*this, x, {w[2], w[3]}, getPads(), getStrides(),
                          getDilations(), false, spatial)))
    return failure();
  return verifyResultShape(*this, {x[0], w[0], spatial[0], spatial[1]});
}

LogicalResult BatchNormOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> x = rankedType(getInput()).getShape();
  if (x.size() < 2)
    return emitOpError("expects an input of rank at least 2, got ") << x.size();
  for (Value p : {getScale(), getBias(), getMean(), getVariance()}) {
    ArrayRef<int64_t> s = rankedType(p).getShape();
    if (s.size() != 1 || s[0] != x[1])
      return emitOpError("per-channel parameters must have shape ")
             << x[1] << ", got " << shapeString(s);
  }
  return verifyResultShape(*this, x);
}

/// Numpy broadcasting of two shapes; fails when a pair of extents differs
/// and neither is 1.
static FailureOr<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                       ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return failure();
    out[i] = da == 1 ? db : da;
  }
  return out;
}

/// Shared by every elementwise binary op: the result is the broadcast shape.
static LogicalResult verifyBroadcastBinary(Operation *op) {
  if (failed(verifyStatic(op)))
    return failure();
  ArrayRef<int64_t> a = rankedType(op->getOperand(0)).getShape();
  ArrayRef<int64_t> b = rankedType(op->getOperand(1)).getShape();
  FailureOr<SmallVector<int64_t>> shape = broadcastShapes(a, b);
  if (failed(shape))
    return op->emitOpError("operand shapes ")
           << shapeString(a) << " and " << shapeString(b)
           << " are not broadcastable";
  return verifyResultShape(op, *shape);
}

LogicalResult AddOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult SubOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult MulOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult DivOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult PReluOp::verify() {
  if (failed(verifyBroadcastBinary(*this)))
    return failure();
  // The slope broadcasts to the input, never the other way round.
  if (getType() != getLhs().getType())
    return emitOpError("slope of shape ")
           << shapeString(rankedType(getRhs()).getShape())
           << " does not broadcast to the input";
  return success();
}

/// Shared by the 2-D pooling ops: a 4-D input, the window rules, and the
/// result [N, C, outH, outW].
static LogicalResult verifyPool(Operation *op, ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> pads,
                                ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> dilations, bool ceilMode) {
  if (failed(verifyStatic(op)))
    return failure();
  ArrayRef<int64_t> x = rankedType(op->getOperand(0)).getShape();
  if (x.size() != 4)
    return op->emitOpError("expects a 4-D input, got rank ") << x.size();
  SmallVector<int64_t> spatial;
  if (failed(verifyWindow(op, x, kernel, pads, strides, dilations, ceilMode,
                          spatial)))
    return failure();
  return verifyResultShape(op, {x[0], x[1], spatial[0], spatial[1]});
}

LogicalResult MaxPoolOp::verify() {
  if (failed(verifyPool(*this, getKernelShape(), getPads(), getStrides(),
                        getDilations(), getCeilMode() != 0)))
    return failure();
  for (int i = 0; i < 2; ++i)
    if (getPads()[i] >= getKernelShape()[i] ||
        getPads()[i + 2] >= getKernelShape()[i])
      return emitOpError("pads must be smaller than the kernel");
  return success();
}

/// Global pooling keeps batch and channels and sets every spatial extent to 1.
static LogicalResult verifyGlobalPool(Operation *op) {
  if (failed(verifyStatic(op)))
    return failure();
  ArrayRef<int64_t> x = rankedType(op->getOperand(0)).getShape();
  if (x.size() < 3)
    return op->emitOpError("expects an input of rank at least 3, got ")
           << x.size();
  SmallVector<int64_t> expected(x.begin(), x.end());
  std::fill(expected.begin() + 2, expected.end(), 1);
  return verifyResultShape(op, expected);
}

LogicalResult GlobalAveragePoolOp::verify() { return verifyGlobalPool(*this); }
LogicalResult GlobalMaxPoolOp::verify() { return verifyGlobalPool(*this); }

LogicalResult AveragePoolOp::verify() {
  return verifyPool(*this, getKernelShape(), getPads(), getStrides(), {1, 1},
                    getCeilMode() != 0);
}

LogicalResult ReduceMeanOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> x = rankedType(getInput()).getShape();
  SmallVector<int64_t> expected;
  int64_t previous = -1;
  for (int64_t axis : getAxes()) {
    if (axis <= previous || axis >= (int64_t)x.size())
      return emitOpError("axes must be sorted, distinct and in [0, ")
             << x.size() << ")";
    previous = axis;
  }
  for (auto [i, d] : llvm::enumerate(x)) {
    bool reduced = llvm::is_contained(getAxes(), (int64_t)i);
    if (!reduced)
      expected.push_back(d);
    else if (getKeepdims())
      expected.push_back(1);
  }
  return verifyResultShape(*this, expected);
}

/// An axis in [0, rank).
static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError("axis ") << axis << " is out of range for rank "
                                    << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}

LogicalResult MatMulOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> a = rankedType(getLhs()).getShape();
  ArrayRef<int64_t> b = rankedType(getRhs()).getShape();
  if (a.empty() || b.empty())
    return emitOpError("operands must have rank at least 1");
  // numpy: 1-D operands gain a dimension that the result drops again.
  SmallVector<int64_t> a2(a), b2(b);
  if (a.size() == 1)
    a2.insert(a2.begin(), 1);
  if (b.size() == 1)
    b2.push_back(1);
  int64_t k = a2.back(), kb = b2[b2.size() - 2];
  if (k != kb)
    return emitOpError("inner dimensions differ: ") << k << " vs " << kb;
  FailureOr<SmallVector<int64_t>> batch = broadcastShapes(
      ArrayRef<int64_t>(a2).drop_back(2), ArrayRef<int64_t>(b2).drop_back(2));
  if (failed(batch))
    return emitOpError("batch dimensions of ")
           << shapeString(a) << " and " << shapeString(b)
           << " are not broadcastable";
  SmallVector<int64_t> expected(*batch);
  if (a.size() > 1)
    expected.push_back(a2[a2.size() - 2]);
  if (b.size() > 1)
    expected.push_back(b2.back());
  return verifyResultShape(*this, expected);
}

LogicalResult ReshapeOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  if (rankedType(getInput()).getNumElements() != getType().getNumElements())
    return emitOpError("cannot reshape ")
           << shapeString(rankedType(getInput()).getShape()) << " to "
           << shapeString(getType().getShape())
           << ": the element counts differ";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult TransposeOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> x = rankedType(getInput()).getShape();
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<bool> seen(x.size(), false);
  if (perm.size() != x.size())
    return emitOpError("perm has ") << perm.size() << " entries for rank "
                                    << x.size();
  SmallVector<int64_t> expected;
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)x.size() || seen[p])
      return emitOpError("perm is not a permutation of [0, ")
             << x.size() << ")";
    seen[p] = true;
    expected.push_back(x[p]);
  }
  return verifyResultShape(*this, expected);
}

LogicalResult PadOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> x = rankedType(getInput()).getShape();
  ArrayRef<int64_t> pads = getPads();
  if (pads.size() != 2 * x.size())
    return emitOpError("expects ") << 2 * x.size() << " pads, got "
                                   << pads.size();
  SmallVector<int64_t> expected;
  for (size_t i = 0; i < x.size(); ++i) {
    if (pads[i] < 0 || pads[i + x.size()] < 0)
      return emitOpError("expects non-negative pads");
    expected.push_back(x[i] + pads[i] + pads[i + x.size()]);
  }
  return verifyResultShape(*this, expected);
}

LogicalResult FlattenOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> x = rankedType(getInput()).getShape();
  int64_t rank = x.size();
  int64_t axis = getAxis();
  if (axis < -rank || axis > rank)
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << rank;
  if (axis < 0)
    axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < axis ? outer : inner) *= x[i];
  return verifyResultShape(*this, {outer, inner});
}

LogicalResult GemmOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> a = rankedType(getA()).getShape();
  ArrayRef<int64_t> b = rankedType(getB()).getShape();
  if (a.size() != 2 || b.size() != 2)
    return emitOpError("expects 2-D operands, got ")
           << shapeString(a) << " and " << shapeString(b);
  int64_t m = getTransA() ? a[1] : a[0];
  int64_t k = getTransA() ? a[0] : a[1];
  int64_t kb = getTransB() ? b[1] : b[0];
  int64_t n = getTransB() ? b[0] : b[1];
  if (k != kb)
    return emitOpError("inner dimensions differ: ") << k << " vs " << kb;
  if (Value c = getC()) {
    ArrayRef<int64_t> cs = rankedType(c).getShape();
    FailureOr<SmallVector<int64_t>> shape = broadcastShapes({m, n}, cs);
    if (cs.size() > 2 || failed(shape) ||
        ArrayRef<int64_t>(*shape) != ArrayRef<int64_t>{m, n})
      return emitOpError("bias of shape ")
             << shapeString(cs) << " does not broadcast to " << m << "x" << n;
  }
  return verifyResultShape(*this, {m, n});
}

LogicalResult SliceOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  ArrayRef<int64_t> x = rankedType(getInput()).getShape();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= (int64_t)x.size())
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << x.size();
  int64_t start = getStart(), end = getEnd(), step = getStep();
  bool inside = step > 0 ? 0 <= start && start < end && end <= x[axis]
                         : step < 0 && start < x[axis] && -1 <= end &&
                               end < start;
  if (!inside)
    return emitOpError("range [")
           << start << ", " << end << ") with step " << step
           << " is not inside dimension " << axis << " of extent " << x[axis];
  SmallVector<int64_t> expected(x.begin(), x.end());
  expected[axis] = step > 0 ? (end - start + step - 1) / step
                            : (start - end - step - 1) / -step;
  return verifyResultShape(*this, expected);
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  // A slice that keeps the whole dimension in order is the input itself.
  if (getInput().getType() == getType() && getStep() == 1)
    return getInput();
  return {};
}

LogicalResult ConcatOp::verify() {
  if (failed(verifyStatic(*this)))
    return failure();
  if (getInputs().empty())
    return emitOpError("expects at least one input");
  ArrayRef<int64_t> first = rankedType(getInputs()[0]).getShape();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= (int64_t)first.size())
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << first.size();
  SmallVector<int64_t> expected(first.begin(), first.end());
  expected[axis] = 0;
  for (Value in : getInputs()) {
    ArrayRef<int64_t> s = rankedType(in).getShape();
    if (s.size() != first.size())
      return emitOpError("inputs differ in rank");
    for (size_t d = 0; d < s.size(); ++d)
      if ((int64_t)d != axis && s[d] != first[d])
        return emitOpError("inputs differ in dimension ") << d << ": "
                                                          << shapeString(first)
                                                          << " vs "
                                                          << shapeString(s);
    expected[axis] += s[axis];
  }
  return verifyResultShape(*this, expected);
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1)
    return getInputs()[0];
  return {};
}

#define GET_OP_CLASSES
#include "NN/NNOps.cpp.inc"
