"""Checks that two `sepnn run --report` files, one per transport, moved the
same bytes on every link.

Usage: same_run.py TCP_REPORT.json MPI_REPORT.json
"""
import json
import sys

tcp, mpi = (json.load(open(p)) for p in sys.argv[1:3])
if (tcp["transport"], mpi["transport"]) != ("tcp", "mpi"):
    sys.exit(f"transports are {tcp['transport']} and {mpi['transport']}")
if tcp["links"] != mpi["links"]:
    sys.exit(f"tcp moved {tcp['links']}, mpi moved {mpi['links']}")
print(f"tcp and mpi moved the same {mpi['bytes_per_inference']} bytes "
      f"on {len(mpi['links'])} links")
