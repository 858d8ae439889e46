// Reading and creating f32 weight constants (dense_resource blobs or, in
// small test fixtures, textual dense arrays).
#ifndef SEPNN_SUPPORT_WEIGHTS_H
#define SEPNN_SUPPORT_WEIGHTS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>
#include <vector>

namespace mlir::sepnn {

/// The f32 values of `attr` in row-major order, or nothing when it is not an
/// f32 dense or dense_resource attribute with data.
std::optional<std::vector<float>> readF32Elements(ElementsAttr attr);

/// The values of `v` when it is produced by a constant op.
std::optional<std::vector<float>> readF32Constant(Value v);

/// Whether readF32Constant(v) has values, without copying them (weights can
/// be hundreds of megabytes, and the search asks for every op it steps).
bool isF32Constant(Value v);

/// A dense_resource attribute named after `blobName` (made unique) that owns
/// a copy of `values`.
ElementsAttr makeF32Resource(RankedTensorType type, ArrayRef<float> values,
                             StringRef blobName);

/// Creates an arith.constant holding `values` as a dense_resource blob.
Value createF32Constant(OpBuilder &builder, Location loc,
                        ArrayRef<int64_t> shape, ArrayRef<float> values,
                        StringRef blobName);

/// Copies elements [begin, end) of dimension `dim` of a row-major tensor of
/// `shape` (all other dimensions whole).
std::vector<float> sliceDim(ArrayRef<float> values, ArrayRef<int64_t> shape,
                            int64_t dim, int64_t begin, int64_t end);

} // namespace mlir::sepnn

#endif
