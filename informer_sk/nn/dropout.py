"""Dropout whose mask comes from uniform draws instead of Bernoulli draws.

``torch.nn.Dropout`` on the CPU draws its mask with ``bernoulli_``, which is the
largest cost of a training step outside the matrix products (about a tenth of it at the
paper's configuration). A uniform draw compared with ``p`` gives the same distribution
(each element kept with probability 1 - p, the kept ones scaled by 1 / (1 - p)) from a
cheaper generator; only the random stream differs. On GPUs, where torch fuses dropout
into one kernel, it is ``torch.nn.Dropout``.
"""

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Dropout"]


class Dropout(nn.Dropout):
    """``nn.Dropout`` (same ``p``, same distribution) with a cheaper mask on the CPU."""

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        if x.device.type != "cpu" or self.p == 1.0:
            return F.dropout(x, self.p, True)  # fused on GPUs
        # in place on the uniform draws: no tensor beyond the mask and the output
        mask = torch.rand_like(x).ge_(self.p).mul_(1.0 / (1.0 - self.p))
        return x * mask
