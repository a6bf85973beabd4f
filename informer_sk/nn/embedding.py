"""Input embeddings: value + position + calendar (Zhou et al., 2021, Fig. 6).

The calendar ("global time stamp") term takes integer calendar fields, field i
in [0, mark_sizes[i]), in one of three modes: ``"timeF"`` (a linear map of the
fields scaled to [-0.5, 0.5]), ``"fixed"`` (frozen sinusoidal tables) or
``"learned"`` (trainable tables).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from informer_sk.nn.dropout import Dropout

__all__ = [
    "CalendarEmbedding",
    "DataEmbedding",
    "PositionalEmbedding",
    "SeriesEmbedding",
    "TokenEmbedding",
]


def _sinusoid_table(n_positions, d_model):
    """Vaswani et al. (2017) sinusoids: sin on even columns, cos on odd ones.

    Returns
    -------
    torch.Tensor
        (n_positions, d_model).
    """
    position = torch.arange(n_positions, dtype=torch.float32).unsqueeze(1)  # (N, 1)
    frequency = torch.exp(torch.arange(0, d_model, 2) * -(math.log(10000.0) / d_model))
    angle = position * frequency  # (N, ceil(d_model / 2))
    table = torch.zeros(n_positions, d_model)
    table[:, 0::2] = torch.sin(angle)
    table[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return table


class TokenEmbedding(nn.Module):
    """Value embedding: a length-preserving circular Conv1d over time.

    Parameters
    ----------
    c_in : int
        Input channels.
    d_model : int
        Output width.
    kernel_size : int, default=3
        Odd kernel size; the padding (kernel_size - 1) // 2 keeps the length.
    """

    def __init__(self, c_in, d_model, kernel_size=3):
        super().__init__()
        self.conv = nn.Conv1d(
            c_in,
            d_model,
            kernel_size=kernel_size,
            padding=(kernel_size - 1) // 2,
            padding_mode="circular",
            bias=False,
        )
        nn.init.kaiming_normal_(self.conv.weight, mode="fan_in", nonlinearity="leaky_relu")

    def forward(self, x):
        """Embed (B, L, c_in) values as (B, L, d_model)."""
        return self.conv(x.transpose(1, 2)).transpose(1, 2)  # (B, L, d_model)


class PositionalEmbedding(nn.Module):
    """Fixed sinusoidal position embedding (the "local time stamp").

    Parameters
    ----------
    d_model : int
        Output width.
    max_len : int
        Longest sequence to embed.
    """

    def __init__(self, d_model, max_len):
        super().__init__()
        # non-persistent: rebuilt from (d_model, max_len), not worth a state_dict entry
        self.register_buffer("table", _sinusoid_table(max_len, d_model), persistent=False)

    def forward(self, x):
        """Embeddings of the positions of x (B, L, ...), as (L, d_model)."""
        return self.table[: x.size(1)]  # (L, d_model)


class CalendarEmbedding(nn.Module):
    """Calendar embedding (the "global time stamp"), summed over fields.

    Parameters
    ----------
    mark_sizes : tuple of int
        Cardinality of each integer calendar field; must not be empty.
    d_model : int
        Output width.
    mode : {"timeF", "fixed", "learned"}
        ``"timeF"``: Linear(n_fields, d_model, bias=False) of mark/(size-1) - 0.5;
        ``"fixed"``: per field a frozen sinusoidal table of ``size`` rows;
        ``"learned"``: per field a trainable table of ``size`` rows.

    Notes
    -----
    The per-field tables of ``"fixed"`` and ``"learned"`` are stacked into one
    table of sum(mark_sizes) rows, field i starting at row sum(mark_sizes[:i]),
    so one ``embedding_bag`` call looks up and sums all fields without building
    a (B, L, n_fields, d_model) tensor. The rows are initialised like separate
    ``nn.Embedding`` tables.
    """

    def __init__(self, mark_sizes, d_model, mode):
        super().__init__()
        self.mode = mode
        sizes = torch.tensor(mark_sizes)
        if mode == "timeF":
            self.linear = nn.Linear(len(mark_sizes), d_model, bias=False)
            # a field of size 1 is constant: map it to -0.5 without dividing by 0
            self.register_buffer("span", (sizes - 1).clamp(min=1).float(), persistent=False)
            return
        self.register_buffer("offset", torch.cumsum(sizes, 0) - sizes, persistent=False)
        if mode == "fixed":
            table = torch.cat([_sinusoid_table(size, d_model) for size in mark_sizes])
            self.register_buffer("table", table, persistent=False)
        elif mode == "learned":
            self.table = nn.Parameter(torch.randn(sum(mark_sizes), d_model))
        else:
            raise ValueError(f"mode={mode!r} must be one of 'timeF', 'fixed', 'learned'")

    def forward(self, x_mark):
        """Embed (B, L, n_fields) integer marks as (B, L, d_model)."""
        if self.mode == "timeF":
            return self.linear(x_mark / self.span - 0.5)
        B, L, n_fields = x_mark.shape
        rows = (x_mark + self.offset).reshape(B * L, n_fields)  # (B * L, n_fields)
        return F.embedding_bag(rows, self.table, mode="sum").view(B, L, -1)  # (B, L, d_model)


class DataEmbedding(nn.Module):
    """Value + position + calendar embedding, then dropout.

    Parameters
    ----------
    c_in : int
        Input channels.
    d_model : int
        Output width.
    max_len : int
        Longest sequence to embed.
    mark_sizes : tuple of int, default=()
        Cardinality of each calendar field; () means no calendar term.
    embed : {"timeF", "fixed", "learned"}, default="timeF"
        Calendar embedding mode.
    dropout : float, default=0.0
        Dropout on the sum.
    """

    def __init__(self, c_in, d_model, max_len, mark_sizes=(), embed="timeF", dropout=0.0):
        super().__init__()
        self.value_embedding = TokenEmbedding(c_in, d_model)
        self.position_embedding = PositionalEmbedding(d_model, max_len)
        self.calendar_embedding = None
        if mark_sizes:
            self.calendar_embedding = CalendarEmbedding(mark_sizes, d_model, embed)
        self.dropout = Dropout(dropout)

    def forward(self, x, x_mark):
        """Embed (B, L, c_in) values and (B, L, n_fields) marks as (B, L, d_model)."""
        # position first: the sum takes its contiguous (B, L, d_model) layout, not the
        # conv's transposed one, which would make every Linear downstream copy its input
        x = self.position_embedding(x) + self.value_embedding(x)
        if self.calendar_embedding is not None:
            x = x + self.calendar_embedding(x_mark)
        return self.dropout(x)


class SeriesEmbedding(nn.Module):
    """A learned vector per training series, added to every position of its windows.

    Lets one global network tell the series of a panel apart. A series it was not
    trained on (id -1) gets the mean of the learned vectors: the "average series",
    which is what zero-shot forecasts of unseen series should assume.

    Parameters
    ----------
    n_series : int
        Number of training series; ids are ``0 .. n_series - 1``, and -1.
    d_model : int
        Output width.
    """

    def __init__(self, n_series, d_model):
        super().__init__()
        self.table = nn.Parameter(torch.randn(n_series, d_model) * 0.02)

    def forward(self, series_id):
        """Embed (B,) integer ids as (B, 1, d_model), broadcastable over positions."""
        known = series_id >= 0
        rows = self.table[series_id.clamp(min=0)]  # (B, d_model)
        rows = torch.where(known[:, None], rows, self.table.mean(0))  # unseen: the mean
        return rows[:, None, :]  # (B, 1, d_model)
