#!/bin/bash
# ONNX's backend test data through sepnn (the same walk check-sepnn runs),
# with every non-unsupported case listed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
/usr/bin/python3 test/conformance/onnx_testdata.py --sepnn build/tools/sepnn/sepnn \
  --expected-failures test/conformance/expected-failures.txt --work out/conformance --verbose "$@"
