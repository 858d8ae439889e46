#!/bin/bash
# The whole torchvision zoo (13 models, 224x224, seeded random weights) through
# sepnn at 1 and 2 devices, compared with PyTorch; prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
/usr/bin/python3 test/zoo/zoo.py --sepnn build/tools/sepnn/sepnn --work out/zoo "$@"
