#include "ValuePlacement.h"

#include "Dist/DistDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

bool sepnn::isFreeToReplicate(Operation *op) {
  return op->hasTrait<OpTrait::ConstantLike>();
}

std::optional<int64_t> sepnn::valueDevice(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return 0;
  if (isFreeToReplicate(def))
    return std::nullopt;
  return dist::getDevice(def);
}

std::string sepnn::nodeName(Operation *op) {
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return "";
}
