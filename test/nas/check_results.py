"""Checks what `sepnn-nas search` wrote against the contract (design.md, issue 6):
DIR/model.onnx, policy.json, sample.pb, sample_ref.pb and results.json with one row per
table row, and that each row's figures are consistent with the others.

Usage: check_results.py DIR
"""
import json
import os
import sys

ROWS = ["dense", "layerwise", "exchange_all", "nas", "nas_f16", "nas_int8", "nas_gumbel"]


def main():
    d = sys.argv[1]
    for name in ("model.onnx", "policy.json", "sample.pb", "sample_ref.pb", "results.json",
                 "pareto.png", "search_log.jsonl"):
        if not os.path.getsize(os.path.join(d, name)):
            sys.exit(f"{d}/{name} is empty")
    with open(os.path.join(d, "results.json")) as f:
        results = json.load(f)
    rows = {r["name"]: r for r in results["rows"]}
    if list(rows) != ROWS:
        sys.exit(f"rows {list(rows)}, expected {ROWS}")
    for r in rows.values():
        for key in ("accuracy", "bytes_per_inference", "reduction_vs_exchange_all",
                    "reduction_vs_layerwise"):
            if key not in r:
                sys.exit(f"row {r['name']}: no {key}")
        if not 0 <= r["accuracy"] <= 100:
            sys.exit(f"row {r['name']}: accuracy {r['accuracy']} is not a percentage")
    everything, layerwise = (rows[n]["bytes_per_inference"] for n in ("exchange_all", "layerwise"))
    for r in rows.values():
        b = r["bytes_per_inference"]
        for key, ref in (("reduction_vs_exchange_all", everything),
                         ("reduction_vs_layerwise", layerwise)):
            if r["name"] != "dense" and abs(r[key] - (1 - b / ref)) > 1e-9:
                sys.exit(f"row {r['name']}: {key} {r[key]} but bytes {b} vs {ref}")
    # Compression shrinks only the exchanges: f16 halves them, int8 quarters them (+ scales).
    nas, f16, int8 = (rows[n]["bytes_per_inference"] for n in ("nas", "nas_f16", "nas_int8"))
    if not nas > f16 > int8 > 0:
        sys.exit(f"bytes: nas {nas}, f16 {f16}, int8 {int8} (expected decreasing)")
    if rows["layerwise"]["accuracy"] != rows["dense"]["accuracy"]:
        sys.exit("the layer-wise split is the dense network: same accuracy expected")
    with open(os.path.join(d, "search_log.jsonl")) as f:
        log = [json.loads(line) for line in f]
    if len(log) != results["settings"]["search_epochs"] * results["settings"]["controller_steps"]:
        sys.exit(f"search log has {len(log)} entries")
    print("results.json: " + ", ".join(f"{n} {rows[n]['accuracy']:.1f}% "
                                       f"{rows[n]['bytes_per_inference']} B" for n in ROWS))


if __name__ == "__main__":
    main()
