#ifndef SEPNN_NN_OPS
#define SEPNN_NN_OPS

include "NN/NNDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def NN_F32Tensor : RankedTensorOf<[F32]>;
def NN_OptionalF32Tensor : Optional<NN_F32Tensor>;

// Ops whose inputs and results are all f32 tensors and have no side effects.
class NN_PureOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [Pure])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def NN_ConvOp : NN_PureOp<"conv"> {
  let summary = "2-D convolution (ONNX Conv)";
  let description = [{
    `Y = conv(X, W) + B` with ONNX semantics: `X` is `[N, C, H, W]`, `W` is
    `[M, C/group, kH, kW]`, the optional bias `B` is `[M]`. `pads` is
    `[top, left, bottom, right]`.

    ```mlir
    %y = nn.conv %x, %w, %b {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>,
                            dilations = array<i64: 1, 1>, group = 1 : i64}
        : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$weight,
                   NN_OptionalF32Tensor:$bias,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$dilations, I64Attr:$group);
  let results = (outs NN_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def NN_BatchNormOp : NN_PureOp<"batch_norm"> {
  let summary = "batch normalization in inference mode (ONNX BatchNormalization)";
  let description = [{
    `Y = (X - mean) / sqrt(var + epsilon) * scale + B`, per channel (dim 1).

    ```mlir
    %y = nn.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f32}
        : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
        -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, NN_F32Tensor:$scale,
                   NN_F32Tensor:$bias, NN_F32Tensor:$mean, NN_F32Tensor:$variance,
                   F32Attr:$epsilon);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_ReluOp : NN_PureOp<"relu", [SameOperandsAndResultType]> {
  let summary = "rectified linear unit (ONNX Relu)";
  let description = [{
    ```mlir
    %y = nn.relu %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
  let results = (outs NN_F32Tensor:$output);
}

def NN_AddOp : NN_PureOp<"add", [Commutative]> {
  let summary = "elementwise addition with numpy broadcasting (ONNX Add)";
  let description = [{
    ```mlir
    %y = nn.add %a, %b : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$lhs, NN_F32Tensor:$rhs);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_MaxPoolOp : NN_PureOp<"max_pool"> {
  let summary = "2-D max pooling (ONNX MaxPool)";
  let description = [{
    Padding is never selected. `ceil_mode` rounds the output size up.

    ```mlir
    %y = nn.max_pool %x {kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>,
                         strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, ceil_mode = 0 : i64}
        : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, DenseI64ArrayAttr:$kernel_shape,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$dilations, I64Attr:$ceil_mode);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_GlobalAveragePoolOp : NN_PureOp<"global_average_pool"> {
  let summary = "mean over the spatial dimensions (ONNX GlobalAveragePool)";
  let description = [{
    ```mlir
    %y = nn.global_average_pool %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_FlattenOp : NN_PureOp<"flatten"> {
  let summary = "flatten to 2-D at `axis` (ONNX Flatten)";
  let description = [{
    ```mlir
    %y = nn.flatten %x {axis = 1 : i64} : (tensor<1x4x1x1xf32>) -> tensor<1x4xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, I64Attr:$axis);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_GemmOp : NN_PureOp<"gemm"> {
  let summary = "general matrix multiply (ONNX Gemm)";
  let description = [{
    `Y = alpha * op(A) * op(B) + beta * C`, where `op` transposes when
    `transA`/`transB` is 1 and the optional `C` broadcasts to `[M, N]`.

    ```mlir
    %y = nn.gemm %a, %b, %c {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64}
        : (tensor<1x4xf32>, tensor<10x4xf32>, tensor<10xf32>) -> tensor<1x10xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$a, NN_F32Tensor:$b, NN_OptionalF32Tensor:$c,
                   F32Attr:$alpha, F32Attr:$beta, I64Attr:$transA, I64Attr:$transB);
  let results = (outs NN_F32Tensor:$output);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def NN_SliceOp : NN_PureOp<"slice"> {
  let summary = "static strided slice of one dimension";
  let description = [{
    Elements `start, start + step, ...` of dimension `axis`, stopping before
    `end` (ONNX Slice on one axis, with clamped bounds). The partitioner uses
    it (with step 1) to cut exactly the part of a tensor that another device
    needs before sending it.

    ```mlir
    %y = nn.slice %x {axis = 1 : i64, start = 0 : i64, end = 2 : i64}
        : (tensor<1x4x8x8xf32>) -> tensor<1x2x8x8xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, I64Attr:$axis, I64Attr:$start,
                   I64Attr:$end, DefaultValuedAttr<I64Attr, "1">:$step);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
  let hasFolder = 1;
}

def NN_ConcatOp : NN_PureOp<"concat"> {
  let summary = "concatenation along `axis` (ONNX Concat)";
  let description = [{
    ```mlir
    %y = nn.concat %a, %b {axis = 1 : i64}
        : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Variadic<NN_F32Tensor>:$inputs, I64Attr:$axis);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
  let hasFolder = 1;
}

// --- elementwise ---------------------------------------------------------

class NN_UnaryOp<string mnemonic, string summaryText, dag attrs = (ins)>
    : NN_PureOp<mnemonic, [SameOperandsAndResultType]> {
  let summary = summaryText;
  let description = [{
    Elementwise, ONNX semantics; the result has the operand's type.
  }];
  let arguments = !con((ins NN_F32Tensor:$input), attrs);
  let results = (outs NN_F32Tensor:$output);
}

def NN_LeakyReluOp : NN_UnaryOp<"leaky_relu", "x >= 0 ? x : alpha * x (ONNX LeakyRelu)",
                                (ins F32Attr:$alpha)>;
def NN_ClipOp : NN_UnaryOp<"clip", "min(max(x, min), max) (ONNX Clip)",
                           (ins F32Attr:$min, F32Attr:$max)>;
def NN_SigmoidOp : NN_UnaryOp<"sigmoid", "1 / (1 + exp(-x)) (ONNX Sigmoid)">;
def NN_HardSigmoidOp : NN_UnaryOp<"hard_sigmoid",
    "max(0, min(1, alpha * x + beta)) (ONNX HardSigmoid)",
    (ins F32Attr:$alpha, F32Attr:$beta)>;
def NN_HardSwishOp : NN_UnaryOp<"hard_swish", "x * hard_sigmoid(x, 1/6, 1/2) (ONNX HardSwish)">;
def NN_TanhOp : NN_UnaryOp<"tanh", "hyperbolic tangent (ONNX Tanh)">;

class NN_BinaryOp<string mnemonic, string summaryText>
    : NN_PureOp<mnemonic> {
  let summary = summaryText;
  let description = [{
    Elementwise with numpy broadcasting; the result has the broadcast shape.
  }];
  let arguments = (ins NN_F32Tensor:$lhs, NN_F32Tensor:$rhs);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_SubOp : NN_BinaryOp<"sub", "elementwise subtraction (ONNX Sub)">;
def NN_MulOp : NN_BinaryOp<"mul", "elementwise multiplication (ONNX Mul)">;
def NN_DivOp : NN_BinaryOp<"div", "elementwise division (ONNX Div)">;
def NN_PReluOp : NN_BinaryOp<"prelu",
    "x >= 0 ? x : slope * x, slope broadcast to x (ONNX PRelu)">;

// --- pooling and reductions ------------------------------------------------

def NN_AveragePoolOp : NN_PureOp<"average_pool"> {
  let summary = "2-D average pooling (ONNX AveragePool)";
  let description = [{
    `count_include_pad` = 1 divides by the window's cells inside the padded
    input, 0 by its cells inside the input.

    ```mlir
    %y = nn.average_pool %x {kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>,
                             strides = array<i64: 2, 2>, ceil_mode = 0 : i64, count_include_pad = 0 : i64}
        : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, DenseI64ArrayAttr:$kernel_shape,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$strides,
                   I64Attr:$ceil_mode, I64Attr:$count_include_pad);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_GlobalMaxPoolOp : NN_PureOp<"global_max_pool"> {
  let summary = "max over the spatial dimensions (ONNX GlobalMaxPool)";
  let description = [{
    ```mlir
    %y = nn.global_max_pool %x : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_ReduceMeanOp : NN_PureOp<"reduce_mean"> {
  let summary = "mean over `axes` (ONNX ReduceMean)";
  let description = [{
    `axes` are non-negative and sorted; `keepdims` keeps them with extent 1.

    ```mlir
    %y = nn.reduce_mean %x {axes = array<i64: 2, 3>, keepdims = 1 : i64}
        : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, DenseI64ArrayAttr:$axes,
                   I64Attr:$keepdims);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_SoftmaxOp : NN_PureOp<"softmax", [SameOperandsAndResultType]> {
  let summary = "softmax along one axis (ONNX Softmax, opset 13)";
  let description = [{
    ```mlir
    %y = nn.softmax %x {axis = 1 : i64} : (tensor<1x10xf32>) -> tensor<1x10xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, I64Attr:$axis);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

// --- linear algebra and layout ---------------------------------------------

def NN_MatMulOp : NN_PureOp<"matmul"> {
  let summary = "numpy matrix product (ONNX MatMul)";
  let description = [{
    ```mlir
    %y = nn.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$lhs, NN_F32Tensor:$rhs);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_ReshapeOp : NN_PureOp<"reshape"> {
  let summary = "same elements, the result type's shape (ONNX Reshape, Squeeze, Unsqueeze)";
  let description = [{
    ```mlir
    %y = nn.reshape %x : (tensor<1x4x2x2xf32>) -> tensor<1x16xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
  let hasFolder = 1;
}

def NN_TransposeOp : NN_PureOp<"transpose"> {
  let summary = "permutation of the dimensions (ONNX Transpose)";
  let description = [{
    Result dimension i is input dimension `perm[i]`.

    ```mlir
    %y = nn.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x3xf32>) -> tensor<1x2x3x4xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

def NN_PadOp : NN_PureOp<"pad"> {
  let summary = "constant padding (ONNX Pad, mode constant)";
  let description = [{
    `pads` holds the begins of every dimension, then the ends.

    ```mlir
    %y = nn.pad %x {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0 : f32}
        : (tensor<1x4x2x2xf32>) -> tensor<1x4x4x4xf32>
    ```
  }];
  let arguments = (ins NN_F32Tensor:$input, DenseI64ArrayAttr:$pads, F32Attr:$value);
  let results = (outs NN_F32Tensor:$output);
  let hasVerifier = 1;
}

#endif // SEPNN_NN_OPS
