"""sepnn-nas evaluate DIR --sepnn PATH: compile DIR/model.onnx with DIR/policy.json,
classify the test images with the distributed executables (`sepnn run --inputs`),
and compare with PyTorch's predictions of the same trained network, image by image."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import data
from .export import INPUT, write_tensor
from .model import Config, SeparableResNeXt
from .policy import Policy

TOLERANCE_PP = 0.05  # the bound on compiled vs PyTorch accuracy


def run(cmd):
    print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode:
        sys.exit(f"error: {cmd[0]} {cmd[1]} failed:\n{proc.stdout}")
    return proc.stdout


def evaluate(args):
    torch.set_num_threads(max(1, args.threads))
    d = args.dir
    results_path = os.path.join(d, "results.json")
    try:
        with open(results_path) as f:
            results = json.load(f)
        cfg = Config.from_json(results["config"])
        policy = Policy(cfg, results["policy"]["fractions"])
        seed = results["settings"]["seeds_used"][0]
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"error: {results_path}: {e} (run sepnn-nas search first)")
    net = SeparableResNeXt(cfg)
    net.load_state_dict(torch.load(os.path.join(d, "runs", f"nas_s{seed}.pt"))["model"])
    net.eval()
    _, _, test = data.load()
    n = min(args.images, len(test))
    images, labels = test.images[:n], test.labels[:n].numpy()
    with torch.no_grad():
        torch_logits = torch.cat([net(images[i:i + 500], policy.counts())
                                  for i in range(0, n, 500)]).numpy()

    work = os.path.join(d, "eval")
    inputs, outputs, build = (os.path.join(work, x) for x in ("inputs", "outputs", "build"))
    shutil.rmtree(inputs, ignore_errors=True)  # `sepnn run --inputs` takes every input_<n>
    os.makedirs(inputs)
    for i in range(n):
        write_tensor(os.path.join(inputs, f"input_{i}.pb"), images[i:i + 1].numpy(), INPUT)
    run([args.sepnn, "compile", os.path.join(d, "model.onnx"), "--devices",
         str(cfg.devices), "--base-port", str(args.base_port), "--policy",
         os.path.join(d, "policy.json"), "-o", build])
    report = os.path.join(work, "run.json")
    print(run([args.sepnn, "run", build, "--inputs", inputs, "-o", outputs,
               "--report", report]), file=sys.stderr)
    with open(report) as f:
        run_report = json.load(f)
    compiled = np.stack([numpy_helper.to_array(onnx.load_tensor(
        os.path.join(outputs, f"output_{i}.pb")))[0] for i in range(n)])

    acc_torch = 100.0 * float((torch_logits.argmax(1) == labels).mean())
    acc_compiled = 100.0 * float((compiled.argmax(1) == labels).mean())
    check = {
        "images": n,
        "pytorch_accuracy": acc_torch,
        "compiled_accuracy": acc_compiled,
        "difference_pp": acc_compiled - acc_torch,
        "predictions_that_differ": int((compiled.argmax(1) != torch_logits.argmax(1)).sum()),
        "max_abs_logit_difference": float(np.abs(compiled - torch_logits).max()),
        "bytes_per_inference": run_report["bytes_per_inference"],
        "policy_bytes_per_inference": policy.bytes(),
        "manifest_bytes_match": run_report["manifest_bytes_match"],
        "latency_ms": run_report["latency_ms"],
    }
    with open(os.path.join(d, "deploy_check.json"), "w") as f:
        json.dump(check, f, indent=1)
    print(json.dumps(check, indent=1))
    problems = []
    if abs(check["difference_pp"]) > TOLERANCE_PP:
        problems.append(f"accuracy differs by {check['difference_pp']:.3f} pp")
    if check["bytes_per_inference"] != check["policy_bytes_per_inference"]:
        problems.append(f"the devices sent {check['bytes_per_inference']} bytes per inference, "
                        f"the policy says {check['policy_bytes_per_inference']}")
    if not check["manifest_bytes_match"]:
        problems.append("the devices' byte counters differ from the manifest")
    if problems:
        sys.exit("error: " + d + ": " + "; ".join(problems))
