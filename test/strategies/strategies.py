#!/usr/bin/python3
"""Every split strategy on real models, against the single-device output.

Usage: strategies.py --sepnn PATH [--models a,b] [--devices 2,3,4]
                     [--strategies out_channels,in_channels,reduce_scatter,rows,fused,
                                   pipeline,mixed,f16,int8]
                     [--order alternate|fixed] [--work DIR] [--base-port N]

For each model (torchvision, exported by examples/export_torchvision.py at
224x224), each strategy applied to every eligible layer with uneven sizes,
and each device count: compile, run, and check that the output equals the
single-device output within 1e-5 relative (f16 and int8 transfers: the same
top-1 class, and half or a quarter of out_channels' bytes), that the runtime's byte
counters equal manifest.json, and that the search's cost model predicts those
bytes exactly. Prints bytes per inference per case.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORTER = os.path.join(HERE, "..", "..", "examples", "export_torchvision.py")


def check(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{what}: {(p.stdout + p.stderr).strip()[-500:]}")
    return p.stdout


def uneven(extent, parts, unit=1):
    """`parts` positive sizes summing to `extent`, multiples of `unit`, the
    later ones larger (devices of different speeds)."""
    units = extent // unit
    parts = min(parts, units)
    weights = list(range(1, parts + 1))
    sizes = [max(1, units * w // sum(weights)) for w in weights]
    sizes[-1] += units - sum(sizes)
    while sizes[-1] <= 0:  # only for tiny extents
        sizes = sizes[:-1]
        sizes[-1] += units - sum(sizes)
    return [s * unit for s in sizes]


def output_rows(model):
    """Output rows (dim 2) of every 4-D value, by ONNX shape inference."""
    inferred = onnx.shape_inference.infer_shapes(model)
    rows = {}
    for info in list(inferred.graph.value_info) + list(inferred.graph.output):
        dims = info.type.tensor_type.shape.dim
        if len(dims) == 4 and dims[2].dim_value > 0:
            rows[info.name] = dims[2].dim_value
    return rows


def layers(model):
    """(name, op, out_channels, in_channels, group, output rows) of every
    Conv and Gemm (output rows None for Gemm)."""
    weights = {t.name: list(t.dims) for t in model.graph.initializer}
    rows = output_rows(model)
    out = []
    for node in model.graph.node:
        if node.op_type not in ("Conv", "Gemm") or node.input[1] not in weights:
            continue
        w = weights[node.input[1]]
        attrs = {a.name: a for a in node.attribute}
        if node.op_type == "Conv":
            group = attrs["group"].i if "group" in attrs else 1
            out.append((node.name, "Conv", w[0], w[1] * group, group,
                        rows.get(node.output[0])))
        else:
            trans_b = attrs["transB"].i if "transB" in attrs else 0
            trans_a = attrs["transA"].i if "transA" in attrs else 0
            n, k = (w[0], w[1]) if trans_b else (w[1], w[0])
            out.append((node.name, "Gemm" if not trans_a else "GemmT", n, k, 1, None))
    return out


def entry(strategy, layer, devices, index, alternate):
    name, op, cout, cin, group, rows = layer
    order = list(range(devices))
    if alternate and index % 2:  # any device order
        order.reverse()
    if strategy in ("rows", "fused") and rows:
        sizes = uneven(rows, devices)
        e = {"split": "rows", "devices": order[:len(sizes)], "sizes": sizes}
        if strategy == "fused" and index % 4 != 3:
            # Stacks of four: the first three recompute their consumers'
            # halos, the fourth exchanges them (DeepThings fused tiles).
            e["halo"] = "recompute"
        return e
    if strategy in ("in_channels", "reduce_scatter") and group == 1 and op != "GemmT":
        sizes = uneven(cin, devices)
        e = {"split": "in_channels", "devices": order[:len(sizes)], "sizes": sizes}
        if strategy == "reduce_scatter":
            scatter = uneven(cout, len(sizes))
            e["reduce_scatter"] = scatter + [0] * (len(sizes) - len(scatter))
        else:
            e["reduce_to"] = order[index % len(sizes)]
        return e
    sizes = uneven(cout, devices, cout // group if group > 1 else 1)
    return {"split": "out_channels", "devices": order[:len(sizes)], "sizes": sizes}


def policy(strategy, model, devices, alternate=True):
    ops = {}
    all_layers = layers(model)
    for i, layer in enumerate(all_layers):
        if strategy == "pipeline":
            ops[layer[0]] = {"split": "device",
                             "device": i * devices // len(all_layers)}
        elif strategy == "mixed":
            kind = ["out_channels", "in_channels", "rows", "device",
                    "reduce_scatter", "fused"][i % 6]
            ops[layer[0]] = ({"split": "device", "device": i % devices}
                             if kind == "device" else entry(kind, layer, devices, i, alternate))
        else:
            ops[layer[0]] = entry(strategy, layer, devices, i, alternate)
    if strategy in ("f16", "int8"):
        # out_channels everywhere, compressed on the wire.
        ops = {layer[0]: entry("out_channels", layer, devices, i, alternate)
               for i, layer in enumerate(all_layers)}
        return {"version": 1, "transmit_dtype": strategy,
                "default": {"split": "device", "device": 0}, "ops": ops}
    return {"version": 1, "default": {"split": "device", "device": 0}, "ops": ops}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sepnn", required=True)
    parser.add_argument("--models", default="resnet18,mobilenet_v2,squeezenet1_1")
    parser.add_argument("--devices", default="2,3,4")
    parser.add_argument("--strategies", default="out_channels,in_channels,reduce_scatter,rows,fused,pipeline,mixed,"
                                                   "f16,int8")
    parser.add_argument("--work", default="/tmp/sepnn-strategies")
    parser.add_argument("--base-port", type=int, default=25000)
    parser.add_argument("--order", choices=["alternate", "fixed"], default="alternate",
                        help="alternate: every other layer lists its devices in reverse "
                             "(tests any order); fixed: always 0..K-1 (bytes as a user "
                             "would lay them out)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures, port = [], args.base_port
    out_channels_bytes = {}  # (model, devices) -> bytes, for f16 and int8
    print(f"{'model':16} {'strategy':13} {'devices':>7} {'bytes/inference':>16} {'rel err':>9}")
    for name in args.models.split(","):
        work = os.path.join(args.work, name)
        model_dir = os.path.join(work, "model")
        if not os.path.exists(os.path.join(model_dir, "expected.pb")):
            check(["/usr/bin/python3", EXPORTER, name, model_dir], "export")
        model_path = os.path.join(model_dir, "model.onnx")
        model = onnx.load(model_path)
        single = os.path.join(work, "single")
        check([args.sepnn, "compile", model_path, "--devices", "1",
               "--base-port", str(port), "-o", single], "compile x1")
        check([args.sepnn, "run", single, "--input",
               os.path.join(model_dir, "input.pb"), "-o", single + "/out.pb"], "run x1")
        reference = numpy_helper.to_array(onnx.load_tensor(single + "/out.pb"))
        for strategy in args.strategies.split(","):
            for devices in map(int, args.devices.split(",")):
                port += 10
                case = os.path.join(work, f"{strategy}-{devices}")
                try:
                    shutil.rmtree(case, ignore_errors=True)
                    os.makedirs(case)
                    with open(os.path.join(case, "policy.json"), "w") as f:
                        json.dump(policy(strategy, model, devices, args.order == "alternate"),
                                  f, indent=1)
                    out = case + "/out"
                    check([args.sepnn, "compile", model_path, "--devices", str(devices),
                           "--base-port", str(port), "--policy", case + "/policy.json",
                           "-o", out], "compile")
                    check([args.sepnn, "run", out, "--input",
                           os.path.join(model_dir, "input.pb"), "-o", out + "/out.pb",
                           "--report", out + "/report.json"], "run")
                    got = numpy_helper.to_array(onnx.load_tensor(out + "/out.pb"))
                    error = float(np.abs(got - reference).max() / np.abs(reference).max())
                    report = json.load(open(out + "/report.json"))
                    manifest = json.load(open(out + "/manifest.json"))
                    if report["links"] != manifest["links"]:
                        raise RuntimeError("byte counters differ from the manifest")
                    compressed = strategy in ("f16", "int8")
                    # The search's cost model predicts the same bytes.
                    check([args.sepnn, "search", model_path, "--cluster",
                           out + "/cluster.json", "--policy", case + "/policy.json",
                           "--report", case + "/predicted.json"], "predict")
                    predicted = json.load(open(case + "/predicted.json"))["predicted"]
                    if predicted["links"] != manifest["links"]:
                        raise RuntimeError(
                            f"the cost model predicts {predicted['bytes_per_inference']} "
                            f"bytes, the manifest has {manifest['bytes_per_inference']}")
                    total = manifest["bytes_per_inference"]
                    if strategy == "out_channels":
                        out_channels_bytes[(name, devices)] = total
                    if compressed:
                        # Lossy on the wire: the class ranked first must stay
                        # first, and the bytes halve (f16) or quarter (int8,
                        # plus one f32 scale per channel).
                        if int(got.argmax()) != int(reference.argmax()):
                            raise RuntimeError(f"top-1 {int(got.argmax())} != "
                                               f"{int(reference.argmax())}")
                        base = out_channels_bytes.get((name, devices))
                        if base:
                            ratio = total / base
                            if (strategy == "f16" and ratio != 0.5) or \
                                    (strategy == "int8" and ratio > 0.3):
                                raise RuntimeError(f"{strategy} moves {ratio:.3f} of "
                                                   "the f32 bytes")
                    elif error > 1e-5:
                        raise RuntimeError(f"relative error {error:.3g} > 1e-5")
                    print(f"{name:16} {strategy:13} {devices:7} "
                          f"{manifest['bytes_per_inference']:16,} {error:9.2e}", flush=True)
                    # Keep the policy, manifest and report; drop executables and
                    # weights (vgg16's are 0.5 GB per device).
                    for entry_name in os.listdir(out):
                        path = os.path.join(out, entry_name)
                        if os.path.isdir(path):
                            shutil.rmtree(path, ignore_errors=True)
                except Exception as e:
                    failures.append(f"{name} {strategy} x{devices}: {e}")
                    print(f"{name:16} {strategy:13} {devices:7} FAILED: {e}", flush=True)
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
