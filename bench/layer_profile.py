#!/usr/bin/python3
"""Per-layer times of one zoo model: sepnn's device program against ONNX Runtime, in
the same setting as bench/runtime_speed.py (same export, compile, input and ONNX
Runtime install, reused from its --work and --cache folders). A benchmark: it prints
figures, asserts nothing.

sepnn's side is `device_0 --op-times` (the mean time of every runtime call over the
timed inferences), ONNX Runtime's its own profiler (session option enableProfiling:
every node's kernel time, the median over the timed runs). Both profiles cost some
time of their own, so their sums exceed the latencies runtime_speed.py measures; the
per-layer figures are for finding where one peer is slower.

Prints the total per op kind for each peer, then the layers side by side in program
order (ONNX Runtime fuses some ops and reorders branches: read the shapes).

Usage: bench/layer_profile.py MODEL [--threads T] [--repeat N]
  e.g. bench/layer_profile.py squeezenet1_1
"""
import argparse
import collections
import glob
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_speed as rs  # noqa: E402  (the benchmark's setup, reused)


def sepnn_layers(xdir, model, threads, repeat):
    out = tempfile.mkdtemp(prefix="sepnn-layers-")
    times = os.path.join(out, "ops.json")
    cmd = rs.pinned([os.path.join(xdir, "device_0", "device_0"), "--cluster",
                     os.path.join(xdir, "cluster.json"), "--input", model["input_pb"],
                     "--output", os.path.join(out, "out.pb"), "--repeat", str(repeat + 1),
                     "--op-times", times], threads)
    rs.check(cmd, "sepnn device_0 --op-times", env=rs.env_with(SEPNN_THREADS=threads))
    skip = {"input", "weight", "release", "output", "reserve", "place_next"}
    return [(e["op"], e["shape"], e["ms"]) for e in json.load(open(times))
            if e["op"] not in skip]


def ort_layers(node_modules, model, threads, repeat):
    prefix = os.path.join(tempfile.mkdtemp(prefix="ort-layers-"), "profile")
    prefix_cmd, affinity = rs.ort_affinity(threads)
    cmd = rs.pinned(["node", rs.ORT_RUNNER, model["onnx"], model["input_bin"],
                     ",".join(map(str, model["input_dims"])), str(threads), "1",
                     str(repeat)], threads)
    rs.check(prefix_cmd + cmd, "ONNX Runtime with profiling",
             env=rs.env_with(NODE_PATH=node_modules, SEPNN_BENCH_ORT_PROFILE=prefix,
                             SEPNN_BENCH_ORT_AFFINITY=affinity))
    trace = json.load(open(sorted(glob.glob(prefix + "*.json"))[-1]))
    runs = collections.defaultdict(list)
    first = {}
    for e in trace:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            runs[e["name"]].append(e["dur"] / 1000.0)
            shape = [list(d.values())[0] for d in e["args"].get("output_type_shape", [])]
            first.setdefault(e["name"], (e["args"]["op_name"], shape))
    # The warmup run is the first of each node's; the median of the others.
    return [(first[n][0], first[n][1], statistics.median(runs[n][1:] or runs[n]))
            for n in first]


def totals(layers):
    t = collections.Counter()
    for op, _, ms in layers:
        t[op] += ms
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="a torchvision model of the zoo (resnet18, ...)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=20, help="timed inferences per peer")
    ap.add_argument("--work", default="/tmp/sepnn-bench-speed")
    ap.add_argument("--cache", default=os.path.expanduser("~/.cache/sepnn-bench/ort"))
    ap.add_argument("--sepnn", default=os.path.join(rs.REPO, "build", "tools", "sepnn", "sepnn"))
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    try:
        node_modules, _ = rs.ensure_ort(os.path.abspath(args.cache))
        model = rs.prepare_model(args.model, work)
        xdir = rs.compile_model(args.sepnn, model, work, 1, rs.BASE_PORT, False)
        mine = sepnn_layers(xdir, model, args.threads, args.repeat)
        theirs = ort_layers(node_modules, model, args.threads, args.repeat)
    except rs.Failed as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"{args.model}, {args.threads} thread(s); ms per inference, from each peer's profile")
    for name, layers in (("sepnn", mine), ("ONNX Runtime", theirs)):
        t = totals(layers)
        print(f"{name}: {sum(t.values()):.2f} ms in all; " +
              ", ".join(f"{op} {ms:.2f}" for op, ms in t.most_common()))
    def cell(layer):
        op, shape, ms = layer
        return (f"{op:<20.20}{str(shape).replace(' ', ''):<20.20}" +
                (f"{ms:7.3f}" if ms is not None else " " * 7))
    blank = ("", "", None)
    print("\n" + cell(("sepnn", "shape", None)) + "    " + cell(("ONNX Runtime", "shape", None)))
    for i in range(max(len(mine), len(theirs))):
        print(cell(mine[i] if i < len(mine) else blank) + "    " +
              cell(theirs[i] if i < len(theirs) else blank))

if __name__ == "__main__":
    main()
