"""What a transfer in f16 or int8 does to a feature map, as sepnn's runtime encodes it
(runtime/src/transport/wire_codec.cpp): f16 rounds to half precision; int8 scales each
channel of each image by max|x| / 127 and rounds half to even."""
import torch


def emulate(x, compress):
    if compress in (None, "f32"):
        return x
    if compress == "f16":
        return x.half().float()
    if compress == "int8":
        scale = x.detach().abs().amax(dim=(2, 3), keepdim=True) / 127.0
        scale = torch.where(scale == 0, torch.ones_like(scale), scale)
        q = torch.clamp(torch.round(x / scale), -127, 127)
        # Straight-through: the forward pass sees the rounded values, gradients pass.
        return x + (q * scale - x).detach()
    raise ValueError(f"unknown transfer type '{compress}' (expected f32, f16 or int8)")


def encoded_bytes(channels, pixels, dtype):
    """Bytes of a batch-1 slice of `channels` x `pixels` on the wire."""
    if channels == 0:
        return 0
    if dtype == "f32":
        return 4 * channels * pixels
    if dtype == "f16":
        return 2 * channels * pixels
    if dtype == "int8":
        return channels * pixels + 4 * channels
    raise ValueError(f"unknown transfer type '{dtype}'")
