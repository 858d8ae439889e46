"""The search: a weight-sharing supernet trained under policies the controller samples,
the controller trained by REINFORCE on validation accuracy and transmitted bytes, and
the final choice among the controller's best samples on the whole validation set."""
import json
import math
import os
import time

import torch

from . import data, train
from .controller import Controller, Reinforce
from .model import SeparableResNeXt
from .policy import Policy, decisions
from .progress import log, progress


class SearchSettings:
    def __init__(self, epochs, controller_steps, val_batch, candidates, seed,
                 byte_weight, byte_budget, over_budget_weight):
        self.epochs, self.controller_steps, self.val_batch = epochs, controller_steps, val_batch
        self.candidates, self.seed = candidates, seed
        self.byte_weight, self.byte_budget = byte_weight, byte_budget
        self.over_budget_weight = over_budget_weight

    def byte_cost(self, ratio):
        """What moving `ratio` of exchange-everything's bytes costs: byte_weight per
        whole, and over_budget_weight more for the part above the budget."""
        return (self.byte_weight * ratio
                + self.over_budget_weight * max(0.0, ratio - self.byte_budget))

    def byte_cost_tensor(self, ratio):
        """byte_cost of a differentiable ratio (the Gumbel search's expected bytes)."""
        return (self.byte_weight * ratio
                + self.over_budget_weight * torch.clamp(ratio - self.byte_budget, min=0))


def reward(accuracy, bytes_, bytes_all, settings):
    """Accuracy (a fraction) minus the byte cost."""
    return accuracy / 100.0 - settings.byte_cost(bytes_ / bytes_all)


def run_search(cfg, splits, settings, workdir, log_path):
    """Returns (supernet, chosen Policy, the candidates' full-validation figures)."""
    train_split, val_split = splits
    torch.manual_seed(settings.seed)
    supernet = SeparableResNeXt(cfg)
    controller = Controller(len(decisions(cfg)))
    reinforce = Reinforce(controller)
    opt = train.make_optimizer(supernet.parameters(), 0.1)
    bytes_all = Policy.uniform(cfg, 1.0).bytes()
    ckpt = os.path.join(workdir, "search.pt")
    start = train.resume(ckpt, supernet=supernet, controller=controller, reinforce=reinforce,
                         opt=opt)
    steps_per_epoch = math.ceil(len(train_split) / train.BATCH)
    total = settings.epochs * steps_per_epoch
    val_gen = torch.Generator().manual_seed(settings.seed + 7)

    def sampled_counts(_):
        with torch.no_grad():
            choices, _, _ = controller.sample()
        return Policy.from_choices(cfg, choices).counts()

    for epoch in range(start, settings.epochs):
        gen = torch.Generator().manual_seed(settings.seed * 1000 + epoch)
        started = time.time()
        train.train_steps(supernet, opt, data.batches(train_split, train.BATCH, gen, augment=True),
                          sampled_counts, 0.1, epoch * steps_per_epoch, total,
                          f"search epoch {epoch + 1}/{settings.epochs}: supernet")
        supernet.eval()
        entries = []
        for step in progress(range(settings.controller_steps),
                             f"search epoch {epoch + 1}/{settings.epochs}: controller"):
            choices, logp, entropy = controller.sample()
            policy = Policy.from_choices(cfg, choices)
            idx = torch.randint(0, len(val_split), (settings.val_batch,), generator=val_gen)
            with torch.no_grad():
                pred = supernet(val_split.images[idx], policy.counts()).argmax(1)
            acc = 100.0 * (pred == val_split.labels[idx]).float().mean().item()
            r = reward(acc, policy.bytes(), bytes_all, settings)
            reinforce.update(logp, entropy, r)
            entries.append({"epoch": epoch + 1, "step": step + 1, "val_batch_accuracy": acc,
                            "bytes_per_inference": policy.bytes(), "reward": r,
                            "fractions": policy.fractions})
        log(f"search epoch {epoch + 1}/{settings.epochs}: mean reward "
            f"{sum(e['reward'] for e in entries) / len(entries):.4f}, mean bytes "
            f"{sum(e['bytes_per_inference'] for e in entries) / len(entries):.0f} "
            f"({time.time() - started:.0f} s)")
        # The log and the checkpoint advance together: a resumed search logs no step twice.
        with open(log_path, "a") as f:
            for e in entries:
                f.write(json.dumps(e) + "\n")
        train.save(ckpt, {"supernet": supernet.state_dict(), "controller": controller.state_dict(),
                          "reinforce": reinforce.state_dict(), "opt": opt.state_dict(),
                          "epoch": epoch + 1})

    # The choice: the controller's greedy policy and its samples, each measured on the
    # whole validation set with the shared weights. Made once: a resumed run fine-tunes
    # what it chose before.
    choice_path = os.path.join(workdir, "search_choice.json")
    if os.path.exists(choice_path):
        with open(choice_path) as f:
            saved = json.load(f)
        return supernet, Policy(cfg, saved["chosen"]), saved["candidates"]
    torch.manual_seed(settings.seed + 1)
    candidates, seen = [], set()
    with torch.no_grad():
        for i in range(settings.candidates + 1):
            choices, _, _ = controller.sample(greedy=(i == 0))
            if tuple(choices) not in seen:
                seen.add(tuple(choices))
                candidates.append(Policy.from_choices(cfg, choices))
    measured = []
    for policy in progress(candidates, "search: candidates on the validation set"):
        acc = train.evaluate(supernet, val_split, policy.counts())
        measured.append({"val_accuracy": acc, "bytes_per_inference": policy.bytes(),
                         "reward": reward(acc, policy.bytes(), bytes_all, settings),
                         "fractions": policy.fractions})
    best = max(range(len(measured)), key=lambda i: measured[i]["reward"])
    with open(choice_path + ".tmp", "w") as f:
        json.dump({"chosen": candidates[best].fractions, "candidates": measured}, f)
    os.replace(choice_path + ".tmp", choice_path)
    return supernet, candidates[best], measured
