#!/usr/bin/python3
"""Exports a torchvision model with seeded random weights, with an input and
PyTorch's output, for sepnn.

Usage: export_torchvision.py MODEL OUTDIR [--seed N] [--size 224]

Writes OUTDIR/model.onnx (batch 1, NCHW), OUTDIR/input.pb and
OUTDIR/expected.pb (ONNX TensorProto files). No download: weights are random.
"""
import argparse
import os

import torch
import torchvision
from onnx import numpy_helper


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--opset", type=int, default=13)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model = getattr(torchvision.models, args.model)(weights=None)
    # Some default inits (googlenet's truncated normal with std 0.01) make
    # activations vanish, so the logits would be the last bias alone and a
    # comparison would prove little; He init keeps every layer alive.
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
    model.eval()
    x = torch.randn(1, 3, args.size, args.size)
    with torch.no_grad():
        y = model(x)
    os.makedirs(args.outdir, exist_ok=True)
    torch.onnx.export(model, x, os.path.join(args.outdir, "model.onnx"),
                      input_names=["input"], output_names=["logits"],
                      opset_version=args.opset)
    for name, tensor, label in (("input.pb", x, "input"),
                                ("expected.pb", y, "logits")):
        with open(os.path.join(args.outdir, name), "wb") as f:
            f.write(numpy_helper.from_array(tensor.numpy(), label).SerializeToString())


if __name__ == "__main__":
    main()
