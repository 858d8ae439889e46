"""The Separable ResNeXt family: K devices, each owning a channel slice of every layer.

Within a block nothing crosses devices: 1x1 convolutions are grouped by device (dense in
the unsplit reference network), 3x3 convolutions are grouped inside each device's slice.
Between blocks sit exchange points; a policy (policy.py) says, per point, how many of its
leading channels each device sends to each other device. A receiver merges what it gets
with a learned 1x1 convolution added to its own features (zero-initialized, so a link
starts as "nothing sent"). Training runs all devices at once as grouped convolutions; the
exchange is one 1x1 convolution whose weight is masked block by block to the policy.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import quantize


class Config:
    def __init__(self, devices, width=16, blocks=6, cardinality=4, dense=False):
        if devices < 1 or width < 1 or blocks < 1:
            raise ValueError("devices, width and blocks must be positive")
        if width % cardinality:
            raise ValueError(f"width {width} is not a multiple of cardinality {cardinality}")
        self.devices, self.width, self.blocks = devices, width, blocks
        self.cardinality, self.dense = cardinality, dense

    def stage(self, b):
        return b * 3 // self.blocks  # three stages: 14x14, 7x7, 4x4

    def channels(self, b):
        """Channels per device of block b's output."""
        return self.width * 2 ** self.stage(b)

    def stride(self, b):
        return 2 if b > 0 and self.stage(b) != self.stage(b - 1) else 1

    def resolution(self, b):
        """Side of block b's output feature map (28x28 input, a stride-2 stem)."""
        side = STEM_SIDE
        for i in range(b + 1):
            side = (side + self.stride(i) - 1) // self.stride(i)
        return side

    def points(self):
        """Exchange points: after every block but the last (the head gathers that one)."""
        return [] if self.dense else list(range(self.blocks - 1))

    def to_json(self):
        return {"devices": self.devices, "width": self.width, "blocks": self.blocks,
                "cardinality": self.cardinality, "dense": self.dense}

    @staticmethod
    def from_json(j):
        return Config(j["devices"], j["width"], j["blocks"], j["cardinality"], j["dense"])


STEM_STRIDE = 2  # 28x28 images: the blocks start at 14x14 (a quarter of the work)
STEM_SIDE = (28 + STEM_STRIDE - 1) // STEM_STRIDE


def conv_bn(cin, cout, k, stride, groups):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class Block(nn.Module):
    """ResNeXt bottleneck over all devices at once (grouped so devices stay apart)."""

    def __init__(self, cfg, cin, cout, stride):
        super().__init__()
        k = cfg.devices
        pointwise = 1 if cfg.dense else k
        self.conv1 = conv_bn(k * cin, k * cout, 1, 1, pointwise)
        self.conv2 = conv_bn(k * cout, k * cout, 3, stride, k * cfg.cardinality)
        self.conv3 = conv_bn(k * cout, k * cout, 1, 1, pointwise)
        self.shortcut = (conv_bn(k * cin, k * cout, 1, stride, pointwise)
                         if stride != 1 or cin != cout else None)

    def forward(self, x):
        y = F.relu(self.conv1(x))
        y = F.relu(self.conv2(y))
        y = self.conv3(y)
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class Exchange(nn.Module):
    """Receiver k adds merge_k(what the others sent) to its own features. weight is
    (K*C) x (K*C): block (k, j) maps sender j's channels to receiver k's."""

    def __init__(self, devices, channels):
        super().__init__()
        n = devices * channels
        self.devices, self.channels = devices, channels
        self.weight = nn.Parameter(torch.zeros(n, n, 1, 1))
        self.bias = nn.Parameter(torch.zeros(n))

    def assemble(self, columns):
        """The merge weight's mask from columns[(k, j)]: the weight (1 sent, 0 not, or a
        probability) of each of sender j's channels in receiver k's merge; links not
        listed (and the diagonal) are 0."""
        c = self.channels
        zero = torch.zeros(c)
        return torch.cat([torch.cat([columns.get((k, j), zero).expand(c, c)
                                     for j in range(self.devices)], 1)
                          for k in range(self.devices)], 0)

    def mask(self, counts):
        """counts[k][j]: leading channels j sends k (0: no link; the diagonal is 0)."""
        first = torch.arange(self.channels)
        return self.assemble({(k, j): (first < n).float() for k, row in enumerate(counts)
                              for j, n in enumerate(row) if j != k and n})

    def forward(self, x, counts, compress=None):
        """counts: the matrix of mask(), or a mask already made (the differentiable
        search's soft one, entries in [0, 1])."""
        mask = counts if torch.is_tensor(counts) else self.mask(counts)
        # A receiver that gets nothing adds nothing, not even its bias.
        received = mask.amax(1)
        if not bool((received > 0).any()):
            return x
        sent = quantize.emulate(x, compress)
        w = self.weight * mask[:, :, None, None]
        return x + F.conv2d(sent, w, self.bias * received)


class SeparableResNeXt(nn.Module):
    def __init__(self, cfg, classes=10):
        super().__init__()
        self.cfg = cfg
        k = cfg.devices
        self.stem = conv_bn(1, k * cfg.width, 3, STEM_STRIDE, 1)  # each device convolves the image
        blocks, exchanges = [], []
        cin = cfg.width
        for b in range(cfg.blocks):
            blocks.append(Block(cfg, cin, cfg.channels(b), cfg.stride(b)))
            cin = cfg.channels(b)
        for b in cfg.points():
            exchanges.append(Exchange(k, cfg.channels(b)))
        self.blocks = nn.ModuleList(blocks)
        self.exchanges = nn.ModuleList(exchanges)
        self.fc = nn.Linear(k * cin, classes)

    def forward(self, x, counts=None, compress=None):
        """counts: per exchange point, the counts matrix of Exchange.mask (None: the
        dense network, or a separable one that never exchanges)."""
        x = F.relu(self.stem(x))
        for b, block in enumerate(self.blocks):
            x = block(x)
            if counts is not None and b < len(self.exchanges):
                x = self.exchanges[b](x, counts[b], compress)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)
