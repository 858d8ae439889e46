"""Checks that sepnn's manifest for a compiled policy moves exactly the bytes that
sepnn-nas's results.json claims for that row.

Usage: check_manifest_bytes.py RESULTS.json ROW MANIFEST.json
"""
import json
import sys


def main():
    results, row, manifest = sys.argv[1:4]
    with open(results) as f:
        want = {r["name"]: r for r in json.load(f)["rows"]}[row]["bytes_per_inference"]
    with open(manifest) as f:
        got = sum(json.load(f)["links"].values())
    print(f"{row}: manifest {got} bytes per inference, results.json {want}")
    if got != want:
        sys.exit(f"{row}: the manifest moves {got} bytes per inference, results.json says {want}")


if __name__ == "__main__":
    main()
