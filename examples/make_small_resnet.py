#!/usr/bin/python3
"""Exports a small residual CNN from PyTorch, with an input and PyTorch's output.

Usage: make_small_resnet.py OUTDIR [--seed N] [--opset N]

Writes OUTDIR/model.onnx, OUTDIR/input.pb and OUTDIR/expected.pb (ONNX
TensorProto files, as in ONNX's backend test data). The network has every op
of the skeleton: conv, batch norm, relu, a residual add, max pool, global
average pool, flatten and gemm. Batch-norm statistics are randomized so that
folding them is actually exercised.
"""
import argparse
import os

import torch
import torch.nn as nn
from onnx import numpy_helper


class Block(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + x)


class SmallResNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.block1 = Block(16)
        self.widen = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.block2 = Block(32)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = self.pool(self.relu(self.bn(self.stem(x))))
        x = self.block1(x)
        x = self.relu(self.widen(x))
        x = self.block2(x)
        return self.fc(torch.flatten(self.gap(x), 1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--opset", type=int, default=13)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    model = SmallResNet()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    model.eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        y = model(x)
    os.makedirs(args.outdir, exist_ok=True)
    torch.onnx.export(model, x, os.path.join(args.outdir, "model.onnx"),
                      input_names=["input"], output_names=["logits"],
                      opset_version=args.opset,
                      # Keep BatchNormalization nodes: sepnn folds them itself.
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False)
    for name, tensor, label in (("input.pb", x, "input"),
                                ("expected.pb", y, "logits")):
        proto = numpy_helper.from_array(tensor.numpy(), label)
        with open(os.path.join(args.outdir, name), "wb") as f:
            f.write(proto.SerializeToString())


if __name__ == "__main__":
    main()
