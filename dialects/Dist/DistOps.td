#ifndef SEPNN_DIST_OPS
#define SEPNN_DIST_OPS

include "Dist/DistDialect.td"
include "Dist/DistAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"

def Dist_SendOp : Dist_Op<"send", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "send a tensor to another device";
  let description = [{
    Sends `input` from the device that runs this op to device `to`. Exactly
    one `dist.recv` in the module has the same `tag` and type (checked by the
    `dist.cluster` attribute's verifier).

    ```mlir
    dist.send %t to 1 tag 0 : tensor<1x8x16x16xf32>
    dist.send %t to 1 tag 1 as "f16" : tensor<1x8x16x16xf32>
    ```

    `wire` (`f16`, or `int8` with a scale per channel) compresses the
    payload; the receiver gets f32 again. Absent: f32.
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$to, I64Attr:$tag,
                   OptionalAttr<StrAttr>:$wire);
  let assemblyFormat = [{
    $input `to` $to `tag` $tag (`as` $wire^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Dist_RecvOp : Dist_Op<"recv", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "receive a tensor from another device";
  let description = [{
    ```mlir
    %t = dist.recv from 0 tag 0 : tensor<1x8x16x16xf32>
    ```
  }];
  let arguments = (ins I64Attr:$from, I64Attr:$tag, OptionalAttr<StrAttr>:$wire);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = [{
    `from` $from `tag` $tag (`as` $wire^)? attr-dict `:` type($output)
  }];
  let hasVerifier = 1;
}

#endif // SEPNN_DIST_OPS
