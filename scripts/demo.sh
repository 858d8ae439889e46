#!/bin/bash
# The main job: torchvision's resnet18 (seeded random weights, 224x224) split
# over two device processes on this machine, talking over loopback TCP, and
# compared with PyTorch. The split is the one `sepnn compile` searches for the
# cluster (out/<model>/2dev/policy.json). Prints the run report (latency,
# bytes per link).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
model=${1:-resnet18}
out=out/$model
sepnn=build/tools/sepnn/sepnn
/usr/bin/python3 examples/export_torchvision.py "$model" "$out/model"
"$sepnn" compile "$out/model/model.onnx" --cluster examples/cluster-2dev.json -o "$out/2dev"
"$sepnn" run "$out/2dev" --input "$out/model/input.pb" -o "$out/2dev/output.pb" \
  --repeat 5 --report "$out/2dev/report.json"
/usr/bin/python3 test/e2e/compare.py "$out/2dev/output.pb" "$out/model/expected.pb" --tol 1e-4
echo "report: $out/2dev/report.json; device programs: $out/2dev/device_*/program.cpp"
