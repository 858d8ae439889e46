"""Compares an output .pb with a reference .pb (PyTorch's output).

Usage: compare.py OUT.pb REFERENCE.pb [--tol 1e-4]
Fails unless max|out - ref| / max|ref| <= tol and the shapes agree.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def load(path):
    return numpy_helper.to_array(onnx.load_tensor(path))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("ref")
    parser.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args()
    out, ref = load(args.out), load(args.ref)
    if out.shape != ref.shape:
        sys.exit(f"shape {out.shape} differs from the reference {ref.shape}")
    error = float(np.abs(out - ref).max() / max(np.abs(ref).max(), 1e-30))
    print(f"relative max error {error:.3e} (tolerance {args.tol:g})")
    if not error <= args.tol:
        sys.exit(f"relative max error {error:.3e} exceeds {args.tol:g}")


if __name__ == "__main__":
    main()
