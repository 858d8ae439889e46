#ifndef SEPNN_DIST_ATTRS
#define SEPNN_DIST_ATTRS

include "Dist/DistDialect.td"
include "mlir/IR/AttrTypeBase.td"

class Dist_Attr<string name, string attrMnemonic>
    : AttrDef<Dist_Dialect, name> {
  let mnemonic = attrMnemonic;
}

def Dist_ClusterAttr : Dist_Attr<"Cluster", "cluster"> {
  let summary = "the devices of the cluster a module is compiled for";
  let description = [{
    Attached to the module as `dist.cluster`. Devices are numbered from 0;
    `names` gives each one's name from CLUSTER.json, for diagnostics.

    ```mlir
    module attributes {dist.cluster = #dist.cluster<devices = 2, names = ["pi0", "pi1"]>} {}
    ```
  }];
  let parameters = (ins "int64_t":$devices,
                        OptionalParameter<"::mlir::ArrayAttr">:$names);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Dist_DeviceAttr : Dist_Attr<"Device", "device"> {
  let summary = "the device that runs an op or a function";
  let description = [{
    ```mlir
    %y = nn.relu %x {dist.device = #dist.device<1>} : (tensor<4xf32>) -> tensor<4xf32>
    ```
  }];
  let parameters = (ins "int64_t":$id);
  let assemblyFormat = "`<` $id `>`";
  let genVerifyDecl = 1;
}

#endif // SEPNN_DIST_ATTRS
