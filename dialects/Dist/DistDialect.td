#ifndef SEPNN_DIST_DIALECT
#define SEPNN_DIST_DIALECT

include "mlir/IR/OpBase.td"

def Dist_Dialect : Dialect {
  let name = "dist";
  let summary = "Placement of ops on devices and point-to-point transfers";
  let description = [{
    `dist` says which device of a cluster runs each op (`dist.device`) and
    moves tensors between devices with explicit, tagged `dist.send` /
    `dist.recv` pairs. Unlike upstream `mesh` (SPMD), every device may run a
    different program: splits can be uneven and branches separable.
  }];
  let cppNamespace = "::mlir::sepnn::dist";
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Name of the module attribute that describes the cluster.
    static constexpr llvm::StringLiteral kClusterAttrName = "dist.cluster";
    /// Name of the attribute that places an op (or a whole function).
    static constexpr llvm::StringLiteral kDeviceAttrName = "dist.device";
    /// How an op's results (or, on the module, all results) travel between
    /// devices: "f32", "f16" or "int8".
    static constexpr llvm::StringLiteral kTransmitAttrName =
        "dist.transmit_dtype";
  }];
}

class Dist_Op<string mnemonic, list<Trait> traits = []>
    : Op<Dist_Dialect, mnemonic, traits>;

#endif // SEPNN_DIST_DIALECT
