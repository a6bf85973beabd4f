"""Dropout whose CPU mask comes from a faster random bit generator.

``torch.nn.Dropout`` on the CPU draws its mask with ``bernoulli_`` from torch's one
Mersenne Twister, the largest cost of a training step outside the matrix products
(about a tenth of it at the paper's configuration). Here the mask compares 32-bit
integers from numpy's SFC64 generator (64 random bits per draw, about 1 ns each) with
a threshold: each element is kept with probability 1 - p (p rounded to a multiple of
2**-32, finer than torch's 24-bit uniform floats) and the kept ones are scaled by
1 / (1 - p), the same distribution as torch's dropout from another random stream.
The generator is seeded from torch's, so ``torch.manual_seed`` still makes training
reproducible. On any other device it is torch's own dropout (one fused kernel on
GPUs). Under ``torch.compile`` the mask is drawn by a custom operator
(``informer_sk::keep_mask``), opaque to the compiler, so the graph does not break at
every dropout and the multiplies fuse with their neighbours.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Dropout", "keep_mask"]


def keep_mask(shape, p):
    """Boolean CPU tensor of ``shape``, each element True with probability 1 - p.

    One SFC64 generator per call, seeded with a draw from torch's global generator;
    each 64-bit draw gives two uniform int32 values, and an element is kept when its
    value is at least ``round(p * 2**32) - 2**31``.
    """
    n = math.prod(shape)
    seed = int(torch.randint(2**62, (), device="cpu"))
    bits = np.random.SFC64(seed).random_raw((n + 1) // 2).view(np.int32)[:n]
    threshold = min(round(p * 2**32) - 2**31, 2**31 - 1)
    return torch.as_tensor(bits >= np.int32(threshold), device="cpu").view(shape)


# numpy is invisible to torch.compile: as a custom operator the draw stays one opaque
# call inside the compiled graph instead of a graph break at every dropout (in eager
# the operator costs a dispatch, microseconds against the draw's milliseconds)
@torch.library.custom_op("informer_sk::keep_mask", mutates_args=())
def _keep_mask_op(x: torch.Tensor, p: float) -> torch.Tensor:
    return keep_mask(x.shape, p)


@_keep_mask_op.register_fake
def _(x, p):
    return torch.empty(x.shape, dtype=torch.bool, device=x.device)


class _KeepScaled(torch.autograd.Function):
    """x where ``keep``, else 0, times ``scale``; only the boolean mask is kept for the
    backward pass, a quarter of the memory of a float mask."""

    @staticmethod
    def forward(ctx, x, keep, scale):
        ctx.save_for_backward(keep)
        ctx.scale = scale
        return torch.where(keep, x, 0.0).mul_(scale)

    @staticmethod
    def backward(ctx, grad):
        (keep,) = ctx.saved_tensors
        return torch.where(keep, grad, 0.0).mul_(ctx.scale), None, None


class Dropout(nn.Dropout):
    """``nn.Dropout`` (same ``p``, same distribution) with a cheaper mask on the CPU.

    Parameters
    ----------
    p : float, default=0.5
        Probability of zeroing an element, in training only.
    """

    def __init__(self, p=0.5):
        super().__init__(p)

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        if x.device.type != "cpu" or self.p == 1.0:
            return F.dropout(x, self.p, True)  # fused into one kernel on GPUs
        # numpy's bits: the training step 1.11x faster than with torch.nn.Dropout (speed --quick, paired)
        return _KeepScaled.apply(x, _keep_mask_op(x, self.p), 1.0 / (1.0 - self.p))
