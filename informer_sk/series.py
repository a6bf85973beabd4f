"""Per-series context and scaling: a frame or panel in, what the network needs of each series.

A frame with a plain time index is one series; in sktime's panel and hierarchical
frames every instance is one. For each, the forecaster keeps a :class:`SeriesContext`:
its last points (enough to forecast and to fine-tune), its scaling statistics (of the
training rows only, so the validation tail does not leak into them), the value of each
column that is constant in training, and its row of the series embedding.
:func:`to_tensors` scales a series with its statistics into the model's tensors.

A panel of ten thousand series is not handled a frame at a time: :func:`stack_series`
reads it as arrays stacked end to end (one split, no frame per series),
:func:`prepare` computes every series' statistics and writes the scaled panel and its
calendar fields into one array each, copied to the device once, and
:func:`forecast_inputs` builds predict's input window of every series at once.
"""

__all__ = [
    "ForecastInputs",
    "SeriesContext",
    "Stacked",
    "append",
    "check_update_series",
    "common_freq",
    "forecast_inputs",
    "in_pretrained_order",
    "match_pretrained",
    "panel_cutoff",
    "prepare",
    "series_name",
    "series_rows",
    "stack_series",
    "stacked_freq",
    "standard_scaler",
    "tail",
    "to_tensors",
]

import dataclasses
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler
from sktime.forecasting.base import ForecastingHorizon

from informer_sk import _checks
from informer_sk.calendar import calendar_marks
from informer_sk.windows import SeriesTensors, split_panel


def standard_scaler(values, scale):
    """A fitted ``StandardScaler`` of ``values`` (n_rows, c), built without its fit's checks.

    The same statistics as ``StandardScaler(with_mean=scale, with_std=scale).fit``: the
    mean, the variance (ddof 0), and a scale of 1 for a column constant up to rounding;
    one series' fit costs microseconds instead of a scikit-learn validation pass.
    """
    scaler = StandardScaler(with_mean=scale, with_std=scale)
    n_rows, n_columns = values.shape
    scaler.n_features_in_ = n_columns
    scaler.n_samples_seen_ = n_rows
    if not scale:
        scaler.mean_ = scaler.var_ = scaler.scale_ = None
        return scaler
    mean = values.mean(axis=0)
    var = np.square(values - mean).mean(axis=0)
    # scikit-learn's test of a constant column (sklearn.preprocessing._data._is_constant_feature)
    eps = np.finfo(np.float64).eps
    constant = var <= n_rows * eps * var + (n_rows * mean * eps) ** 2
    scaler.mean_, scaler.var_ = mean, var
    scaler.scale_ = np.where(constant, 1.0, np.sqrt(var))
    return scaler


@dataclasses.dataclass
class Stacked:
    """Every series of ``y`` (and ``X``) stacked end to end as arrays: fit's view of a panel.

    Series ``i`` holds rows ``[offsets[i], offsets[i] + lengths[i])``; its time stamps
    are ``times[time_codes[rows]]``. Splitting a panel this way takes a few array
    operations, not a frame per series.
    """

    keys: list  # series keys in order of first appearance; [None] for one series
    lengths: np.ndarray  # (n_series,) rows of each series
    y: np.ndarray  # (N, n_targets) float64
    X: np.ndarray | None  # (N, n_exog) float64
    times: pd.Index  # distinct time stamps
    time_codes: np.ndarray | None  # (N,) row -> position in times; None: row r is times[r]
    y_columns: pd.Index
    X_columns: pd.Index | None

    @property
    def offsets(self):
        return np.cumsum(self.lengths) - self.lengths

    def _times(self, rows):
        return self.times[rows] if self.time_codes is None else self.times[self.time_codes[rows]]

    def index(self, i):
        """The time index of series ``i``."""
        start = self.offsets[i]
        return self._times(slice(start, start + self.lengths[i]))

    def frames(self, i, rows):
        """Series ``i``'s ``y`` and ``X`` frames on its rows ``rows`` (a slice)."""
        start = self.offsets[i]
        rows = range(self.lengths[i])[rows]
        take = slice(start + rows.start, start + rows.stop)
        index = self._times(take)
        y = pd.DataFrame(self.y[take], index=index, columns=self.y_columns, copy=True)
        X = None if self.X is None else pd.DataFrame(self.X[take], index=index, columns=self.X_columns, copy=True)
        return y, X


def stack_series(y, X):
    """:class:`Stacked` of every series of ``y`` and ``X``; X's rows beyond y's are dropped.

    Series come in the order of their first appearance, as :func:`split_panel` gives
    them; a panel whose series are not contiguous blocks of rows is reordered first.
    """
    if X is not None and not X.index.equals(y.index):
        X = X.reindex(y.index)
    index = y.index
    if not isinstance(index, pd.MultiIndex):
        return Stacked([None], np.array([len(y)]), y.to_numpy(np.float64),
                       None if X is None else X.to_numpy(np.float64), index, None,
                       y.columns, None if X is None else X.columns)  # fmt: skip
    firsts, contiguous = _series_blocks(index)
    if not contiguous:  # a series in several blocks
        order = np.argsort(pd.factorize(_key_codes(index, slice(None)))[0], kind="stable")
        y = y.iloc[order]
        X = None if X is None else X.iloc[order]
        return stack_series(y, X)
    lengths = np.diff(np.append(firsts, len(index)))
    keys = [level.take(codes[firsts]).tolist() for level, codes in zip(index.levels[:-1], index.codes[:-1])]
    keys = keys[0] if len(keys) == 1 else list(zip(*keys))
    return Stacked(keys, lengths, y.to_numpy(np.float64), None if X is None else X.to_numpy(np.float64),
                   index.levels[-1], index.codes[-1], y.columns,
                   None if X is None else X.columns)  # fmt: skip


def _key_codes(index, rows):
    """One int64 per series key (the levels before time) at ``rows`` of a MultiIndex."""
    key_codes = index.codes[0][rows].astype(np.int64)
    for level, codes in zip(index.levels[1:-1], index.codes[1:-1]):
        key_codes = key_codes * (len(level) + 1) + codes[rows]  # codes run from -1
    return key_codes


def _series_blocks(index):
    """First row of every run of rows of one series, and whether each series is one run.

    Compares the key levels' codes row to row, in their own small integer type: a
    per-row int64 key would be 8 bytes a row.
    """
    changed = np.zeros(len(index), dtype=bool)
    changed[0] = True
    for codes in index.codes[:-1]:
        changed[1:] |= codes[1:] != codes[:-1]
    firsts = np.flatnonzero(changed)
    return firsts, len(np.unique(_key_codes(index, firsts))) == len(firsts)


def panel_cutoff(y):
    """sktime's cutoff of a panel or hierarchy ``y``, read from its index's codes.

    The same as sktime's ``get_cutoff(y, return_index=True)``: the latest of the time
    points of each series' last row, as a one-point index with the freq of the time
    level. sktime builds and groups a frame of the whole index for it (over 1 GiB for
    10,000 series of 2,000 points); this takes the last row of each series from the
    codes. None where ``y`` is not a ``pd-multiindex`` or ``pd_multiindex_hier`` frame
    whose series are contiguous runs of rows without missing keys or times: sktime's
    to compute.
    """
    if not (isinstance(y, pd.DataFrame) and isinstance(y.index, pd.MultiIndex)) or len(y) == 0:
        return None
    index = y.index
    if any(codes.min() < 0 for codes in index.codes):  # missing keys are dropped by groupby
        return None
    firsts, contiguous = _series_blocks(index)
    if not contiguous:
        return None
    lasts = np.append(firsts[1:], len(index)) - 1
    times = index.levels[-1]
    cutoff = pd.Index([times[index.codes[-1][lasts]].max()])
    if getattr(times, "freq", None) is not None and cutoff.freq != times.freq:
        cutoff.freq = times.freq  # a PeriodIndex has its freq already: it takes no other
    return cutoff


def stacked_freq(stacked, expected=None):
    """The frequency every series of ``stacked`` shares (see :func:`common_freq`).

    At a fixed frequency (``h``, ``15min``, ...) a series is regular at its first
    series' frequency exactly when its rows step one position at a time along the grid
    of that frequency, which one array comparison checks for every series; otherwise,
    or where that fails, each series is inferred on its own, to name the one at fault.
    """
    times, codes, offsets = stacked.times, stacked.time_codes, stacked.offsets
    first = stacked.index(0)
    freq = _checks.index_freq(first, series_name(stacked.keys[0]))
    offset = pd.tseries.frequencies.to_offset(freq) if freq != 1 else None
    on_grid = len(stacked.keys) > 1 and isinstance(times, pd.DatetimeIndex) and isinstance(offset, pd.offsets.Tick)
    if on_grid:
        since = times.as_unit("ns").asi8 - times.as_unit("ns").asi8.min()  # asi8 counts in the index's unit
        on_grid = not (since % offset.nanos).any()
    if on_grid:
        position = since // offset.nanos  # of every distinct time stamp on the grid
        # the smallest type: position[codes] has a row per row of the panel
        dtype = next(t for t in (np.int16, np.int32, np.int64) if position.max() <= np.iinfo(t).max)
        position = position.astype(dtype)
        steps = np.diff(position[codes])
        steps[offsets[1:] - 1] = 1  # from one series' last row to the next's first
        on_grid = (steps == 1).all()
    if not on_grid:
        return common_freq([(key, stacked.index(i)) for i, key in enumerate(stacked.keys)], expected)
    return _pretrained_freq(freq, expected)


def prepare(stacked, n_val_rows, spec, scale, keep, series_ids, device, n_series, train):
    """Contexts of every series and, if ``train``, the scaled panel as one set of tensors.

    Statistics come from each series' training rows only (not its last ``n_val_rows``),
    as the original: the validation tail must not leak into the scaling. The scaled
    values and calendar fields are written into one array each and copied to the
    device once.

    Returns
    -------
    contexts : dict
        ``{key: SeriesContext}`` with each series' last ``keep`` rows.
    tensors : SeriesTensors or None
    """
    offsets, lengths = stacked.offsets, stacked.lengths
    n_targets = stacked.y.shape[1]
    n_columns = n_targets + (0 if stacked.X is None else stacked.X.shape[1])
    values = np.empty((len(stacked.y), n_columns), dtype=np.float32) if train else None
    contexts = {}
    for i, key in enumerate(stacked.keys):
        rows = slice(offsets[i], offsets[i] + lengths[i])
        n_train = lengths[i] - n_val_rows[i]
        y_i = stacked.y[rows]
        X_i = None if stacked.X is None else stacked.X[rows]
        y_scaler = standard_scaler(y_i[:n_train], scale)
        x_scaler = None if X_i is None else standard_scaler(X_i[:n_train], scale)
        if train:
            values[rows, :n_targets] = _standardised(y_i, y_scaler)
            if X_i is not None:
                values[rows, n_targets:] = _standardised(X_i, x_scaler)
        y_tail, X_tail = stacked.frames(i, slice(-keep, None))
        contexts[key] = SeriesContext(y_tail, X_tail, y_scaler, x_scaler,
                                      _checks.constant_levels(y_i), series_ids.get(key, -1))  # fmt: skip
    if not train:
        return contexts, None
    # the calendar of every distinct time stamp once, looked up row by row in the batch
    marks = calendar_marks(stacked.times, spec)
    ids = None
    if n_series:
        ids = np.repeat(np.array([c.series_id for c in contexts.values()], dtype=np.int32), lengths)
    return contexts, SeriesTensors.from_arrays(values, None, marks, device, ids, n_targets=n_targets,
                                               mark_rows=stacked.time_codes)  # fmt: skip


def _standardised(values, scaler):
    if scaler.mean_ is None:
        return values
    return (values - scaler.mean_) / scaler.scale_


@dataclasses.dataclass
class SeriesContext:
    """What the forecaster keeps of one series: its last points, scaling and identity."""

    y: pd.DataFrame
    X: pd.DataFrame | None
    y_scaler: StandardScaler
    x_scaler: StandardScaler | None
    constants: np.ndarray  # per column: its value where constant in training, else NaN
    series_id: int  # row of the series embedding; -1 for a series not trained on


def to_tensors(y, X, context, spec, device, n_series):
    """Scale a frame (and its exogenous frame) with a series' statistics into tensors."""
    y_values = context.y_scaler.transform(y.to_numpy(np.float64))
    X_values = None if X is None else context.x_scaler.transform(X.to_numpy(np.float64))
    marks = calendar_marks(y.index, spec)
    series_id = context.series_id if n_series else None
    return SeriesTensors.from_arrays(y_values, X_values, marks, device, series_id)


class ForecastInputs(NamedTuple):
    """What predict gives the network, and what it needs to read the forecasts back."""

    tensors: SeriesTensors  # per series its last seq_len rows and pred_len placeholders
    y_past: np.ndarray  # (n_series, seq_len, n_targets) the inputs' targets, user's scale
    horizon: pd.Index  # (n_series * pred_len,) the time stamps forecast, series after series


def forecast_inputs(contexts, X, steps, cutoff, freq, fh_freq, spec, seq_len, pred_len, device, n_series):
    """The input window of every series for predict, built for all series at once.

    Each series reads its last ``seq_len`` points and the ``pred_len`` steps after its
    own last point; exogenous columns take their future values from ``X`` (rows of
    ``X`` at the window's past times replace the kept ones), and steps that ``X``
    lacks between the steps of fh take the value of the step before.

    Raises
    ------
    ValueError
        For ``X`` missing, missing a series, or lacking a step of fh of a series, with
        the message of the first such series.
    """
    keys, kept = list(contexts), list(contexts.values())
    n, width = len(kept), seq_len + pred_len
    y_past = np.stack([c.y.to_numpy(np.float64)[-seq_len:] for c in kept])  # (n, seq_len, c)
    times = _window_times(keys, kept, cutoff, freq, fh_freq, seq_len, pred_len)  # (n * width,)
    y_all = np.concatenate([y_past, np.zeros((n, pred_len, y_past.shape[2]))], axis=1)
    parts = [_scaled(y_all, [c.y_scaler for c in kept])]
    if kept[0].x_scaler is not None:
        X_all = _window_X(keys, kept, X, times, steps, cutoff, freq, fh_freq, seq_len, pred_len)
        parts.append(_scaled(X_all, [c.x_scaler for c in kept]))
    values = np.concatenate(parts, axis=2).reshape(n * width, -1)  # (n * width, C)
    ids = np.repeat([c.series_id for c in kept], width) if n_series else None
    tensors = SeriesTensors.from_arrays(values, None, calendar_marks(times, spec), device, ids,
                                        n_targets=y_past.shape[2])  # fmt: skip
    horizon = times[(np.arange(n)[:, None] * width + np.arange(seq_len, width)).ravel()]
    return ForecastInputs(tensors, y_past, horizon)


def _scaled(values, scalers):
    """``values`` (n, rows, c) standardised with each series' scaler, as its ``transform``."""
    if scalers[0].mean_ is None:
        return values
    mean = np.stack([s.mean_ for s in scalers])[:, None, :]  # (n, 1, c)
    scale = np.stack([s.scale_ for s in scalers])[:, None, :]
    return (values - mean) / scale


def _window_times(keys, kept, cutoff, freq, fh_freq, seq_len, pred_len):
    """Time stamps of every series' last ``seq_len`` points and next ``pred_len`` steps.

    On a grid of fixed steps (integers, periods, or dates at a fixed frequency such as
    ``h`` or ``15min``) they are the last point plus multiples of the step, for every
    series at once; other frequencies (``MS``, ``B``, ...) go series by series.
    """
    index = kept[0].y.index
    ks = np.tile(np.arange(1 - seq_len, pred_len + 1), len(kept))
    repeats = seq_len + pred_len
    if freq == 1:
        return pd.Index(np.repeat([c.y.index[-1] for c in kept], repeats) + ks, name=index.name)
    if isinstance(index, pd.PeriodIndex):
        return (pd.PeriodIndex([c.y.index[-1] for c in kept]).repeat(repeats) + ks).rename(index.name)
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(index, pd.DatetimeIndex) and isinstance(offset, pd.offsets.Tick):
        lasts = pd.DatetimeIndex([c.y.index[-1] for c in kept]).as_unit("ns")
        times = lasts.repeat(repeats) + pd.to_timedelta(ks * offset.nanos, unit="ns")
        return times.as_unit(index.unit).rename(index.name)
    windows = []
    for key, context in zip(keys, kept):
        # each series' steps count from its own last point
        last = cutoff if key is None else _checks.last_point(context.y.index, freq)
        future = ForecastingHorizon(np.arange(1, pred_len + 1), is_relative=True, freq=fh_freq)
        windows.append(context.y.index[-seq_len:].append(future.to_absolute_index(last)))
    return windows[0].append(windows[1:])


def _window_X(keys, kept, X, times, steps, cutoff, freq, fh_freq, seq_len, pred_len):
    """Exogenous values (n, seq_len + pred_len, c) of every series' input window."""
    columns = kept[0].X.columns
    n, width = len(kept), seq_len + pred_len
    given = None
    if X is not None and set(X.columns) == set(columns) and len(X.columns) == len(columns):
        target = times
        if keys[0] is not None:
            levels = list(zip(*keys)) if isinstance(keys[0], tuple) else [keys]
            target = pd.MultiIndex.from_arrays(
                [np.repeat(np.asarray(level, dtype=object), width) for level in levels] + [times]
            )
        given = X[columns].reindex(target).to_numpy(np.float64).reshape(n, width, len(columns))
        missing = np.isnan(given[:, seq_len + steps]).any(axis=(1, 2))  # a step of fh lacking
    if given is None or missing.any():
        first = 0 if given is None else int(np.argmax(missing))
        _raise_for_X(keys[first], kept[first], X, times[first * width + seq_len + steps], columns)
    past = np.stack([c.X.to_numpy(np.float64)[-seq_len:] for c in kept])  # (n, seq_len, c)
    kept_values = np.concatenate([past, np.full((n, pred_len, len(columns)), np.nan)], axis=1)
    merged = np.where(np.isnan(given), kept_values, given)
    # steps between those of fh that X lacks take the value of the step before
    last_valid = np.where(np.isnan(merged), 0, np.arange(width)[None, :, None])
    np.maximum.accumulate(last_valid, axis=1, out=last_valid)
    return np.take_along_axis(merged, last_valid, axis=1)


def _raise_for_X(key, context, X, horizon, columns):
    """Raise the message of one series whose exogenous future values are missing."""
    X_i = dict(split_panel(X)).get(key) if X is not None else None
    if key is not None and X is not None and X_i is None:
        raise ValueError(
            f"X passed to predict lacks series {key!r}; pass X holding the "
            "future values of every series for the steps of fh."
        )
    _checks.check_predict_X(X_i, columns, horizon)
    raise ValueError(f"X passed to predict lacks future values of series {key!r} at {list(horizon)}.")


def tail(context, n_rows):
    X = None if context.X is None else context.X.iloc[-n_rows:]
    return dataclasses.replace(context, y=context.y.iloc[-n_rows:], X=X)


def series_name(key):
    return "y" if key is None else f"y series {key!r}"


def common_freq(indexes, expected=None):
    """The frequency every series of ``[(key, time index), ...]`` shares; ``expected`` is the pretrained one."""
    freqs = [(key, _checks.index_freq(index, series_name(key))) for key, index in indexes]
    key, freq = freqs[0]
    for other, other_freq in freqs[1:]:
        if other_freq != freq:
            raise ValueError(
                f"The series of y have different frequencies: series {key!r} has "
                f"{_checks.freq_str(freq)}, series {other!r} has "
                f"{_checks.freq_str(other_freq)}. One InformerForecaster models series "
                "of one frequency: resample them onto one grid, e.g. with "
                "y.groupby(level=...).resample(...), or fit one forecaster per frequency."
            )
    return _pretrained_freq(freq, expected)


def _pretrained_freq(freq, expected):
    """``freq``, unless it differs from the pretrained ``expected`` frequency."""
    if expected is not None and freq != expected:
        raise ValueError(
            f"y has frequency {_checks.freq_str(freq)}, but the forecaster was pretrained "
            f"on series of frequency {_checks.freq_str(expected)}; pass series of that "
            "frequency, or pretrain a forecaster on series like these."
        )
    return freq


def series_rows(keys, lengths, seq_len, pred_len, validation_size, train):
    """Rows and validation tail of every series, raising where they cannot serve.

    Every series needs ``seq_len`` points to be forecast. For training, a series too
    short for a training window is skipped with a warning (its tail is set to 0) as
    long as another series gives windows; one series alone keeps its own messages.
    """
    lengths = [int(n) for n in lengths]
    if keys[0] is None and train:
        n_val = _checks.n_validation_rows(lengths[0], validation_size, pred_len)
        _checks.check_length(lengths[0], seq_len, pred_len, n_val)
        return lengths, [n_val]
    for key, n_rows in zip(keys, lengths):
        if n_rows < seq_len:
            raise ValueError(
                f"{series_name(key)} has {n_rows} time points, but every series needs "
                f"at least seq_len={seq_len} to be forecast; pass more of its history, "
                "drop it, or lower seq_len."
            )
    if not train:
        return lengths, [0] * len(keys)
    n_val_rows = [int(round(validation_size * n)) if validation_size else 0 for n in lengths]
    short = [i for i, n in enumerate(lengths) if n - n_val_rows[i] < seq_len + pred_len]
    if len(short) == len(keys):
        longest = int(np.argmax(lengths))
        raise ValueError(
            f"None of the {len(keys)} series of y gives a training window: each needs "
            f"seq_len={seq_len} + max(fh)={pred_len} points before its validation tail "
            f"(validation_size={validation_size}); the longest, series "
            f"{keys[longest]!r}, has {lengths[longest]}. Pass longer series, or "
            "lower seq_len or validation_size."
        )
    if short:
        short_keys = [keys[i] for i in short]
        warnings.warn(
            f"{len(short)} of the {len(keys)} series of y are too short for a training "
            f"window (seq_len={seq_len} + max(fh)={pred_len} points before the "
            f"validation tail) and are only forecast, not trained on: {short_keys[:5]}"
            + (" ..." if len(short_keys) > 5 else ""),
            stacklevel=4,
        )
        for i in short:
            n_val_rows[i] = 0
    if validation_size and max(n_val_rows) < pred_len:
        raise ValueError(
            f"validation_size={validation_size} keeps at most {max(n_val_rows)} points of "
            f"a series for validation, fewer than the horizon max(fh)={pred_len}, so no "
            "validation window fits; raise validation_size, pass longer series, or set "
            "validation_size=0 to train without early stopping."
        )
    return lengths, n_val_rows


def match_pretrained(y, X, pred_len, data, config):
    """``y`` and ``X`` with the pretrained columns in their order; raise where they differ."""
    if pred_len > config.pred_len:
        raise ValueError(
            f"fh reaches {pred_len} steps ahead, but the pretrained network forecasts at "
            f"most {config.pred_len} (the largest step of the fh passed to pretrain); "
            "pass fh within it, or pretrain again with a longer fh."
        )
    y_columns, X_columns = data["y_columns"], data["X_columns"]
    y = in_pretrained_order(y, y_columns, "y")
    if (X is None) != (X_columns is None):
        raise ValueError(
            "X passed to fit is "
            + ("None, but the forecaster was pretrained with exogenous X: pass X "
               f"with columns {X_columns}." if X is None else
               "given, but the forecaster was pretrained without X: pass X=None, "
               "or pretrain with X.")  # fmt: skip
        )
    if X is not None:
        X = in_pretrained_order(X, X_columns, "X")
    return y, X


def in_pretrained_order(frame, columns, name):
    """``frame`` with the pretrained ``columns`` in their order; other names by position."""
    if frame.shape[1] != len(columns):
        raise ValueError(
            f"{name} passed to fit has {frame.shape[1]} columns {list(frame.columns)}, but "
            f"the forecaster was pretrained on {name} with {len(columns)}, {columns}; pass "
            "as many columns, in the pretrained order, or pretrain on series like these."
        )
    return frame[columns] if set(frame.columns) == set(columns) else frame


def check_update_series(y, X, contexts, freq):
    """Check update's data, series by series, against the fitted contexts."""
    y_frame = y.to_frame() if isinstance(y, pd.Series) else y
    is_panel = isinstance(y_frame, pd.DataFrame) and isinstance(y_frame.index, pd.MultiIndex)
    fitted_panel = None not in contexts
    if is_panel != fitted_panel:
        # without this, sktime fails deep inside with a KeyError or a missing level
        raise ValueError(
            "y passed to update is a single series, but the forecaster was fitted on a "
            f"panel of {len(contexts)} series; pass the new points as a panel whose outer "
            f"index levels name fitted series (it knows {list(contexts)[:5]})."
            if fitted_panel
            else "y passed to update is a panel, but the forecaster was fitted on a single "
            "series; pass the new points of that series as a pd.Series or pd.DataFrame."
        )
    if not is_panel:
        context = contexts[None]
        _checks.check_update_data(y, X, context.y, context.X, freq)
        return
    X_parts = dict(split_panel(X)) if isinstance(X, pd.DataFrame) else {}
    for key, y_i in split_panel(y_frame):
        context = contexts.get(key)
        if context is None:
            raise ValueError(
                f"y passed to update holds series {key!r}, which the forecaster was not "
                f"fitted on (it knows {list(contexts)[:5]}); update continues fitted "
                "series: fit again to add series."
            )
        X_i = X_parts.get(key) if X is not None else None
        if X is not None and context.X is not None and X_i is None:
            raise ValueError(f"X passed to update lacks series {key!r}; pass X of every series of y.")
        _checks.check_update_data(y_i, X_i, context.y, context.X, freq)


def append(old, new):
    """``old`` followed by ``new``; rows of ``new`` replace rows of ``old`` at equal times."""
    if new is None:
        return old
    both = pd.concat([old, new])
    return both[~both.index.duplicated(keep="last")].sort_index()
