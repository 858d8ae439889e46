"""Checks that the search's predicted bytes per link equal the compiler's
manifest.json for the same policy, and that the searched policy is never
predicted slower than a baseline.

Usage: check_prediction.py REPORT.json MANIFEST.json
"""
import json
import sys

report, manifest = (json.load(open(p)) for p in sys.argv[1:3])
predicted = report["predicted"]
if predicted["links"] != manifest["links"]:
    sys.exit(f"predicted {predicted['links']} != manifest {manifest['links']}")
for name, baseline in report.get("baselines", {}).items():
    if predicted["latency_ms"] > baseline["latency_ms"] * (1 + 1e-9):
        sys.exit(f"searched {predicted['latency_ms']} ms > {name} {baseline['latency_ms']} ms")
print(f"predicted bytes {predicted['bytes_per_inference']} equal the manifest")
