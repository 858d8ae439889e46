#!/usr/bin/python3
"""The torchvision zoo through sepnn: export (seeded random weights, 224x224,
batch 1), import, compile for 1 and 2 devices, run, compare with PyTorch.

Usage: zoo.py --sepnn PATH [--models a,b,...] [--work DIR] [--base-port N]

A model passes when, at 1 and at 2 devices, max|out - ref| / max|ref| <= 1e-4
and the top-5 classes equal PyTorch's. Prints a table: model, ops used, max
relative error, import+compile time, weight bytes per device (2 devices).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper

ALL_MODELS = [
    "resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2",
    "mobilenet_v2", "mobilenet_v3_large", "vgg16", "squeezenet1_1",
    "shufflenet_v2_x1_0", "googlenet", "densenet121", "efficientnet_b0",
    "regnet_x_400mf",
]
HERE = os.path.dirname(os.path.abspath(__file__))
EXPORTER = os.path.join(HERE, "..", "..", "examples", "export_torchvision.py")


def check(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed ({p.returncode}): "
                           f"{(p.stdout + p.stderr).strip()[-600:]}")
    return p.stdout


def load(path):
    return numpy_helper.to_array(onnx.load_tensor(path))


def run_model(name, args, port):
    work = os.path.join(args.work, name)
    model_dir = os.path.join(work, "model")
    if not os.path.exists(os.path.join(model_dir, "expected.pb")):
        check(["/usr/bin/python3", EXPORTER, name, model_dir], "export")
    model = os.path.join(model_dir, "model.onnx")
    ops = sorted({n.op_type for n in onnx.load(model, load_external_data=False).graph.node})
    ref = load(os.path.join(model_dir, "expected.pb"))
    row = {"model": name, "ops": ops}
    errors, timings = [], []
    for devices in (1, 2):
        out = os.path.join(work, f"x{devices}")
        shutil.rmtree(out, ignore_errors=True)
        start = time.time()
        # The even split exercises every layer on both devices (the searched
        # policy may keep small models on one device).
        check([args.sepnn, "compile", model, "--devices", str(devices),
               "--base-port", str(port), "--even-split", "-o", out],
              f"compile x{devices}")
        timings.append(time.time() - start)
        result = os.path.join(out, "out.pb")
        check([args.sepnn, "run", out, "--input",
               os.path.join(model_dir, "input.pb"), "-o", result,
               "--report", os.path.join(out, "report.json"), "--timeout", "120"],
              f"run x{devices}")
        got = load(result)
        error = float(np.abs(got - ref).max() / np.abs(ref).max())
        errors.append(error)
        if error > 1e-4:
            raise RuntimeError(f"x{devices}: relative error {error:.3g} > 1e-4")
        top_got = list(np.argsort(-got.ravel())[:5])
        top_ref = list(np.argsort(-ref.ravel())[:5])
        if top_got != top_ref:
            raise RuntimeError(f"x{devices}: top-5 {top_got} != {top_ref}")
        if devices == 2:
            manifest = json.load(open(os.path.join(out, "manifest.json")))
            row["weights"] = [d["weights_bytes"] for d in manifest["devices"]]
            row["bytes"] = manifest["bytes_per_inference"]
            row["latency_ms"] = json.load(open(os.path.join(out, "report.json")))["latency_ms"]
        shutil.rmtree(os.path.join(out, "build"), ignore_errors=True)
    row["error"] = max(errors)
    row["compile_s"] = timings
    return row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sepnn", required=True)
    parser.add_argument("--models", default=",".join(ALL_MODELS))
    parser.add_argument("--work", default="/tmp/sepnn-zoo")
    parser.add_argument("--base-port", type=int, default=23000)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures = []
    print(f"{'model':20} {'max rel err':>11} {'compile s (1/2 dev)':>20} "
          f"{'weights/device (2 dev)':>24} {'bytes/inf':>10} ops")
    for i, name in enumerate(args.models.split(",")):
        try:
            row = run_model(name, args, args.base_port + 10 * i)
        except Exception as e:  # report every model, then fail
            failures.append(f"{name}: {e}")
            print(f"{name:20} FAILED: {e}", flush=True)
            continue
        weights = "/".join(f"{w / 1e6:.1f}M" for w in row["weights"])
        print(f"{name:20} {row['error']:11.2e} "
              f"{row['compile_s'][0]:9.1f}/{row['compile_s'][1]:<9.1f} "
              f"{weights:>24} {row['bytes']:10d} {' '.join(row['ops'])}",
              flush=True)
    print(f"{len(args.models.split(',')) - len(failures)} models matched PyTorch, "
          f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
