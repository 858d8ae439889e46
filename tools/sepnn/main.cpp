// sepnn: the driver. `sepnn import|compile|run ...` (design.md 4.1).
#include "Args.h"
#include "Commands.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

static const char *kUsage = R"(usage:
  sepnn import  MODEL.onnx -o MODEL.mlir [--input-shape NAME=1x3x224x224]
  sepnn search  MODEL.onnx --cluster CLUSTER.json -o POLICY.json
                [--objective latency|bytes] [--report R.json] [--exhaustive] [--beam N]
                [--layers] [--dot POLICY.dot] [--baselines DIR] [--compress f16[,int8]]
  sepnn search  MODEL.onnx --cluster CLUSTER.json --policy POLICY.json [--report R.json]
                (the predicted figures of a given policy)
  sepnn profile --cluster CLUSTER.json [--device K] [--link default|A-B]
                [--seconds S] (measures this machine; writes into CLUSTER.json)
  sepnn compile MODEL.onnx --cluster CLUSTER.json [--policy POLICY.json] -o OUTDIR
                [--target host|aarch64] [--input-shape NAME=DxDx...] [--no-build] [--cmake]
                (without --policy: the searched policy; --even-split: every Conv
                and Gemm split evenly by output channels)
  sepnn run     OUTDIR --input IN.pb [--input ...] -o OUT.pb [--transport tcp|mpi]
                [--repeat N] [--report R.json] [--timeout SECONDS]
)";

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    llvm::outs() << kUsage;
    return argc < 2 ? 1 : 0;
  }
  std::string command = argv[1];
  if (command == "import")
    return sepnn::driver::runImport(argc, argv);
  if (command == "compile")
    return sepnn::driver::runCompile(argc, argv);
  if (command == "run")
    return sepnn::driver::runRun(argc, argv);
  if (command == "search")
    return sepnn::driver::runSearch(argc, argv);
  if (command == "profile")
    return sepnn::driver::runProfile(argc, argv);
  llvm::errs() << kUsage;
  return sepnn::driver::reportError("unknown command '" + command + "'");
}
