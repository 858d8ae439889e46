"""Checks a `sepnn run --report` file against OUTDIR/manifest.json.

Usage: check_report.py REPORT.json MANIFEST.json [--min-links N]
The runtime's byte counters must equal the compiler's prediction exactly.
"""
import argparse
import json
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("manifest")
    parser.add_argument("--min-links", type=int, default=1)
    args = parser.parse_args()
    report = json.load(open(args.report))
    manifest = json.load(open(args.manifest))
    if not report["latency_ms"] > 0:
        sys.exit(f"latency_ms is {report['latency_ms']}")
    if report["links"] != manifest["links"]:
        sys.exit(f"runtime bytes {report['links']} != manifest {manifest['links']}")
    if len(report["links"]) < args.min_links:
        sys.exit(f"expected at least {args.min_links} links with traffic")
    print(f"links {report['links']} match the manifest; "
          f"latency {report['latency_ms']:.3f} ms")


if __name__ == "__main__":
    main()
