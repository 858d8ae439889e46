#include "sepnn/Conversion/RuntimeCall.h"

#include "mlir/Dialect/EmitC/IR/EmitC.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::sepnn;

RuntimeCall::RuntimeCall(MLIRContext *ctx, Value runtimeCtx, StringRef callee)
    : ctx(ctx), callee(("sepnn::rt::" + callee).str()) {
  tensor(runtimeCtx);
}

Type RuntimeCall::tensorType(MLIRContext *ctx) {
  return emitc::OpaqueType::get(ctx, "sepnn::rt::Tensor");
}

Type RuntimeCall::contextType(MLIRContext *ctx) {
  return emitc::PointerType::get(emitc::OpaqueType::get(ctx, "sepnn::rt::Ctx"));
}

RuntimeCall &RuntimeCall::tensor(Value v) {
  args.push_back(IntegerAttr::get(IndexType::get(ctx), operands.size()));
  operands.push_back(v);
  return *this;
}

RuntimeCall &RuntimeCall::literal(StringRef text) {
  args.push_back(emitc::OpaqueAttr::get(ctx, text));
  return *this;
}

RuntimeCall &RuntimeCall::noTensor() { return literal("sepnn::rt::Tensor{}"); }

RuntimeCall &RuntimeCall::integer(int64_t v) { return literal(std::to_string(v)); }

RuntimeCall &RuntimeCall::real(double v) {
  // Clip's default bounds are infinite; C++ has no literal for them.
  if (std::isinf(v))
    return literal(v > 0 ? "std::numeric_limits<double>::infinity()"
                         : "-std::numeric_limits<double>::infinity()");
  std::string text;
  llvm::raw_string_ostream os(text);
  // Round-trip precision: the printed literal must give back the same value.
  os << llvm::format("%.17g", v);
  return literal(os.str());
}

RuntimeCall &RuntimeCall::integers(ArrayRef<int64_t> v) {
  std::string text = "{";
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(v, os);
  os << "}";
  return literal(os.str());
}

Operation *RuntimeCall::build(OpBuilder &builder, Location loc,
                              bool producesTensor) {
  SmallVector<Type> results;
  if (producesTensor)
    results.push_back(tensorType(ctx));
  return builder.create<emitc::CallOpaqueOp>(
      loc, results, StringRef(callee), ValueRange(operands),
      builder.getArrayAttr(args), ArrayAttr{});
}
