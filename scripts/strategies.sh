#!/bin/bash
# Every strategy (out_channels, in_channels, reduce_scatter, rows, fused tiles,
# a layer pipeline and a mix) on resnet18, resnext50_32x4d, mobilenet_v2,
# vgg16 and squeezenet1_1 against the single-device output: at 2 and 3
# devices with every other layer's device order reversed, and at 4 devices in
# device order (the bytes table of docs/strategies.md). Prints bytes per
# inference for each case; exits non-zero if any case fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
models=resnet18,resnext50_32x4d,mobilenet_v2,vgg16,squeezenet1_1
status=0
/usr/bin/python3 test/strategies/strategies.py --sepnn build/tools/sepnn/sepnn \
  --models $models --devices 4 --order fixed --work out/strategies-4 "$@" || status=1
/usr/bin/python3 test/strategies/strategies.py --sepnn build/tools/sepnn/sepnn \
  --models $models --devices 2,3 --work out/strategies "$@" || status=1
exit $status
