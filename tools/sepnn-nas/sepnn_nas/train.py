"""Training and evaluation loops, with per-epoch checkpoints that a rerun resumes from."""
import math
import os
import time

import torch
import torch.nn.functional as F

from . import data
from .progress import log, progress

BATCH = 128


def evaluate(model, split, counts=None, compress=None, batch=500):
    """Accuracy (percent) of `model` on `split` with the given exchange counts."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in data.batches(split, batch):
            correct += (model(x, counts, compress).argmax(1) == y).sum().item()
    return 100.0 * correct / len(split)


def make_optimizer(params, lr, weight_decay=5e-4):
    return torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True,
                           weight_decay=weight_decay)


def cosine_lr(opt, base, step, total):
    lr = 0.5 * base * (1 + math.cos(math.pi * min(step, total) / total))
    for g in opt.param_groups:
        g["lr"] = lr


def train_steps(model, opt, batches, counts_for_step, base_lr, step, total_steps, desc,
                compress=None):
    """One pass over `batches`; counts_for_step(i) gives the exchange counts of batch i
    (a fixed policy, or one sampled per batch during the search). Returns the step."""
    model.train()
    bar = progress(batches, desc=desc, total=None)
    for x, y in bar:
        cosine_lr(opt, base_lr, step, total_steps)
        loss = F.cross_entropy(model(x, counts_for_step(step), compress), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        bar.set_postfix(loss=f"{loss.item():.3f}")
    return step


def fit(model, train, epochs, counts, seed, ckpt, desc, base_lr=0.1):
    """Trains `model` with a fixed policy for `epochs`, checkpointing after each one
    (a rerun with the same checkpoint path continues where it stopped)."""
    opt = make_optimizer(model.parameters(), base_lr)
    start = resume(ckpt, model=model, opt=opt)
    steps_per_epoch = math.ceil(len(train) / BATCH)
    total = epochs * steps_per_epoch
    for epoch in range(start, epochs):
        gen = torch.Generator().manual_seed(seed * 1000 + epoch)
        started = time.time()
        train_steps(model, opt, data.batches(train, BATCH, gen, augment=True),
                    lambda _: counts, base_lr, epoch * steps_per_epoch, total,
                    f"{desc} epoch {epoch + 1}/{epochs}")
        save(ckpt, {"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch + 1})
        log(f"{desc}: epoch {epoch + 1}/{epochs} in {time.time() - started:.0f} s")
    return model


def save(path, state):
    """Writes through a temporary file: an interrupted save never leaves a torn one."""
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def resume(path, **parts):
    """Loads a checkpoint that save() wrote into `parts` (its keys: objects with
    load_state_dict); returns the number of epochs it holds (0 when there is none)."""
    if not os.path.exists(path):
        return 0
    state = torch.load(path)
    for name, part in parts.items():
        part.load_state_dict(state[name])
    return state["epoch"]
