"""Kills one device process in the middle of `sepnn run` and checks that the
run fails within the timeout, names the device, and leaves no process behind.

Usage: kill_device.py OUTDIR INPUT.pb --victim K [--timeout S]
Processes are found as children of the `sepnn run` process (never by name).
"""
import argparse
import os
import signal
import subprocess
import sys
import time

from proctree import alive, children


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("input")
    parser.add_argument("--victim", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=5)
    parser.add_argument("--kill-driver", action="store_true",
                        help="kill `sepnn run` itself instead of a device")
    args = parser.parse_args()

    run = subprocess.Popen(
        ["sepnn", "run", args.outdir, "--input", args.input,
         "-o", os.path.join(args.outdir, "killed.pb"),
         "--repeat", "1000000", "--timeout", str(args.timeout)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until every device runs and has done some inferences.
    deadline = time.time() + 30
    devices = []
    while time.time() < deadline:
        devices = children(run.pid)
        if len(devices) == 2:
            break
        time.sleep(0.05)
    if len(devices) != 2:
        run.kill()
        sys.exit(f"expected 2 device processes, found {devices}")
    time.sleep(1.0)
    victim = devices[args.victim]
    with open(f"/proc/{victim}/cmdline") as f:
        exe = f.read().split("\0")[0]
    if not exe.endswith(f"device_{args.victim}"):
        run.kill()
        sys.exit(f"child {victim} is {exe}, not device_{args.victim}")

    if args.kill_driver:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        time.sleep(0.5)
        left = [pid for pid in devices if alive(pid)]
        if left:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            sys.exit(f"devices outlived the killed driver: {left}")
        print("devices stopped with the driver; no process left behind")
        return

    killed_at = time.time()
    os.kill(victim, signal.SIGKILL)
    try:
        _, stderr = run.communicate(timeout=args.timeout + 10)
    except subprocess.TimeoutExpired:
        run.kill()
        sys.exit("sepnn run hung after a device was killed")
    elapsed = time.time() - killed_at
    print(stderr, end="")
    print(f"sepnn run exited with {run.returncode} {elapsed:.2f} s after the kill")

    if run.returncode == 0:
        sys.exit("sepnn run succeeded although a device was killed")
    if elapsed > args.timeout:
        sys.exit(f"took {elapsed:.2f} s, more than the {args.timeout} s timeout")
    expected = f"device {args.victim} (pi{args.victim}) failed first: killed by signal 9"
    if expected not in stderr:
        sys.exit(f"stderr does not say '{expected}'")
    survivor = 1 - args.victim
    lost = f"lost connection to device {args.victim} (pi{args.victim})"
    if not any(line.startswith(f"error: device {survivor} (pi{survivor}): ")
               and lost in line for line in stderr.splitlines()):
        sys.exit(f"device {survivor} did not report '{lost}'")
    left = [pid for pid in devices if alive(pid)]
    if left:
        sys.exit(f"processes left behind: {left}")
    print("no process left behind")


if __name__ == "__main__":
    main()
