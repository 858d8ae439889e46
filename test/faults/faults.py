"""Fault cases with real device processes on loopback, each through `sepnn run`.

Usage: faults.py OUTDIR OTHER_OUTDIR INPUT.pb --timeout S [--case NAME]...

OUTDIR is a 2-device build (device 1 sends to device 0); OTHER_OUTDIR is the
same cluster compiled from another model. Every case runs on a fresh copy of
OUTDIR with one fault, and checks: `sepnn run` exits non-zero and says which
device failed first; every other device exits with an error naming the peer and
what happened; all of it within the timeout (plus the driver's grace); no output
file is written; no process is left behind. Prints one line per case.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from proctree import alive, children, descendants  # noqa: E402


def install_fault(outdir, mode):
    """Puts fault_device.py in place of device_1's executable."""
    exe = os.path.join(outdir, "device_1", "device_1")
    os.rename(exe, exe + ".real")
    with open(exe, "w") as f:
        f.write(f'#!/bin/sh\nexec /usr/bin/python3 {HERE}/fault_device.py '
                f'--mode {mode} --real {exe}.real -- "$@"\n')
    os.chmod(exe, 0o755)


class Run:
    """`sepnn run` on OUTDIR, watching every process it starts."""

    def __init__(self, outdir, input_pb, timeout, repeat=1):
        self.output = os.path.join(outdir, "faulty-output.pb")
        self.proc = subprocess.Popen(
            ["sepnn", "run", outdir, "--input", input_pb, "-o", self.output,
             "--timeout", str(timeout), "--repeat", str(repeat)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.started = time.time()
        self.seen = set()

    def devices(self, count, within=30):
        """Waits until `count` direct children (the devices) run."""
        deadline = time.time() + within
        while time.time() < deadline:
            self.watch()
            kids = children(self.proc.pid)
            if len(kids) >= count:
                return kids
            time.sleep(0.02)
        raise SystemExit(f"expected {count} device processes")

    def watch(self):
        self.seen.update(descendants(self.proc.pid))

    def finish(self, limit):
        """Waits for sepnn run (polling its process tree); returns stderr."""
        deadline = time.time() + limit
        while self.proc.poll() is None and time.time() < deadline:
            self.watch()
            time.sleep(0.02)
        if self.proc.poll() is None:
            self.proc.kill()
            for pid in descendants(self.proc.pid):
                os.kill(pid, signal.SIGKILL)
            raise SystemExit(f"sepnn run still running after {limit} s: a hang")
        self.elapsed = time.time() - self.started
        _, stderr = self.proc.communicate()
        time.sleep(0.3)
        left = [pid for pid in self.seen if alive(pid)]
        if left:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            raise SystemExit(f"processes left behind: {left}")
        return stderr


def device_error(stderr, rank):
    for line in stderr.splitlines():
        if line.startswith(f"error: device {rank} (pi{rank}): "):
            return line
    return None


def check(name, run, stderr, first, errors, limit, summary=None):
    """`first` failed first (or one of a tuple of devices); errors[rank] is a text the
    device must report (or a tuple of texts, any of which will do); `summary`, if
    given, is in sepnn run's own error line."""
    problems = []
    if summary and not any(summary in line for line in stderr.splitlines()
                           if "failed first" in line):
        problems.append(f"sepnn run's summary does not say '{summary}'")
    if run.proc.returncode == 0:
        problems.append("sepnn run succeeded")
    firsts = first if isinstance(first, tuple) else (first,)
    if not any(f"error: {f} failed first" in stderr for f in firsts):
        problems.append(f"sepnn run does not say '{' or '.join(firsts)} failed first'")
    first = next((f for f in firsts if f"error: {f} failed first" in stderr), firsts[0])
    for rank, texts in errors.items():
        texts = texts if isinstance(texts, tuple) else (texts,)
        line = device_error(stderr, rank)
        if line is None or not any(text in line for text in texts):
            problems.append(f"device {rank} does not report '{' or '.join(texts)}' "
                            f"(got {line!r})")
    if run.elapsed > limit:
        problems.append(f"took {run.elapsed:.1f} s, limit {limit:.1f} s")
    if os.path.exists(run.output):
        problems.append("an output file was written")
    if problems:
        print(stderr, file=sys.stderr)
        raise SystemExit(f"{name}: " + "; ".join(problems))
    said = [device_error(stderr, r).split(": ", 1)[1] for r in errors]
    print(f"{name}: ok in {run.elapsed:.1f} s; {first} failed first; "
          + "; ".join(said) + "; no process left behind")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("other_outdir")
    parser.add_argument("input")
    parser.add_argument("--timeout", type=float, default=2)
    parser.add_argument("--work", required=True)
    parser.add_argument("--case", action="append")
    args = parser.parse_args()
    t = args.timeout
    ts = f"{t:g} s"
    # Every device's detection is bounded by its timeout, and the driver gives
    # the others its timeout to say so: two timeouts and a margin.
    limit = 2 * t + 4
    with open(os.path.join(args.outdir, "cluster.json")) as f:
        cluster = json.load(f)
    port0 = cluster["devices"][0]["port"]

    def fresh(name):
        d = os.path.join(args.work, name)
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(args.outdir, d, symlinks=True)
        return d

    def proxied(name, mode, first, errors, summary=None):
        d = fresh(name)
        install_fault(d, mode)
        run = Run(d, args.input, t)
        check(name, run, run.finish(limit + 10), first, errors, limit, summary)

    def killed_before_handshake():
        proxied("killed-before-handshake", "before-handshake",
                "device 1 (pi1)",
                {0: f"timed out after {ts} waiting for device 1 (pi1) to connect"})

    def killed_mid_transfer():
        # Device 0 notices the loss on its read of the cut frame, or first on a write
        # of its own to the dead peer (its sends run in the background): either way
        # it names the peer it lost.
        proxied("killed-mid-transfer", "mid-transfer", "device 1 (pi1)",
                {0: ("lost connection to device 1 (pi1) while waiting for tag",
                     "lost connection to device 1 (pi1) while sending tag")},
                summary="device 0 (pi0) exited with status 3 (lost a peer)")

    def killed_after_last_send():
        # Device 0 may notice the loss and exit before sepnn run reaps the killed
        # one; the device killed by a signal is blamed all the same.
        proxied("killed-after-last-send", "after-last-send", "device 1 (pi1)",
                {0: "lost connection to device 1 (pi1) after its last transfer "
                    "(no goodbye)"},
                summary="device 0 (pi0) exited with status 3 (lost a peer)")

    def never_starts():
        proxied("never-starts", "never-start", "device 0 (pi0)",
                {0: f"timed out after {ts} waiting for device 1 (pi1) to connect"})

    def corrupted_frame():
        # Device 1 may exit first (it only has to notice the closed connection):
        # its status says it lost a peer, so device 0 is blamed all the same.
        proxied("corrupted-frame", "corrupt", "device 0 (pi0)",
                {0: "bad data from device 1 (pi1) while waiting for tag",
                 1: "lost connection to device 0 (pi0)"},
                summary="device 1 (pi1) exited with status 3 (lost a peer)")
        # (device 0's message goes on: "frame checksum mismatch for tag N")

    def missing_executable():
        d = fresh("missing-executable")
        os.remove(os.path.join(d, "device_1", "device_1"))
        run = Run(d, args.input, t)
        stderr = run.finish(limit)
        text = "device 1 (pi1): "
        if run.proc.returncode == 0 or text not in stderr or "cannot execute" not in stderr:
            raise SystemExit(f"missing-executable: unexpected: {stderr}")
        print(f"missing-executable: ok in {run.elapsed:.1f} s; "
              f"{stderr.strip().splitlines()[-1]}; no process left behind")

    def stalled_peer():
        d = fresh("stalled-peer")
        run = Run(d, args.input, t, repeat=1000000)
        devices = run.devices(2)
        time.sleep(1.0)  # some inferences done
        victim = devices[1]
        with open(f"/proc/{victim}/cmdline") as f:
            if not f.read().split("\0")[0].endswith("device_1"):
                raise SystemExit("stalled-peer: child 1 is not device_1")
        os.kill(victim, signal.SIGSTOP)
        run.started = time.time()
        # The stop may land between frames or in the middle of one.
        check("stalled-peer", run, run.finish(limit + 10), "device 0 (pi0)",
              {0: (f"timed out after {ts} waiting for tag",
                   f"timed out after {ts} in the middle of a message")}, limit)

    def another_model():
        d = fresh("another-model")
        for f in ("device_1", "weights.bin"):
            shutil.copy(os.path.join(args.other_outdir, "device_1", f),
                        os.path.join(d, "device_1", f))
        run = Run(d, args.input, t)
        stderr = run.finish(limit)
        first = "device 1 (pi1)" if "error: device 1 (pi1) failed first" in stderr \
            else "device 0 (pi0)"
        check("another-model", run, stderr, first,
              {0: "device 1 (pi1): model hash mismatch",
               1: "device 0 (pi0): model hash mismatch"}, limit)

    def port_in_use():
        d = fresh("port-in-use")
        squatter = socket.socket()
        # The port may still be in TIME_WAIT from the previous case.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port0))
        squatter.listen(1)
        try:
            run = Run(d, args.input, t)
            stderr = run.finish(limit)
        finally:
            squatter.close()
        check("port-in-use", run, stderr, "device 0 (pi0)",
              {0: f"cannot listen on 127.0.0.1:{port0}: Address already in use",
               1: f"device 0 (pi0): no handshake within {ts} (is it a sepnn device?)"},
              limit)

    def cluster_disagrees():
        d = fresh("cluster-disagrees")
        path = os.path.join(d, "cluster.json")
        renamed = json.loads(json.dumps(cluster))
        renamed["devices"][1]["name"] = "stranger"
        with open(path, "w") as f:
            json.dump(renamed, f)
        run = Run(d, args.input, t)
        stderr = run.finish(limit)
        want = (f"cluster.json: devices[1].name is 'stranger', but {d}/manifest.json "
                "was compiled with device 1 named 'pi1'")
        if run.proc.returncode == 0 or want not in stderr:
            raise SystemExit(f"cluster-disagrees: expected '{want}', got: {stderr}")
        bigger = json.loads(json.dumps(cluster))
        bigger["devices"].append(dict(cluster["devices"][1], name="pi2", port=port0 + 7))
        with open(path, "w") as f:
            json.dump(bigger, f)
        run = Run(d, args.input, t)
        stderr = run.finish(limit)
        want2 = f"cluster.json: lists 3 device(s), but {d}/manifest.json was compiled for 2"
        if run.proc.returncode == 0 or want2 not in stderr:
            raise SystemExit(f"cluster-disagrees: expected '{want2}', got: {stderr}")
        # A device started by hand with that cluster file refuses it too.
        dev = subprocess.run([os.path.join(d, "device_0", "device_0"), "--cluster", path],
                             capture_output=True, text=True, timeout=30)
        want3 = "lists 3 device(s), but the program was compiled for 2"
        if dev.returncode == 0 or want3 not in dev.stderr:
            raise SystemExit(f"cluster-disagrees: device_0 said: {dev.stderr}")
        print("cluster-disagrees: ok; sepnn run refuses a renamed device and a third "
              "device before starting any; device_0 refuses it too")

    cases = {
        "killed-before-handshake": killed_before_handshake,
        "killed-mid-transfer": killed_mid_transfer,
        "killed-after-last-send": killed_after_last_send,
        "never-starts": never_starts,
        "missing-executable": missing_executable,
        "stalled-peer": stalled_peer,
        "corrupted-frame": corrupted_frame,
        "another-model": another_model,
        "port-in-use": port_in_use,
        "cluster-disagrees": cluster_disagrees,
    }
    for name in args.case or cases:
        cases[name]()
    print("all fault cases passed")


if __name__ == "__main__":
    main()
