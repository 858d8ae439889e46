#ifndef SEPNN_CONVERSION_PASSES
#define SEPNN_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertDevicesToEmitC : Pass<"convert-devices-to-emitc", "ModuleOp"> {
  let summary = "Lower outlined device functions (nn + dist) to EmitC calls into the runtime";
  let description = [{
    Every `func.func @device_k` becomes a function taking the runtime context
    (`sepnn::rt::Ctx*`); tensors become `sepnn::rt::Tensor` handles; each
    `nn`/`dist` op becomes an `emitc.call_opaque` of the matching function of
    `runtime/include/sepnn_rt/abi.h`; function arguments and results become
    `input`/`output` calls. Weight constants become `weight` calls whose byte
    offset into the device's weights.bin is assigned here; the constant
    itself stays on the call as `sepnn.weight` for the emitter to write out.
  }];
  let dependentDialects = ["::mlir::emitc::EmitCDialect",
                           "::mlir::func::FuncDialect"];
}

#endif // SEPNN_CONVERSION_PASSES
