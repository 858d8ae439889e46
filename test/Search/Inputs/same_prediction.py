"""Checks that two `sepnn search --report` files predict the same figures
(the dynamic program against exhaustive enumeration).

Usage: same_prediction.py DP.json EXHAUSTIVE.json KEY
KEY is the objective's figure: latency_ms or bytes_per_inference.
"""
import json
import sys

dp, brute = (json.load(open(p)) for p in sys.argv[1:3])
key = sys.argv[3]
a, b = dp["predicted"][key], brute["predicted"][key]
if abs(a - b) > 1e-9 * max(1.0, abs(b)):
    sys.exit(f"dynamic program {key} = {a}, exhaustive {key} = {b}")
if dp["search"] != "exact" or brute["search"] != "exhaustive":
    sys.exit(f"searches were {dp['search']} and {brute['search']}")
print(f"{key}: dynamic program {a} == exhaustive {b} "
      f"({brute['evaluated']} combinations)")
