"""Frames <-> scaled arrays, and the sliding encoder/decoder windows of the Informer.

One window starting at row ``s`` of a series of ``T`` rows holds (paper, Sec. 3 and Fig. 2):

- encoder input: rows ``[s, s + seq_len)``, every channel (targets, then exogenous);
- decoder input: rows ``[s + seq_len - label_len, s + seq_len + pred_len)``: the last
  ``label_len`` known rows as the start token, then the horizon, where the targets are
  zero placeholders and the exogenous channels keep their known future values;
- target: the targets of rows ``[s + seq_len, s + seq_len + pred_len)``.

The whole series lives in one tensor; a batch is gathered from it by index arithmetic,
so no pandas object is touched inside the training loop.
"""

__all__ = ["SeriesTensors", "Windows", "window_starts", "split_starts"]

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class SeriesTensors:
    """A whole (scaled) series as tensors: the model's view of a frame.

    Attributes
    ----------
    values : torch.Tensor
        ``(T, n_targets + n_exog)`` float32, targets first.
    marks : torch.Tensor
        ``(T, n_fields)`` int64 calendar fields.
    n_targets : int
    """

    values: torch.Tensor
    marks: torch.Tensor
    n_targets: int

    @classmethod
    def from_arrays(cls, y, X, marks, device="cpu"):
        values = y if X is None else np.concatenate([y, X], axis=1)
        return cls(
            values=torch.as_tensor(values, dtype=torch.float32, device=device),
            marks=torch.as_tensor(marks, dtype=torch.long, device=device),
            n_targets=y.shape[1],
        )

    def __len__(self):
        return self.values.shape[0]


@dataclass
class Windows:
    """Sliding windows over a :class:`SeriesTensors`, gathered batch by batch."""

    series: SeriesTensors
    starts: torch.Tensor  # (N,) first row of each window
    seq_len: int
    label_len: int
    pred_len: int

    def __len__(self):
        return self.starts.shape[0]

    def batch(self, idx):
        """Gather the windows ``starts[idx]``: encoder/decoder inputs, marks and target."""
        starts = self.starts[idx]  # (B,)
        device = self.series.values.device
        enc_rows = starts[:, None] + torch.arange(self.seq_len, device=device)  # (B, seq_len)
        dec_len = self.label_len + self.pred_len
        dec_rows = (
            starts[:, None] + (self.seq_len - self.label_len) + torch.arange(dec_len, device=device)
        )  # (B, label_len + pred_len)
        values, marks, k = self.series.values, self.series.marks, self.series.n_targets
        x_enc = values[enc_rows]  # (B, seq_len, C)
        x_dec = values[dec_rows]  # (B, label_len + pred_len, C), a copy we may edit
        target = x_dec[:, self.label_len :, :k].clone()  # (B, pred_len, n_targets)
        x_dec[:, self.label_len :, :k] = 0.0  # the unknown future: zero placeholders
        return x_enc, marks[enc_rows], x_dec, marks[dec_rows], target


def window_starts(n_rows, seq_len, pred_len, first_target_row=0):
    """Starts of every window whose target fits in ``n_rows`` rows.

    Only windows whose target begins at or after ``first_target_row`` are kept (used to
    take the validation windows from the tail, and the windows of new data in update).
    """
    first = max(0, first_target_row - seq_len)
    last = n_rows - seq_len - pred_len
    return torch.arange(first, last + 1) if last >= first else torch.arange(0)


def split_starts(n_rows, seq_len, pred_len, n_val_rows):
    """Training and validation window starts for a validation tail of ``n_val_rows``.

    Training targets end before the tail; validation targets lie inside it; inputs of
    validation windows may reach back into the training rows, as in the original.
    """
    train = window_starts(n_rows - n_val_rows, seq_len, pred_len)
    val = window_starts(n_rows, seq_len, pred_len, n_rows - n_val_rows) if n_val_rows else None
    return train, val
