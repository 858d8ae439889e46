#!/usr/bin/python3
"""A/B of two runtime builds on one zoo model, in the network: the same compiled
device program (bench/runtime_speed.py's setting: export, `sepnn compile --devices 1`,
input) linked against each build's runtime libraries, the two executables run
alternately, and each layer group's time (`device_0 --op-times`, summed per op and
output shape) compared as the median over the rounds. A benchmark: it prints figures,
asserts nothing.

Why: this machine's speed drifts by a few percent between minutes, more than the
effect of many kernel changes; alternating processes of the two builds and comparing
per layer group tells a change from the drift, where one run before and one after
cannot. docs/runtime-speed.md (third pass) quotes it.

Usage: bench/runtime_ab.py MODEL BUILD_A BUILD_B [--rounds N] [--repeat R] [--threads T]
                           [--program-a DIR]
  e.g. bench/runtime_ab.py squeezenet1_1 build-before build
(BUILD_*: CMake build folders of sepnn; the program is compiled with BUILD_B's sepnn.
For a change of the compiler, --program-a names the folder of the same model compiled
by the other sepnn (`sepnn compile --devices 1` output): side A then runs that program.)
"""
import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import runtime_speed as rs  # noqa: E402  (the benchmark's setup, reused)

SKIP = {"input", "weight", "release", "output", "reserve", "place_next"}


def link(program_dir, build, out):
    libs = [os.path.join(build, "runtime", "libsepnn_rt_main.a"),
            os.path.join(build, "runtime", "libsepnn_rt.a")]
    for lib in libs:
        if not os.path.exists(lib):
            raise rs.Failed(f"{lib} does not exist: build the runtime in {build} first")
    rs.check(["g++", "-std=c++17", "-O2", "-I", os.path.join(rs.REPO, "runtime", "include"),
              os.path.join(program_dir, "program.cpp")] + libs +
             ["-lcrypto", "-pthread", "-o", out], f"linking against {build}")


def groups(binary, xdir, model, threads, repeat, times):
    rs.check(rs.pinned([binary, "--cluster", os.path.join(xdir, "cluster.json"),
                        "--input", model["input_pb"], "--output", times + ".pb",
                        "--repeat", str(repeat + 1), "--op-times", times], threads),
             f"{binary} --op-times", env=rs.env_with(SEPNN_THREADS=threads))
    sums = collections.defaultdict(float)
    for e in json.load(open(times)):
        if e["op"] not in SKIP:
            sums[e["op"] + ":" + "x".join(map(str, e["shape"][1:]))] += e["ms"]
    sums["total"] = sum(sums.values())
    return sums


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("build_a")
    ap.add_argument("build_b")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=10, help="timed inferences per process")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--work", default="/tmp/sepnn-bench-speed")
    ap.add_argument("--program-a", help="side A's compiled program (default: B's)")
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    try:
        model = rs.prepare_model(args.model, work)
        sepnn = os.path.join(os.path.abspath(args.build_b), "tools", "sepnn", "sepnn")
        xdir = rs.compile_model(sepnn, model, work, 1, rs.BASE_PORT, False)
        xdirs = {"A": os.path.abspath(args.program_a) if args.program_a else xdir, "B": xdir}
        tmp = tempfile.mkdtemp(prefix="sepnn-ab-")
        # Next to weights.bin, where the runtime looks for it.
        exes = {side: os.path.join(xdirs[side], "device_0", f"ab_{side.lower()}")
                for side in xdirs}
        for side, build in (("A", args.build_a), ("B", args.build_b)):
            link(os.path.join(xdirs[side], "device_0"), os.path.abspath(build), exes[side])
        runs = {"A": collections.defaultdict(list), "B": collections.defaultdict(list)}
        for r in range(args.rounds):
            # A first in even rounds, B first in odd ones: the process that runs second
            # in a round measured a few percent faster (a warmer machine).
            for side in ("A", "B") if r % 2 == 0 else ("B", "A"):
                for k, v in groups(exes[side], xdirs[side], model, args.threads, args.repeat,
                                   os.path.join(tmp, f"{side}{r}.json")).items():
                    runs[side][k].append(v)
    except rs.Failed as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"{args.model}, {args.threads} thread(s), {args.rounds} alternating rounds of "
          f"{args.repeat} inferences; ms per inference, median over the rounds")
    program_a = f" (program {args.program_a})" if args.program_a else ""
    print(f"A: {args.build_a}{program_a}\nB: {args.build_b}\n")
    print(f"{'layer group (op:output shape)':<36}{'A':>9}{'B':>9}{'B/A-1':>9}")
    med = {s: {k: statistics.median(v) for k, v in runs[s].items()} for s in runs}
    for k in sorted(med["A"], key=lambda k: -med["A"][k]):
        a, b = med["A"][k], med["B"].get(k, float("nan"))
        print(f"{k:<36}{a:9.3f}{b:9.3f}{100 * (b - a) / a:8.1f}%")


if __name__ == "__main__":
    main()
