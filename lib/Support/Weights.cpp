#include "sepnn/Support/Weights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

/// A resource's values when it has all of them.
static std::optional<ArrayRef<float>> resourceData(ElementsAttr attr) {
  auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr);
  if (!resource)
    return std::nullopt;
  std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
  if (!data || (int64_t)data->size() != resource.getType().getNumElements())
    return std::nullopt;
  return data;
}

static bool isF32Ranked(ElementsAttr attr) {
  auto type = dyn_cast<RankedTensorType>(attr.getShapedType());
  return type && type.getElementType().isF32();
}

std::optional<std::vector<float>> sepnn::readF32Elements(ElementsAttr attr) {
  if (!isF32Ranked(attr))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto values = dense.getValues<float>();
    return std::vector<float>(values.begin(), values.end());
  }
  if (std::optional<ArrayRef<float>> data = resourceData(attr))
    return std::vector<float>(data->begin(), data->end());
  return std::nullopt;
}

/// The elements attribute of the constant op that produces `v`, if any.
static ElementsAttr constantElements(Value v) {
  auto constant = v.getDefiningOp<arith::ConstantOp>();
  return constant ? dyn_cast<ElementsAttr>(constant.getValue()) : ElementsAttr();
}

bool sepnn::isF32Constant(Value v) {
  ElementsAttr elements = constantElements(v);
  return elements && isF32Ranked(elements) &&
         (isa<DenseElementsAttr>(elements) || resourceData(elements));
}

std::optional<std::vector<float>> sepnn::readF32Constant(Value v) {
  ElementsAttr elements = constantElements(v);
  if (!elements)
    return std::nullopt;
  return readF32Elements(elements);
}

ElementsAttr sepnn::makeF32Resource(RankedTensorType type,
                                    ArrayRef<float> values,
                                    StringRef blobName) {
  ArrayRef<char> bytes(reinterpret_cast<const char *>(values.data()),
                       values.size() * sizeof(float));
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(float));
  return cast<ElementsAttr>(
      DenseF32ResourceElementsAttr::get(type, blobName, std::move(blob)));
}

Value sepnn::createF32Constant(OpBuilder &builder, Location loc,
                               ArrayRef<int64_t> shape, ArrayRef<float> values,
                               StringRef blobName) {
  auto type = RankedTensorType::get(shape, builder.getF32Type());
  return builder.create<arith::ConstantOp>(
      loc, type, cast<TypedAttr>(makeF32Resource(type, values, blobName)));
}

std::vector<float> sepnn::sliceDim(ArrayRef<float> values,
                                   ArrayRef<int64_t> shape, int64_t dim,
                                   int64_t begin, int64_t end) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  for (int64_t d = dim + 1; d < (int64_t)shape.size(); ++d)
    inner *= shape[d];
  std::vector<float> out;
  out.reserve(outer * (end - begin) * inner);
  for (int64_t o = 0; o < outer; ++o) {
    const float *row = values.data() + (o * shape[dim] + begin) * inner;
    out.insert(out.end(), row, row + (end - begin) * inner);
  }
  return out;
}
