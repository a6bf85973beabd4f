"""Calendar features: a pandas index -> integer calendar fields, for any frequency.

The Informer embeds the time stamp of every input position ("global time stamp" in
the paper, Fig. 6). Which calendar fields are informative depends on the sampling
step: hour-of-day is constant for daily data, second-of-minute for hourly data. We
pick the fields from the length of one step of the index's frequency, so every
regular pandas frequency works (``15min``, ``h``, ``D``, ``B``, ``W``, ``MS``, ``QS``,
...), including those the original code's frequency map did not know.

Fields are returned as integers ``0 <= value < size``; the network turns them into
continuous features (``embed="timeF"``), sinusoidal tables (``"fixed"``) or learned
tables (``"learned"``). An index without calendar (``RangeIndex``, integer index)
has no fields at all.
"""

__all__ = ["CalendarSpec", "calendar_marks", "calendar_spec", "marks_dtype"]

from dataclasses import dataclass

import numpy as np
import pandas as pd

# field name -> (size, function of a DatetimeIndex returning 0-based integers)
_FIELDS = {
    "second": (60, lambda idx: idx.second),
    "minute": (60, lambda idx: idx.minute),
    "hour": (24, lambda idx: idx.hour),
    "dayofweek": (7, lambda idx: idx.dayofweek),
    "day": (31, lambda idx: idx.day - 1),
    "dayofyear": (366, lambda idx: idx.dayofyear - 1),
    "weekofyear": (53, lambda idx: idx.isocalendar().week.to_numpy() - 1),
    "month": (12, lambda idx: idx.month - 1),
}

# (longest step, fields informative at that step), finest first
_FIELDS_BY_STEP = [
    (pd.Timedelta(seconds=59), ("second", "minute", "hour", "dayofweek", "day", "dayofyear")),
    (pd.Timedelta(minutes=59), ("minute", "hour", "dayofweek", "day", "dayofyear")),
    (pd.Timedelta(hours=23), ("hour", "dayofweek", "day", "dayofyear")),
    (pd.Timedelta(days=6), ("dayofweek", "day", "dayofyear")),
    (pd.Timedelta(days=27), ("day", "weekofyear", "month")),
    (pd.Timedelta(days=364), ("month",)),
]


@dataclass(frozen=True)
class CalendarSpec:
    """Which calendar fields describe an index, and how many values each takes."""

    fields: tuple[str, ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(_FIELDS[name][0] for name in self.fields)


def _as_datetime_index(index):
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    if isinstance(index, pd.DatetimeIndex):
        return index
    return None


def calendar_spec(index, freq=None):
    """Choose the calendar fields for an index.

    Parameters
    ----------
    index : pd.Index
        A ``DatetimeIndex`` or ``PeriodIndex`` (calendar fields), or an integer index
        (no fields).
    freq : str or pandas offset, optional
        The sampling frequency; by default the index's own or an inferred one.

    Returns
    -------
    CalendarSpec
    """
    if _as_datetime_index(index) is None:
        return CalendarSpec(fields=())
    if freq is None:
        freq = getattr(index, "freq", None) or pd.infer_freq(index)
    if freq is None:
        raise ValueError(
            "Cannot infer the frequency of the time index; pass data with a regular "
            "index whose `freq` is set, e.g. `y = y.asfreq('h')`."
        )
    offset = pd.tseries.frequencies.to_offset(freq)
    # two consecutive points of the grid measure the step of any offset; the first
    # step from an arbitrary origin may be short for anchored ones (W-SUN, MS, B)
    first = pd.Timestamp("2001-01-01") + offset
    step = (first + offset) - first
    for longest, fields in _FIELDS_BY_STEP:
        if step <= longest:
            return CalendarSpec(fields=fields)
    return CalendarSpec(fields=())  # yearly or coarser: the position says it all


def marks_dtype(spec):
    """The smallest integer type that holds every field of ``spec``: int8 or int16.

    Calendar rows are stored for every row of a panel; int64 fields took three
    quarters of the memory of a univariate hourly series.
    """
    return np.int8 if max(spec.sizes, default=0) <= 128 else np.int16


def calendar_marks(index, spec):
    """Integer calendar fields of every time stamp, shape ``(len(index), n_fields)``.

    Of type :func:`marks_dtype`; the network reads any integer type.
    """
    dt_index = _as_datetime_index(index)
    dtype = marks_dtype(spec)
    if not spec.fields:
        return np.zeros((len(index), 0), dtype=dtype)
    columns = [np.asarray(_FIELDS[name][1](dt_index), dtype=dtype) for name in spec.fields]
    return np.stack(columns, axis=1)

