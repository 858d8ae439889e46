#!/usr/bin/python3
"""Walks ONNX's backend test data (Debian's libonnx-testdata) through sepnn.

Usage:
  onnx_testdata.py --sepnn PATH [--data DIR] [--sets node,pytorch-converted,...]
                   [--cases FILE] [--expected-failures FILE] [--work DIR] [--jobs N]
                   [--every N]

Each case whose ops sepnn claims is compiled for one device and for two
devices (default policy), run, and compared with the expected outputs
(rtol 1e-4, atol 1e-5). A case that uses an unclaimed op must fail with
sepnn's unsupported-op error (exit status 1), never a crash. Cases listed in
the expected-failures file (`case: reason`) may fail; the list only shrinks:
a listed case that passes is reported so that it is removed.

Prints per data set and in total: passed, failed, unsupported, expected
failures; exits 1 on any unexpected result.
"""
import argparse
import concurrent.futures
import glob
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

DEFAULT_DATA = "/usr/share/libonnx-testdata/data"
DEFAULT_SETS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
# Import errors that mean "sepnn does not claim this", not "sepnn is wrong".
UNSUPPORTED_MARKERS = [
    "unsupported op",
    "(only float is supported)",
    "(only static shapes are supported)",
    "has an integer type",
    "is not supported",
    "must be known at compile time",
    "(only 2-D spatial ops are supported)",
    "(empty tensors are not supported)",
]


def run(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", f"timed out after {timeout} s: {' '.join(cmd)}"


def load(path):
    return numpy_helper.to_array(onnx.load_tensor(path))


def check_case(case_dir, sepnn, work, port):
    """Returns (status, detail): passed, failed, unsupported."""
    name = os.path.basename(case_dir)
    model = os.path.join(case_dir, "model.onnx")
    data_sets = sorted(glob.glob(os.path.join(case_dir, "test_data_set_*")))
    rc, out = run([sepnn, "import", model, "-o", os.devnull])
    if rc != 0:
        if rc == 1 and out.startswith("error: ") and any(
                m in out for m in UNSUPPORTED_MARKERS):
            return "unsupported", out.strip().splitlines()[-1]
        return "failed", f"import: rc={rc}: {out.strip()[-300:]}"
    if not data_sets:
        return "failed", "no test data"
    inputs = sorted(glob.glob(os.path.join(data_sets[0], "input_*.pb")),
                    key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
    outputs = sorted(glob.glob(os.path.join(data_sets[0], "output_*.pb")),
                     key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
    for devices in (1, 2):
        outdir = os.path.join(work, f"{name}-{devices}")
        shutil.rmtree(outdir, ignore_errors=True)
        # The even split puts every conv and gemm on both devices.
        rc, out = run([sepnn, "compile", model, "--devices", str(devices),
                       "--base-port", str(port), "--even-split", "-o", outdir])
        if rc != 0:
            if rc == 1 and any(m in out for m in UNSUPPORTED_MARKERS):
                return "unsupported", out.strip().splitlines()[-1]
            return "failed", f"compile x{devices}: rc={rc}: {out.strip()[-300:]}"
        result = os.path.join(outdir, "out.pb")
        cmd = [sepnn, "run", outdir, "-o", result, "--timeout", "20"]
        for i in inputs:
            cmd += ["--input", i]
        rc, out = run(cmd)
        if rc != 0:
            return "failed", f"run x{devices}: rc={rc}: {out.strip()[-300:]}"
        for i, expected_path in enumerate(outputs):
            got_path = result if i == 0 else os.path.join(outdir, f"out_{i}.pb")
            got, expected = load(got_path), load(expected_path)
            if got.shape != expected.shape:
                return "failed", (f"x{devices} output {i}: shape {got.shape} "
                                  f"!= {expected.shape}")
            if not np.allclose(got, expected, rtol=1e-4, atol=1e-5):
                err = float(np.abs(got - expected).max())
                return "failed", f"x{devices} output {i}: max abs error {err:.3g}"
        shutil.rmtree(outdir, ignore_errors=True)
    return "passed", ""


def read_list(path):
    entries = {}
    if path:
        for line in open(path):
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, reason = line.partition(":")
                entries[name.strip()] = reason.strip()
    return entries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sepnn", required=True)
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--sets", default=",".join(DEFAULT_SETS))
    parser.add_argument("--cases", help="only these cases (one per line)")
    parser.add_argument("--expected-failures")
    parser.add_argument("--work", default="/tmp/sepnn-conformance")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--base-port", type=int, default=22000)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--every", type=int, default=1,
                        help="only every N-th case (sorted; sanitizer runs)")
    args = parser.parse_args()

    if not os.path.isdir(args.data):
        sys.exit(f"error: {args.data}: not found (apt-get install libonnx-testdata)")
    only = set(read_list(args.cases)) if args.cases else None
    xfail = read_list(args.expected_failures)
    cases = []
    for data_set in args.sets.split(","):
        for case in sorted(os.listdir(os.path.join(args.data, data_set))):
            case_dir = os.path.join(args.data, data_set, case)
            if os.path.exists(os.path.join(case_dir, "model.onnx")) and (
                    only is None or case in only):
                cases.append((data_set, case_dir))
    if only is not None:
        missing = only - {os.path.basename(c) for _, c in cases}
        if missing:
            sys.exit(f"error: cases not found: {sorted(missing)}")
    cases = cases[::args.every]
    os.makedirs(args.work, exist_ok=True)

    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {
            pool.submit(check_case, case_dir, args.sepnn, args.work,
                        args.base_port + 10 * (i % 512)): (data_set, case_dir)
            for i, (data_set, case_dir) in enumerate(cases)}
        for future in concurrent.futures.as_completed(futures):
            results[futures[future]] = future.result()

    totals = {}
    unexpected = []
    for (data_set, case_dir), (status, detail) in sorted(results.items()):
        name = os.path.basename(case_dir)
        if name in xfail:
            if status == "failed":
                status = "xfail"
            elif status == "passed":
                unexpected.append(f"{name}: passes now; remove it from the "
                                  f"expected-failure list")
        elif status == "failed":
            unexpected.append(f"{name}: {detail}")
        counts = totals.setdefault(data_set, {})
        counts[status] = counts.get(status, 0) + 1
        if args.verbose and status != "unsupported":
            print(f"{status:11} {data_set}/{name} {detail}")

    print(f"{'data set':20} {'passed':>7} {'failed':>7} {'xfail':>7} {'unsupported':>12}")
    grand = {}
    for data_set, counts in sorted(totals.items()):
        print(f"{data_set:20} {counts.get('passed', 0):7} {counts.get('failed', 0):7} "
              f"{counts.get('xfail', 0):7} {counts.get('unsupported', 0):12}")
        for k, v in counts.items():
            grand[k] = grand.get(k, 0) + v
    print(f"{grand.get('passed', 0)} passed, {grand.get('failed', 0)} failed, "
          f"{grand.get('xfail', 0)} expected failures, "
          f"{grand.get('unsupported', 0)} unsupported")
    for line in unexpected:
        print(f"UNEXPECTED: {line}")
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
