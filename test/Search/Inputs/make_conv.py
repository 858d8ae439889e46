#!/usr/bin/python3
"""Exports one 3x3 convolution (8 -> 16 channels, padding 1) on a 1x8x8x8
input from PyTorch: 2 * 16*8*8 * 8*3*3 = 147,456 FLOPs, a 2,048-byte input
and a 4,096-byte output, for the cost model's hand-computed checks.

Usage: make_conv.py OUTDIR
"""
import os
import sys

import torch

torch.manual_seed(0)
conv = torch.nn.Conv2d(8, 16, 3, padding=1)
x = torch.randn(1, 8, 8, 8)
os.makedirs(sys.argv[1], exist_ok=True)
torch.onnx.export(conv, x, os.path.join(sys.argv[1], "model.onnx"),
                  input_names=["input"], output_names=["output"], opset_version=13)
