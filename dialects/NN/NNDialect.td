#ifndef SEPNN_NN_DIALECT
#define SEPNN_NN_DIALECT

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let summary = "Tensor-level neural-network ops with ONNX semantics";
  let description = [{
    The `nn` dialect models the CNN operators that sepnn imports from ONNX.
    Ops work on builtin ranked f32 tensors in NCHW layout and keep ONNX's
    attribute names (`pads`, `strides`, `dilations`, `group`, ...), so that a
    reader who knows ONNX knows the dialect. Weights are `arith.constant`s of
    `dense_resource` blobs.
  }];
  let cppNamespace = "::mlir::sepnn::nn";
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class NN_Op<string mnemonic, list<Trait> traits = []>
    : Op<NN_Dialect, mnemonic, traits>;

#endif // SEPNN_NN_DIALECT
