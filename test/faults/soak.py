"""Soak: N back-to-back inferences through every device of OUTDIR.

Usage: soak.py OUTDIR INPUT.pb EXPECTED.pb --repeat N [--rss-growth-kb K]

Runs `sepnn run --repeat N` and checks, from each device's report
(OUTDIR/run/device_<k>.json): every inference produced the same outputs
(`distinct_outputs` is 1), resident memory is flat (VmRSS after the last
inference at most K kB above its value after inference N/10), the bytes on
every link equal the manifest, and the output equals PyTorch's (EXPECTED.pb).
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import numpy as np  # noqa: E402
from compare import load  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("input")
    parser.add_argument("expected")
    parser.add_argument("--repeat", type=int, default=1000)
    parser.add_argument("--rss-growth-kb", default="512",
                        help="the most VmRSS may grow; 'none': only report it")
    args = parser.parse_args()
    out = os.path.join(args.outdir, "soak-output.pb")
    report = os.path.join(args.outdir, "soak-report.json")
    run = subprocess.run(["sepnn", "run", args.outdir, "--input", args.input, "-o", out,
                          "--repeat", str(args.repeat), "--report", report, "--timeout", "30"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"sepnn run failed: {run.stderr}")
    with open(os.path.join(args.outdir, "manifest.json")) as f:
        manifest = json.load(f)
    with open(report) as f:
        links = json.load(f)["links"]
    if links != manifest["links"]:
        sys.exit(f"bytes per link {links} differ from the manifest {manifest['links']}")
    problems = []
    for d in manifest["devices"]:
        k = d["rank"]
        with open(os.path.join(args.outdir, "run", f"device_{k}.json")) as f:
            r = json.load(f)
        if r["repeat"] != args.repeat:
            problems.append(f"device {k} ran {r['repeat']} inferences")
        if r.get("distinct_outputs", 1) != 1:
            problems.append(f"device {k}: {r['distinct_outputs']} different outputs")
        rss = dict((i, kb) for i, kb in r["rss_kb"])
        base, last = rss[args.repeat // 10], rss[args.repeat]
        growth = last - base
        print(f"device {k}: VmRSS {rss[1]} kB after inference 1, {base} kB after "
              f"{args.repeat // 10}, {last} kB after {args.repeat} (growth {growth} kB)"
              + (f"; {r['distinct_outputs']} distinct output" if "distinct_outputs" in r
                 else ""))
        if args.rss_growth_kb != "none" and growth > int(args.rss_growth_kb):
            problems.append(f"device {k}: VmRSS grew by {growth} kB")
    got, want = load(out), load(args.expected)
    worst = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
    print(f"{args.repeat} inferences through {len(manifest['devices'])} devices; "
          f"relative max |output - PyTorch| = {worst:.1e}; bytes per link equal the "
          "manifest")
    if got.shape != want.shape or not worst <= 1e-4:
        problems.append(f"output differs from PyTorch by {worst}")
    if problems:
        sys.exit("; ".join(problems))
    print("soak passed")


if __name__ == "__main__":
    main()
