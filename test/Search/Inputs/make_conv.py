#!/usr/bin/python3
"""Exports one convolution from PyTorch for the cost model's hand-computed
checks. By default a 3x3 convolution (8 -> 16 channels, padding 1) on a
1x8x8x8 input: 2 * 16*8*8 * 8*3*3 = 147,456 FLOPs, a 2,048-byte input and a
4,096-byte output.

Usage: make_conv.py OUTDIR [--in C] [--out M] [--size H] [--groups G] [--chain N]

--chain N: N such convolutions with a ReLU between (M -> M after the first).
"""
import argparse
import os

import torch

parser = argparse.ArgumentParser()
parser.add_argument("outdir")
parser.add_argument("--in", dest="cin", type=int, default=8)
parser.add_argument("--out", type=int, default=16)
parser.add_argument("--size", type=int, default=8)
parser.add_argument("--groups", type=int, default=1)
parser.add_argument("--chain", type=int, default=1)
args = parser.parse_args()

torch.manual_seed(0)
layers = [torch.nn.Conv2d(args.cin, args.out, 3, padding=1, groups=args.groups)]
for _ in range(args.chain - 1):
    layers += [torch.nn.ReLU(), torch.nn.Conv2d(args.out, args.out, 3, padding=1,
                                                groups=args.groups)]
conv = layers[0] if args.chain == 1 else torch.nn.Sequential(*layers)
x = torch.randn(1, args.cin, args.size, args.size)
os.makedirs(args.outdir, exist_ok=True)
torch.onnx.export(conv, x, os.path.join(args.outdir, "model.onnx"),
                  input_names=["input"], output_names=["output"], opset_version=13)
