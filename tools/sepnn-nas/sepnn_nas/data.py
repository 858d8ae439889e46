"""Fashion-MNIST from Debian's dataset-fashion-mnist, as normalized float tensors."""
import gzip
import os

import numpy as np
import torch

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530  # of the training images
CLASSES = 10


def _read_idx(path):
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise SystemExit(f"error: {path}: cannot read ({e}); "
                         "install it with: apt-get install dataset-fashion-mnist")
    magic = int.from_bytes(raw[:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08 or ndim not in (1, 3):
        raise SystemExit(f"error: {path}: not an IDX file of unsigned bytes")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise SystemExit(f"error: {path}: holds {data.size} values, its header says {dims}")
    return data.reshape(dims)


def normalize(images_u8):
    """uint8 N x 28 x 28 -> float N x 1 x 28 x 28, as the exported model expects."""
    x = torch.from_numpy(images_u8.astype(np.float32) / 255.0)
    return ((x - MEAN) / STD).unsqueeze(1)


class Split:
    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.labels)

    def subset(self, n):
        return Split(self.images[:n], self.labels[:n])


def load(data_dir=DATA_DIR, val_size=5000):
    """train (the first 60000 - val_size training images), val (the rest), test (10000)."""
    def part(prefix):
        images = _read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
        labels = _read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
        if len(images) != len(labels):
            raise SystemExit(f"error: {data_dir}: {prefix} has {len(images)} images "
                             f"but {len(labels)} labels")
        return normalize(images), torch.from_numpy(labels.astype(np.int64))
    x, y = part("train")
    tx, ty = part("t10k")
    n = len(y) - val_size
    return Split(x[:n], y[:n]), Split(x[n:], y[n:]), Split(tx, ty)


def batches(split, batch_size, generator=None, augment=False):
    """Minibatches, shuffled when a generator is given; augment: random 2-pixel shifts
    and horizontal flips (the same for the whole batch would bias it, so per image)."""
    n = len(split)
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for i in range(0, n, batch_size):
        idx = order[i:i + batch_size]
        x, y = split.images[idx], split.labels[idx]
        if augment:
            x = _augment(x, generator)
        yield x, y


def _augment(x, generator):
    b = x.shape[0]
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), value=-MEAN / STD)
    dx = torch.randint(0, 5, (b,), generator=generator)
    dy = torch.randint(0, 5, (b,), generator=generator)
    rows = (dy[:, None] + torch.arange(28)[None, :])  # b x 28
    cols = (dx[:, None] + torch.arange(28)[None, :])
    out = padded[:, 0][torch.arange(b)[:, None, None], rows[:, :, None], cols[:, None, :]]
    flip = torch.rand(b, generator=generator) < 0.5
    out[flip] = out[flip].flip(-1)
    return out.unsqueeze(1)
