"""Stands in for a device executable and injects one fault into its run.

Usage: fault_device.py --mode MODE --real DEVICE_EXE -- DEVICE_ARGS...

faults.py installs a two-line shell script in place of device_1/device_1 that
execs this file, so `sepnn run` starts it like any device. Modes:
  before-handshake   dies by SIGKILL before it ever connects;
  never-start        never starts the device (sleeps until stopped);
  mid-transfer       runs the real device behind a TCP proxy that forwards the
                     handshake and half of its first data frame, then kills it;
  after-last-send    the same proxy kills the device when its goodbye frame
                     arrives, i.e. after every data frame was delivered;
  corrupt            the proxy flips one payload bit of the first data frame.
The proxy parses the keyless handshake only (no cluster key: the hello, then frames).
The proxy sits between this device (rank 1) and device 0: the real device gets a
copy of the cluster file in which device 0's port is the proxy's. The real
device dies with this process (PR_SET_PDEATHSIG), and this process ends the way
the real device did (same exit status or signal), so `sepnn run` sees it.
"""
import argparse
import ctypes
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HELLO_FIXED = 40  # runtime/src/transport/wire.h: kHelloFixed
HEADER = struct.Struct("<IHHqQQII")  # magic version kind tag seq length crc encoding
DATA, BYE = 1, 2


def die_with_parent():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def sever(*socks):
    """Ends both directions, as a reset connection would for a direct peer: a
    socket blocked in recv() on another thread wakes up (close() alone would not)."""
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def recv_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


class Proxy:
    """Forwards one connection from the real device to device 0, faulting it."""

    def __init__(self, mode, upstream, device):
        self.mode, self.upstream, self.device = mode, upstream, device
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.corrupted = False

    def kill_device(self, *socks):
        self.device.send_signal(signal.SIGKILL)
        for s in socks:
            s.close()

    def run(self):
        self.listener.settimeout(60)
        client, _ = self.listener.accept()
        server = socket.create_connection(self.upstream, timeout=60)
        server.settimeout(None)
        client.settimeout(None)
        threading.Thread(target=self.pump_down, args=(server, client),
                         daemon=True).start()
        self.pump_up(client, server)

    def pump_down(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
        except OSError:  # e.g. device 0 reset the connection: device 1 must see it
            return sever(src, dst)

    def pump_up(self, src, dst):
        try:
            hello = recv_exact(src, HELLO_FIXED)
            if hello is None:
                return
            (hash_len,) = struct.unpack_from("<I", hello, HELLO_FIXED - 4)
            dst.sendall(hello + recv_exact(src, hash_len))
            while True:
                header = recv_exact(src, HEADER.size)
                if header is None:
                    dst.shutdown(socket.SHUT_WR)
                    return
                _, _, kind, _, _, length, _, _ = HEADER.unpack(header)
                if kind == BYE and self.mode == "after-last-send":
                    return self.kill_device(src, dst)
                payload = bytearray(recv_exact(src, length) or b"")
                if kind == DATA and length and self.mode == "mid-transfer":
                    dst.sendall(header + payload[: length // 2])
                    return self.kill_device(src, dst)
                if (kind == DATA and length and self.mode == "corrupt"
                        and not self.corrupted):
                    payload[length // 2] ^= 0x01
                    self.corrupted = True
                dst.sendall(header + payload)
        except OSError:
            return sever(src, dst)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True,
                        choices=["before-handshake", "never-start", "mid-transfer",
                                 "after-last-send", "corrupt"])
    parser.add_argument("--real", required=True)
    parser.add_argument("device_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    device_args = [a for a in args.device_args if a != "--"]

    if args.mode == "before-handshake":
        os.kill(os.getpid(), signal.SIGKILL)
    if args.mode == "never-start":
        while True:
            time.sleep(1)

    i = device_args.index("--cluster")
    with open(device_args[i + 1]) as f:
        cluster = json.load(f)
    upstream = (cluster["devices"][0]["host"], cluster["devices"][0]["port"])
    device = None
    proxy = Proxy(args.mode, upstream, None)
    cluster["devices"][0]["port"] = proxy.port
    fd, proxied = tempfile.mkstemp(suffix=".json", prefix="fault-cluster-")
    with os.fdopen(fd, "w") as f:
        json.dump(cluster, f)
    device_args[i + 1] = proxied
    device = subprocess.Popen([args.real] + device_args, preexec_fn=die_with_parent)
    proxy.device = device
    threading.Thread(target=proxy.run, daemon=True).start()
    rc = device.wait()
    os.unlink(proxied)
    sys.stdout.flush()
    sys.stderr.flush()
    if rc < 0:
        os.kill(os.getpid(), -rc)
    sys.exit(rc)


if __name__ == "__main__":
    main()
