#!/usr/bin/env python3
"""Writes the wire_frame_fuzzer seeds (valid inputs of each mode) into argv[1].

Layout (see wire_frame_fuzzer.cpp): one mode byte, then
  0  handshake: u32 'SPNH' | u32 version | i32 sender | i32 receiver | u32 flags |
     16-byte nonce | u32 hash length | hash
  1  frame: the 40-byte header | payload | control bytes, which FuzzedDataProvider
     reads from the end: [same seq?, rank, (small dim?, dim) * rank, table entries,
     (same tag?, encoding, bytes from shape?) * entries]
  2  TensorProto bytes
Keep VERSION and the layouts in step with runtime/src/transport/wire.h.
"""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "seeds", "wire_frame_fuzzer")
os.makedirs(out, exist_ok=True)


def save(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


VERSION = 3  # wire::kVersion


def crc32c(data):
    """CRC-32C (Castagnoli), as runtime/src/transport/crc32c.h computes it."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def hello(sender, receiver, digest, flags=0, nonce=bytes(16)):
    return (struct.pack("<IIiiI", 0x484E5053, VERSION, sender, receiver, flags) + nonce +
            struct.pack("<I", len(digest)) + digest)


def header(kind, tag, seq, payload, encoding):
    return struct.pack("<IHHqQQII", 0x464E5053, VERSION, kind, tag, seq, len(payload),
                       crc32c(payload), encoding)


def control(shape, entries=1, same_seq=True):
    seq = [1 if same_seq else 0, len(shape)]
    for d in shape:
        seq += [1, d]
    seq.append(entries)
    for _ in range(entries):
        seq += [1, ENCODING, 1]
    return bytes(reversed(seq))


def f16(x):
    return struct.pack("<e", x)


save("hello-0-1", b"\x00" + hello(1, 0, b"3f2a9c01d4e5b6a7"))
save("hello-keyed", b"\x00" + hello(2, 1, b"9e1c", 1, bytes(range(7, 23))))
save("hello-no-hash", b"\x00" + hello(0, 2, b""))

ENCODING = 0
p = struct.pack("<4f", 1.0, -2.5, 0.0, 3.25)
save("frame-f32", b"\x01" + header(1, 7, 0, p, 0) + p + control([1, 2, 2]))
ENCODING = 1
p = b"".join(f16(v) for v in (1.0, -2.0, 0.5, 65504.0, 6e-8, 0.0))
save("frame-f16", b"\x01" + header(1, 3, 5, p, 1) + p + control([2, 3]))
ENCODING = 2
scales = struct.pack("<2f", 0.5, 0.25)
p = scales + bytes([1, 0x7F, 0x81, 0, 2, 3, 0xFE, 0xFF])
save("frame-int8", b"\x01" + header(1, 11, 2, p, 2) + p + control([1, 2, 2, 2]))
ENCODING = 0
save("frame-bye", b"\x01" + header(2, 0, 9, b"", 0) + control([], entries=0))
p = struct.pack("<2f", 1.0, 2.0)
save("frame-wrong-seq", b"\x01" + header(1, 4, 3, p, 0) + p + control([2], same_seq=False))


def varint(v):
    b = bytearray()
    while v >= 0x80:
        b.append((v & 0x7F) | 0x80)
        v >>= 7
    b.append(v)
    return bytes(b)


def tensor(dims, values, name=b"x", packed_floats=False):
    t = b""
    for d in dims:
        t += varint(1 << 3) + varint(d)
    t += varint(2 << 3) + varint(1)
    if packed_floats:
        body = struct.pack("<%df" % len(values), *values)
        t += varint((4 << 3) | 2) + varint(len(body)) + body
    t += varint((8 << 3) | 2) + varint(len(name)) + name
    if not packed_floats:
        body = struct.pack("<%df" % len(values), *values)
        t += varint((9 << 3) | 2) + varint(len(body)) + body
    return t


save("tensor-raw", b"\x02" + tensor([1, 3], [0.5, -1.0, 2.0]))
save("tensor-float-data", b"\x02" + tensor([2, 2], [1, 2, 3, 4], b"input", True))
save("tensor-scalar", b"\x02" + tensor([], [42.0], b""))
