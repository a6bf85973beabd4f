"""Frames <-> scaled arrays, and the sliding encoder/decoder windows of the Informer.

One window starting at row ``s`` of a series of ``T`` rows holds (paper, Sec. 3 and Fig. 2):

- encoder input: rows ``[s, s + seq_len)``, every channel (targets, then exogenous);
- decoder input: rows ``[s + seq_len - label_len, s + seq_len + pred_len)``: the last
  ``label_len`` known rows as the start token, then the horizon, where the targets are
  zero placeholders and the exogenous channels keep their known future values;
- target: the targets of rows ``[s + seq_len, s + seq_len + pred_len)``.

The whole series lives in one tensor; a batch is gathered from it by index arithmetic,
so no pandas object is touched inside the training loop. Many series (a panel) are
stacked end to end in one such tensor, each scaled with its own statistics; a window
start is kept only where the whole window lies inside one series
(:func:`panel_starts`), so no window crosses from one series into the next.
"""

__all__ = [
    "SeriesTensors",
    "Windows",
    "window_starts",
    "split_starts",
    "panel_starts",
    "join_panel",
    "split_panel",
]

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch


@dataclass
class SeriesTensors:
    """A whole (scaled) series as tensors: the model's view of a frame.

    Attributes
    ----------
    values : torch.Tensor
        ``(T, n_targets + n_exog)`` float32, targets first.
    marks : torch.Tensor
        ``(T, n_fields)`` integer calendar fields, in the smallest type that holds
        them (see :func:`informer_sk.calendar.calendar_marks`); with ``mark_rows``,
        one row per distinct time stamp instead.
    n_targets : int
    series_id : torch.Tensor or None
        ``(T,)`` int32, the series each row belongs to (for the series embedding);
        None when the network has no series embedding.
    mark_rows : torch.Tensor or None
        ``(T,)`` int16 or int32, the row of ``marks`` of each row; None when ``marks``
        has a row per row. A panel's series share their time stamps: the calendar of
        each distinct stamp and a code per row take less memory than a calendar row
        per row (2 bytes a row instead of 8 for hourly data).
    """

    values: torch.Tensor
    marks: torch.Tensor
    n_targets: int
    series_id: torch.Tensor | None = None
    mark_rows: torch.Tensor | None = None

    @classmethod
    def from_arrays(cls, y, X, marks, device="cpu", series_id=None, n_targets=None, mark_rows=None):
        """Tensors on ``device`` from arrays, each copied there once.

        ``y`` may already hold the exogenous columns after the targets (``X`` None,
        ``n_targets`` given); ``series_id`` is one id for every row, or an id per row;
        ``mark_rows``, if given, the row of ``marks`` of every row.
        """
        values = y if X is None else np.concatenate([y, X], axis=1)
        if series_id is not None:
            series_id = np.asarray(series_id, dtype=np.int32)  # a row each: int64 is twice the memory
            if series_id.ndim == 0:
                series_id = np.full(len(values), series_id)
            series_id = torch.as_tensor(series_id, device=device)
        if mark_rows is not None:
            dtype = np.int16 if len(marks) <= np.iinfo(np.int16).max else np.int32
            # a copy: the codes of a pandas index are read-only, which torch does not take
            mark_rows = torch.from_numpy(np.array(mark_rows, dtype=dtype)).to(device)
        return cls(
            values=torch.as_tensor(values, dtype=torch.float32, device=device),
            marks=torch.as_tensor(marks, device=device),
            n_targets=y.shape[1] if n_targets is None else n_targets,
            series_id=series_id,
            mark_rows=mark_rows,
        )

    @classmethod
    def concat(cls, parts):
        """Stack series end to end; row ``r`` of part ``i`` becomes row ``offset_i + r``."""
        if len(parts) == 1:
            return parts[0]
        ids = [p.series_id for p in parts]
        return cls(
            values=torch.cat([p.values for p in parts]),
            marks=torch.cat([p.row_marks(slice(None)) for p in parts]),
            n_targets=parts[0].n_targets,
            series_id=None if ids[0] is None else torch.cat(ids),
        )

    def row_marks(self, rows):
        """The calendar fields of ``rows`` (any index of rows), ``(*rows.shape, n_fields)``."""
        if self.mark_rows is None:
            return self.marks[rows]
        return self.marks[self.mark_rows[rows].int()]  # torch indexes with int32, not int16

    def __len__(self):
        return self.values.shape[0]


@dataclass
class Windows:
    """Sliding windows over a :class:`SeriesTensors`, gathered batch by batch."""

    series: SeriesTensors
    starts: torch.Tensor  # (N,) first row of each window, int32 or int64
    seq_len: int
    label_len: int
    pred_len: int

    def __post_init__(self):
        # starts may come as numpy or a CPU tensor: held on the series' device, so that
        # the indices of a batch (made there by the caller) and the rows gathered agree;
        # int32 stays int32 (a window per row of a large panel: half the memory of int64)
        starts = torch.as_tensor(self.starts, device=self.series.values.device)
        self.starts = starts if starts.dtype in (torch.int32, torch.int64) else starts.long()

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
        values, k = self.series.values, self.series.n_targets
        x_enc = values[enc_rows]  # (B, seq_len, C)
        x_dec = values[dec_rows]  # (B, label_len + pred_len, C), a copy we may edit
        target = x_dec[:, self.label_len :, :k].clone()  # (B, pred_len, n_targets)
        x_dec[:, self.label_len :, :k] = 0.0  # the unknown future: zero placeholders
        return x_enc, self.series.row_marks(enc_rows), x_dec, self.series.row_marks(dec_rows), target

    def series_ids(self, idx):
        """Series of the windows ``starts[idx]``, ``(B,)``; None without series embedding."""
        if self.series.series_id is None:
            return None
        return self.series.series_id[self.starts[idx]].long()


def window_starts(n_rows, seq_len, pred_len, first_target_row=0):
    """Starts of every window whose target fits in ``n_rows`` rows, as an int64 array.

    Only windows whose target begins at or after ``first_target_row`` are kept (used to
    take the validation windows from the tail, and the windows of new data in update).
    """
    first = max(0, first_target_row - seq_len)
    last = n_rows - seq_len - pred_len
    return np.arange(first, max(first, last + 1), dtype=np.int64)


def split_starts(n_rows, seq_len, pred_len, n_val_rows):
    """Training and validation window starts for a validation tail of ``n_val_rows``.

    Training targets end before the tail; validation targets lie inside it; inputs of
    validation windows may reach back into the training rows, as in the original.
    """
    train = window_starts(n_rows - n_val_rows, seq_len, pred_len)
    val = window_starts(n_rows, seq_len, pred_len, n_rows - n_val_rows) if n_val_rows else None
    return train, val


def panel_starts(lengths, seq_len, pred_len, n_val_rows):
    """Training and validation starts over series stacked end to end.

    ``lengths[i]`` and ``n_val_rows[i]`` are the rows and validation tail of series
    ``i``; its windows are :func:`split_starts`'s, shifted by the rows of the series
    before it, so every window lies inside one series. Validation starts are None
    when no series has a validation tail.
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    n_val_rows = np.asarray(n_val_rows, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    n_train = np.maximum(lengths - n_val_rows - seq_len - pred_len + 1, 0)
    # validation windows: targets inside the tail (window_starts from its first row)
    val_first = np.maximum(0, lengths - n_val_rows - seq_len)
    n_val = np.where(n_val_rows > 0, np.maximum(lengths - seq_len - pred_len + 1 - val_first, 0), 0)
    # int32 where every row fits: a panel has about one window per row
    dtype = np.int32 if lengths.sum() <= np.iinfo(np.int32).max else np.int64
    train = _ranges(offsets, n_train, dtype)
    val = _ranges(offsets + val_first, n_val, dtype) if (n_val_rows > 0).any() else None
    return train, val


def _ranges(firsts, counts, dtype):
    """``firsts[i], firsts[i] + 1, ...`` (``counts[i]`` of them) for every ``i``, end to end.

    Written into one array: a list of per-series arrays and their concatenation would
    need twice the memory (and leave the small ones' heap behind).
    """
    out = np.empty(int(counts.sum()), dtype=dtype)
    ends = np.cumsum(counts)
    for first, count, end in zip(firsts.tolist(), counts.tolist(), ends.tolist()):
        out[end - count : end] = np.arange(first, first + count, dtype=dtype)
    return out


def split_panel(frame):
    """The series of a frame: ``[(key, series frame), ...]`` in order of first appearance.

    A frame with a plain time index is one series, with key None; in sktime's panel
    (``pd-multiindex``) and hierarchical (``pd_multiindex_hier``) frames the last index
    level is time and the levels before it name the series (a tuple for hierarchies).
    """
    if not isinstance(frame.index, pd.MultiIndex):
        return [(None, frame)]
    levels = list(range(frame.index.nlevels - 1))
    key_level = levels[0] if len(levels) == 1 else levels
    return [
        (key, part.droplevel(levels))
        for key, part in frame.groupby(level=key_level, sort=False, observed=True)
    ]


def join_panel(parts, names):
    """Inverse of :func:`split_panel`: series frames back into one frame.

    ``names`` are the index level names of the frame that was split; for one series
    with key None the frame is returned as it is.
    """
    if len(parts) == 1 and parts[0][0] is None:
        return parts[0][1]
    frames = []
    for key, part in parts:
        key = key if isinstance(key, tuple) else (key,)
        index = pd.MultiIndex.from_arrays([*([k] * len(part) for k in key), part.index], names=names)
        frames.append(part.set_axis(index))
    return pd.concat(frames)

