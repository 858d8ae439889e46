#!/bin/bash
# Every strategy on resnet18, resnext50_32x4d, mobilenet_v2, vgg16 and
# squeezenet1_1 at 2, 3 and 4 devices, against the single-device output;
# prints bytes per inference for each case.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
/usr/bin/python3 test/strategies/strategies.py --sepnn build/tools/sepnn/sepnn \
  --models resnet18,resnext50_32x4d,mobilenet_v2,vgg16,squeezenet1_1 --devices 2,3,4 \
  --work out/strategies "$@"
