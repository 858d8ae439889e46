"""Starts device 0 with CLUSTER0 and device 1 with CLUSTER1 (each its own
cluster file, e.g. with different keys) and prints what each said.

Usage: key_mismatch.py OUTDIR CLUSTER0 CLUSTER1 INPUT.pb --timeout S
"""
import argparse
import os
import subprocess
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("cluster0")
    parser.add_argument("cluster1")
    parser.add_argument("input")
    parser.add_argument("--timeout", default="2")
    args = parser.parse_args()
    exe = lambda k: os.path.join(args.outdir, f"device_{k}", f"device_{k}")
    start = time.time()
    d0 = subprocess.Popen([exe(0), "--cluster", args.cluster0, "--input", args.input,
                           "--timeout", args.timeout], stderr=subprocess.PIPE, text=True)
    d1 = subprocess.Popen([exe(1), "--cluster", args.cluster1, "--timeout", args.timeout],
                          stderr=subprocess.PIPE, text=True)
    for k, d in enumerate((d0, d1)):
        _, err = d.communicate(timeout=60)
        print(f"device {k} exited with {d.returncode}:")
        print(err, end="")
    print(f"both done in {time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
