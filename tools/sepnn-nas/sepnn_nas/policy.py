"""Transmission policies of a separable network and the bytes they move per inference.

A policy holds, for every exchange point p, receiver k and sender j != k, the fraction of
its channels that j sends k: 0 (no link) or 50% to 100% in steps of 25%. A sender always
sends its leading channels, so a receiver's merge reads channels [0, n) of the sender.
Byte counts follow sepnn's partitioner: the image goes from device 0 (which holds the
model input) to every device's stem, and each device's pooled features to device 0's
classifier.
"""
import itertools

from .quantize import encoded_bytes
from .model import STEM_SIDE

FRACTIONS = (0.0, 0.5, 0.75, 1.0)
IMAGE_PIXELS = 28 * 28


def channels_sent(fraction, channels):
    """Leading channels a sender with `channels` sends at `fraction`."""
    return int(round(fraction * channels))


def _add(links, sender, receiver, nbytes):
    if nbytes:
        key = f"{sender}->{receiver}"
        links[key] = links.get(key, 0) + nbytes


class Policy:
    def __init__(self, cfg, fractions):
        self.cfg = cfg
        self.fractions = [[list(map(float, row)) for row in point] for point in fractions]
        k = cfg.devices
        if len(self.fractions) != len(cfg.points()):
            raise ValueError(f"policy has {len(self.fractions)} exchange points, "
                             f"the network has {len(cfg.points())}")
        for p, point in enumerate(self.fractions):
            if len(point) != k or any(len(row) != k for row in point):
                raise ValueError(f"exchange point {p}: expected a {k} x {k} matrix")
            for r, row in enumerate(point):
                for s, f in enumerate(row):
                    if f not in FRACTIONS or (r == s and f):
                        raise ValueError(f"exchange point {p}: receiver {r} sender {s}: "
                                         f"fraction {f} not allowed")

    @staticmethod
    def uniform(cfg, fraction):
        k = cfg.devices
        return Policy(cfg, [[[0.0 if r == s else fraction for s in range(k)] for r in range(k)]
                            for _ in cfg.points()])

    @staticmethod
    def from_choices(cfg, choices):
        """choices: one index into FRACTIONS per decision, in decisions(cfg) order."""
        k = cfg.devices
        fr = [[[0.0] * k for _ in range(k)] for _ in cfg.points()]
        for (p, r, s), c in zip(decisions(cfg), choices):
            fr[p][r][s] = FRACTIONS[c]
        return Policy(cfg, fr)

    def counts(self):
        """Per point, counts[k][j]: leading channels j sends k."""
        out = []
        for p, b in enumerate(self.cfg.points()):
            c = self.cfg.channels(b)
            out.append([[channels_sent(f, c) for f in row] for row in self.fractions[p]])
        return out

    def links(self, dtype="f32"):
        """Bytes per inference on each link "j->k" (sepnn's manifest keys)."""
        cfg, k = self.cfg, self.cfg.devices
        links = {}
        for r in range(1, k):
            _add(links, 0, r, 4 * IMAGE_PIXELS)
        for b, counts in zip(cfg.points(), self.counts()):
            side = cfg.resolution(b)
            for r, row in enumerate(counts):
                for j, n in enumerate(row):
                    _add(links, j, r, encoded_bytes(n, side * side, dtype))
        for j in range(1, k):
            _add(links, j, 0, 4 * cfg.channels(cfg.blocks - 1))
        return links

    def bytes(self, dtype="f32"):
        return sum(self.links(dtype).values())

    def to_json(self):
        return {"fractions": self.fractions}

    def describe(self):
        """One line per exchange point: the links it keeps."""
        lines = []
        for p, point in enumerate(self.fractions):
            kept = [f"{s}->{r}:{int(f * 100)}%" for r, row in enumerate(point)
                    for s, f in enumerate(row) if f]
            lines.append(f"after block {self.cfg.points()[p]}: " + (" ".join(kept) or "none"))
        return lines


def decisions(cfg):
    """(point, receiver, sender) of every choice the search makes, in order."""
    k = cfg.devices
    return [(p, r, s) for p in range(len(cfg.points()))
            for r, s in itertools.product(range(k), range(k)) if r != s]


def layerwise_links(cfg):
    """Bytes per link of the dense network split layer by layer: every convolution by
    output channels, evenly over all devices (grouped 3x3 convolutions on whole groups,
    so they need nothing), an all-gather before each dense 1x1 convolution, and the
    classifier on device 0."""
    k = cfg.devices
    links = {}

    def all_gather(channels_per_device, side):
        for j in range(k):
            for r in range(k):
                if j != r:
                    _add(links, j, r, 4 * channels_per_device * side * side)
    for r in range(1, k):
        _add(links, 0, r, 4 * IMAGE_PIXELS)
    cin, side_in = cfg.width, STEM_SIDE
    for b in range(cfg.blocks):
        all_gather(cin, side_in)  # conv1 (and the shortcut conv) read the block input
        all_gather(cfg.channels(b), cfg.resolution(b))  # conv3 reads conv2's output
        cin, side_in = cfg.channels(b), cfg.resolution(b)
    for j in range(1, k):
        _add(links, j, 0, 4 * cin)
    return links
