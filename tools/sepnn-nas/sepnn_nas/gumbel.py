"""The differentiable variant of the search: per link and point, learnable logits over
the fractions; the supernet trains on straight-through Gumbel-softmax samples of them,
and the logits descend validation loss + the byte cost of the expected bytes (as the
ENAS reward's, in nats; alternating, as DARTS' first-order version). The policy is the
logits' argmax."""
import json
import math
import os
import time

import torch
import torch.nn.functional as F

from . import data, train
from .model import SeparableResNeXt
from .policy import FRACTIONS, Policy, channels_sent, decisions
from .progress import log
from .quantize import encoded_bytes


def soft_masks(supernet, probs):
    """Per exchange point, the merge mask in which channel c of sender s counts, in
    receiver r's merge, with the probability that the sampled fraction sends it."""
    cfg, masks, i = supernet.cfg, [], 0
    links = decisions(cfg)
    for p, b in enumerate(cfg.points()):
        c = cfg.channels(b)
        first = torch.arange(c)
        keep = torch.stack([(first < channels_sent(f, c)).float() for f in FRACTIONS])
        columns = {}
        while i < len(links) and links[i][0] == p:
            _, r, s = links[i]
            columns[(r, s)] = probs[i] @ keep
            i += 1
        masks.append(supernet.exchanges[p].assemble(columns))
    return masks


def option_bytes(cfg):
    """bytes[i][o]: what link decision i moves with fraction o, per inference."""
    out = []
    for p, r, s in decisions(cfg):
        b = cfg.points()[p]
        side, c = cfg.resolution(b), cfg.channels(b)
        out.append([encoded_bytes(channels_sent(f, c), side * side, "f32") for f in FRACTIONS])
    return torch.tensor(out, dtype=torch.float32)


def run_gumbel_search(cfg, splits, settings, workdir, tau=(5.0, 0.5)):
    """Returns (supernet, chosen Policy)."""
    train_split, val_split = splits
    torch.manual_seed(settings.seed)
    supernet = SeparableResNeXt(cfg)
    arch = torch.nn.Module()  # holds the logits, for the optimizer and the checkpoint
    arch.alpha = torch.nn.Parameter(torch.zeros(len(decisions(cfg)), len(FRACTIONS)))
    alpha = arch.alpha
    opt_w = train.make_optimizer(supernet.parameters(), 0.1)
    opt_a = torch.optim.Adam([alpha], lr=3e-2)
    costs = option_bytes(cfg)
    bytes_all = Policy.uniform(cfg, 1.0).bytes()
    ckpt = os.path.join(workdir, "gumbel.pt")
    start = train.resume(ckpt, supernet=supernet, arch=arch, opt_w=opt_w, opt_a=opt_a)
    steps_per_epoch = math.ceil(len(train_split) / train.BATCH)
    total = settings.epochs * steps_per_epoch
    for epoch in range(start, settings.epochs):
        # The temperature falls geometrically: soft early, nearly one-hot at the end.
        t = tau[0] * (tau[1] / tau[0]) ** (epoch / max(1, settings.epochs - 1))
        gen = torch.Generator().manual_seed(settings.seed * 1000 + epoch)
        val_gen = torch.Generator().manual_seed(settings.seed * 1000 + epoch + 1)
        supernet.train()
        started = time.time()
        step = epoch * steps_per_epoch
        for x, y in data.batches(train_split, train.BATCH, gen, augment=True):
            train.cosine_lr(opt_w, 0.1, step, total)
            with torch.no_grad():
                sample = F.gumbel_softmax(alpha, tau=t, hard=True)
            loss = F.cross_entropy(supernet(x, soft_masks(supernet, sample)), y)
            opt_w.zero_grad(set_to_none=True)
            loss.backward()
            opt_w.step()
            # The architecture step, on a validation batch.
            idx = torch.randint(0, len(val_split), (train.BATCH,), generator=val_gen)
            sample = F.gumbel_softmax(alpha, tau=t, hard=True)
            expected = (F.softmax(alpha, 1) * costs).sum()
            arch_loss = (F.cross_entropy(supernet(val_split.images[idx], soft_masks(supernet, sample)),
                                         val_split.labels[idx])
                         + settings.byte_cost_tensor(expected / bytes_all))
            opt_a.zero_grad()
            opt_w.zero_grad(set_to_none=True)
            arch_loss.backward()
            opt_a.step()
            step += 1
        policy = Policy.from_choices(cfg, alpha.argmax(1).tolist())
        log(f"gumbel search epoch {epoch + 1}/{settings.epochs}: tau {t:.2f}, argmax policy "
            f"{policy.bytes()} bytes, expected {float(expected):.0f} ({time.time() - started:.0f} s)")
        train.save(ckpt, {"supernet": supernet.state_dict(), "arch": arch.state_dict(),
                          "opt_w": opt_w.state_dict(), "opt_a": opt_a.state_dict(),
                          "epoch": epoch + 1})
    with open(os.path.join(workdir, "gumbel_alpha.json"), "w") as f:
        json.dump(alpha.detach().tolist(), f)
    return supernet, Policy.from_choices(cfg, alpha.argmax(1).tolist())
