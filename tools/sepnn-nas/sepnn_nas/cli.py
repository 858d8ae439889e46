"""sepnn-nas search --devices K --out DIR [--tiny] ...   and   sepnn-nas evaluate DIR ..."""
import argparse
import json
import os
import sys
import time

import torch

from . import data, nas, plot, train
from .gumbel import run_gumbel_search
from .export import export, export_layerwise
from .model import Config, SeparableResNeXt
from .policy import Policy, layerwise_links
from .progress import log

# The headline experiment (docs/nas/README.md) and the tiny one CI runs end to end.
HEADLINE = dict(width=16, blocks=6, cardinality=4, epochs=5, search_epochs=4,
                controller_steps=60, finetune_epochs=3, seeds=2, candidates=10,
                train_limit=None, val_limit=None, test_limit=None, val_batch=500)
TINY = dict(width=4, blocks=3, cardinality=2, epochs=2, search_epochs=1,
            controller_steps=4, finetune_epochs=1, seeds=1, candidates=2,
            train_limit=4096, val_limit=256, test_limit=512, val_batch=128)


def parse(argv):
    ap = argparse.ArgumentParser(prog="sepnn-nas", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("search", help="train the rows of the experiment, search the "
                       "transmission policy, export the NAS model for sepnn")
    s.add_argument("--devices", type=int, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--tiny", action="store_true", help="a minutes-long configuration (CI)")
    for name, kind in (("width", int), ("blocks", int), ("cardinality", int),
                       ("epochs", int), ("search-epochs", int), ("controller-steps", int),
                       ("finetune-epochs", int), ("seeds", int), ("candidates", int),
                       ("train-limit", int), ("val-limit", int), ("test-limit", int),
                       ("val-batch", int)):
        s.add_argument("--" + name, type=kind, default=None)
    s.add_argument("--byte-weight", type=float, default=0.02,
                   help="reward lost per exchange-everything of bytes (default 0.02: "
                        "moving nothing is worth 2 points of validation accuracy)")
    s.add_argument("--byte-budget", type=float, default=0.134,
                   help="bytes, as a fraction of exchange-everything's, above which every "
                        "byte costs --over-budget-weight more (default 0.134: the paper's "
                        "86.6%% reduction)")
    s.add_argument("--over-budget-weight", type=float, default=1.0,
                   help="reward lost per exchange-everything of bytes above the budget")
    s.add_argument("--seed", type=int, default=0, help="seed of the search (and the first "
                   "training seed; seed i of a row uses seed + i)")
    s.add_argument("--threads", type=int, default=os.cpu_count())
    e = sub.add_parser("evaluate", help="compile DIR's model with sepnn, classify the test "
                       "images with the device executables, compare with PyTorch")
    e.add_argument("dir")
    e.add_argument("--sepnn", required=True, help="path of the sepnn driver")
    e.add_argument("--images", type=int, default=10000)
    e.add_argument("--base-port", type=int, default=27400)
    e.add_argument("--threads", type=int, default=os.cpu_count())
    return ap.parse_args(argv)


def settings(args):
    base = dict(TINY if args.tiny else HEADLINE)
    for key in base:
        value = getattr(args, key, None)
        if value is not None:
            base[key] = value
    for key in ("width", "blocks", "cardinality", "epochs", "seeds", "candidates", "val_batch"):
        if base[key] < 1:
            sys.exit(f"error: --{key.replace('_', '-')} must be at least 1")
    return base


def limited(split, n):
    return split if n is None else split.subset(min(n, len(split)))


def trained(row, cfg, counts, s, seed, splits, runs, init=None, lr=0.1, epochs=None):
    """Trains (or resumes) one row's network for one seed; returns (model, accuracy)."""
    train_split, _, test_split = splits
    ckpt = os.path.join(runs, f"{row}_s{seed}.pt")
    torch.manual_seed(seed)
    net = SeparableResNeXt(cfg)
    if init is not None and not os.path.exists(ckpt):
        net.load_state_dict(init)
    train.fit(net, train_split, epochs or s["epochs"], counts, seed, ckpt,
              f"{row} seed {seed}", base_lr=lr)
    acc = train.evaluate(net, test_split, counts)
    log(f"{row} seed {seed}: test accuracy {acc:.2f}%")
    return net, acc


def row(name, accuracies, bytes_, bytes_all, bytes_layerwise, what):
    def reduction(ref):
        return None if ref is None else 1.0 - bytes_ / ref
    return {"name": name, "description": what,
            "accuracy": sum(accuracies) / len(accuracies), "accuracies": accuracies,
            "bytes_per_inference": bytes_,
            "reduction_vs_exchange_all": reduction(bytes_all),
            "reduction_vs_layerwise": reduction(bytes_layerwise)}


def search(args):
    s = settings(args)
    k = args.devices
    if k < 2:
        sys.exit("error: --devices must be at least 2 (one device has nothing to exchange)")
    torch.set_num_threads(max(1, args.threads))
    started = time.time()
    out = args.out
    runs = os.path.join(out, "runs")
    os.makedirs(runs, exist_ok=True)
    train_split, val_split, test_split = data.load()
    splits = (limited(train_split, s["train_limit"]), limited(val_split, s["val_limit"]),
              limited(test_split, s["test_limit"]))
    sep = Config(k, s["width"], s["blocks"], s["cardinality"])
    dense = Config(k, s["width"], s["blocks"], s["cardinality"], dense=True)
    seeds = [args.seed + i for i in range(s["seeds"])]
    everything = Policy.uniform(sep, 1.0)
    bytes_all = everything.bytes()
    bytes_layerwise = sum(layerwise_links(dense).values())

    dense_runs = [trained("dense", dense, None, s, seed, splits, runs) for seed in seeds]
    dense_acc = [acc for _, acc in dense_runs]
    all_acc = [trained("exchange_all", sep, everything.counts(), s, seed, splits, runs)[1]
               for seed in seeds]

    log_path = os.path.join(out, "search_log.jsonl")
    settings_ = nas.SearchSettings(s["search_epochs"], s["controller_steps"], s["val_batch"],
                                   s["candidates"], args.seed, args.byte_weight,
                                   args.byte_budget, args.over_budget_weight)
    supernet, chosen, candidates = nas.run_search(sep, splits[:2], settings_, runs, log_path)
    nas_models, nas_acc = [], []
    for seed in seeds:
        net, acc = trained("nas", sep, chosen.counts(), s, seed, splits, runs,
                           init=supernet.state_dict(), lr=0.05, epochs=s["finetune_epochs"])
        nas_models.append(net)
        nas_acc.append(acc)
    compressed = {dtype: [train.evaluate(net, splits[2], chosen.counts(), dtype)
                          for net in nas_models] for dtype in ("f16", "int8")}
    # The differentiable variant, fine-tuned the same way, for comparison.
    g_supernet, g_chosen = run_gumbel_search(sep, splits[:2], settings_, runs)
    g_acc = [trained("nas_gumbel", sep, g_chosen.counts(), s, seed, splits, runs,
                     init=g_supernet.state_dict(), lr=0.05, epochs=s["finetune_epochs"])[1]
             for seed in seeds]

    rows = [
        row("dense", dense_acc, 0, None, None,
            "the unsplit network (1x1 convolutions dense), on one device"),
        row("layerwise", dense_acc, bytes_layerwise, bytes_all, bytes_layerwise,
            "the same network split layer by layer by output channels over the devices "
            "(all-gather before each dense 1x1 convolution)"),
        row("exchange_all", all_acc, bytes_all, bytes_all, bytes_layerwise,
            "the separable network, every device sending all its channels to every other "
            "at every exchange point"),
        row("nas", nas_acc, chosen.bytes(), bytes_all, bytes_layerwise,
            "the separable network with the searched transmission policy, fine-tuned"),
        row("nas_f16", compressed["f16"], chosen.bytes("f16"), bytes_all, bytes_layerwise,
            "the NAS policy with its exchanges sent as f16"),
        row("nas_int8", compressed["int8"], chosen.bytes("int8"), bytes_all, bytes_layerwise,
            "the NAS policy with its exchanges sent as int8 (one f32 scale per channel)"),
        row("nas_gumbel", g_acc, g_chosen.bytes(), bytes_all, bytes_layerwise,
            "the differentiable (Gumbel-softmax) search's policy, fine-tuned the same way"),
    ]
    sample = splits[2].images[:1]
    export(nas_models[0], chosen, os.path.join(out, "model.onnx"),
           {"f32": os.path.join(out, "policy.json"),
            "f16": os.path.join(out, "policy_f16.json"),
            "int8": os.path.join(out, "policy_int8.json")},
           sample, os.path.join(out, "sample.pb"), os.path.join(out, "sample_ref.pb"))
    os.makedirs(os.path.join(out, "layerwise"), exist_ok=True)
    export_layerwise(dense_runs[0][0], os.path.join(out, "layerwise", "model.onnx"),
                     os.path.join(out, "layerwise", "policy.json"))
    results = {
        "rows": rows,
        "devices": k,
        "config": sep.to_json(),
        "settings": {**s, "byte_weight": args.byte_weight, "byte_budget": args.byte_budget,
                     "over_budget_weight": args.over_budget_weight, "seed": args.seed,
                     "seeds_used": seeds, "tiny": args.tiny},
        "policy": chosen.to_json(),
        "policy_links": chosen.describe(),
        "gumbel_policy": g_chosen.to_json(),
        "gumbel_policy_links": g_chosen.describe(),
        "candidates": candidates,
        "test_images": len(splits[2]),
        "seconds": round(time.time() - started, 1),
    }
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    plot.pareto(log_path, candidates, rows, os.path.join(out, "pareto.png"))
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(plot.table(rows))
    print(plot.table(rows))
    print("policy:\n  " + "\n  ".join(chosen.describe()))
    print("differentiable search's policy:\n  " + "\n  ".join(g_chosen.describe()))
    print(f"wrote {out}/model.onnx, policy.json, sample.pb, sample_ref.pb, results.json, "
          f"pareto.png ({results['seconds']:.0f} s)")


def main(argv=None):
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.command == "search":
        search(args)
    else:
        from .evaluate import evaluate
        evaluate(args)
