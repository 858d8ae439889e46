"""Checks a compressed-transfer run against PyTorch and the f32 run's bytes.

Usage: check_compressed.py EXPECTED.pb F32_REPORT.json OUT.pb REPORT.json
           [--ratio R | --max-ratio R] [--tol T]
--ratio: the run's bytes per inference are exactly R times the f32 run's.
--max-ratio: at most R times. --tol: max|out - ref| / max|ref| bound.
The top-1 class must equal PyTorch's.
"""
import argparse
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("expected")
    parser.add_argument("f32_report")
    parser.add_argument("out")
    parser.add_argument("report")
    parser.add_argument("--ratio", type=float)
    parser.add_argument("--max-ratio", type=float)
    parser.add_argument("--tol", type=float, default=1e-2)
    args = parser.parse_args()
    ref = numpy_helper.to_array(onnx.load_tensor(args.expected))
    out = numpy_helper.to_array(onnx.load_tensor(args.out))
    f32 = json.load(open(args.f32_report))["bytes_per_inference"]
    got = json.load(open(args.report))["bytes_per_inference"]
    error = float(np.abs(out - ref).max() / np.abs(ref).max())
    print(f"bytes {got} vs f32 {f32} (ratio {got / f32:.4f}); "
          f"relative error {error:.3e}")
    if args.ratio is not None and got != f32 * args.ratio:
        sys.exit(f"bytes {got} != {args.ratio} x {f32}")
    if args.max_ratio is not None and got > f32 * args.max_ratio:
        sys.exit(f"bytes {got} > {args.max_ratio} x {f32}")
    if error > args.tol:
        sys.exit(f"relative error {error:.3e} > {args.tol}")
    if int(np.argmax(out)) != int(np.argmax(ref)):
        sys.exit("the top-1 class changed")


if __name__ == "__main__":
    main()
