"""Property-based tests: any data, horizon and hyperparameters: a forecast or a documented error.

Every outcome of fit, predict and update must be either a forecast on the right
index and columns with finite values, or one of the documented errors
(``ValueError``, ``TypeError``, sktime's in-sample ``NotImplementedError``,
``TrainingDiverged``) raised by informer_sk or sktime themselves, never a raw
traceback from torch, pandas, numpy or scikit-learn.

Two hypothesis profiles: ``ci`` (the default: a few dozen examples, the same ones on
every run) and ``long`` (random, many examples), chosen by an environment variable::

    INFORMER_SK_FUZZ=long PYTHONPATH=. pytest tests/test_fuzz.py --hypothesis-show-statistics
"""

import os
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sktime.forecasting.base import ForecastingHorizon

from informer_sk import InformerForecaster
from informer_sk.training import TrainingDiverged

_QUIET = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))
settings.register_profile("informer_sk-ci", max_examples=30, derandomize=True, **_QUIET)
settings.register_profile("informer_sk-long", max_examples=2000, **_QUIET)
FUZZ = settings.get_profile("informer_sk-" + os.environ.get("INFORMER_SK_FUZZ", "ci"))

DOCUMENTED = (ValueError, TypeError, NotImplementedError, TrainingDiverged)
_OURS = (str(Path(__import__("informer_sk").__file__).parent), f"{os.sep}sktime{os.sep}")

_INDEXES = {
    "h": lambda n: pd.date_range("2020-01-01", periods=n, freq="h"),
    "15min": lambda n: pd.date_range("2020-01-01", periods=n, freq="15min"),
    "D": lambda n: pd.date_range("2020-01-01", periods=n, freq="D"),
    "B": lambda n: pd.bdate_range("2020-01-01", periods=n),
    "W-SUN": lambda n: pd.date_range("2000-01-02", periods=n, freq="W-SUN"),
    "MS": lambda n: pd.date_range("2000-01-01", periods=n, freq="MS"),
    "period-M": lambda n: pd.period_range("2000-01", periods=n, freq="M"),
    "range": lambda n: pd.RangeIndex(n),
    "integer from 100": lambda n: pd.Index(np.arange(100, 100 + n)),
}
_GOOD_DTYPES = ["float64", "float32", "int64", "Float64"]
_BAD_DTYPES = ["bool", "object", "category", "str"]
_DEFECTS = ["nan", "inf", "duplicate", "unsorted", "gap"]


def _rarely(draw, label):
    """True in about one example of six, so most examples get as far as a forecast."""
    return draw(st.integers(1, 6), label=label) == 4  # hypothesis favours the ends


@st.composite
def _values(draw, n, n_columns):
    """Float values of one of a few shapes: waves, constants, huge or tiny numbers."""
    kind = draw(st.sampled_from(["wave", "constant", "huge", "tiny", "integers"]))
    t = np.arange(n)[:, None]
    wave = np.sin(t / (1.0 + np.arange(n_columns))) + 0.1 * np.cos(t * 1.3)
    return {
        "wave": 10 + wave,
        "constant": np.full((n, n_columns), draw(st.floats(-1e6, 1e6))),
        "huge": 1e12 * (1 + 0.1 * wave),
        "tiny": 1e-9 * wave,
        "integers": np.round(5 * wave),
    }[kind]


def _cast(frame, dtype):
    if dtype == "int64" or dtype == "bool":
        return (frame.round() if dtype == "int64" else frame > frame.mean()).astype(dtype)
    return frame.astype(dtype)


@st.composite
def _frame(draw, index, prefix, defect_allowed):
    n_columns = draw(st.integers(1, 3))
    values = draw(_values(len(index), n_columns))
    frame = pd.DataFrame(values, index=index, columns=[f"{prefix}{i}" for i in range(n_columns)])
    bad_dtype = _rarely(draw, "bad dtype")
    dtype = draw(st.sampled_from(_BAD_DTYPES if bad_dtype else _GOOD_DTYPES))
    defect = "none"
    if defect_allowed and _rarely(draw, "defect"):
        defect = draw(st.sampled_from(_DEFECTS))
    position = draw(st.integers(0, max(len(index) - 1, 0)))
    if defect in ("nan", "inf") and len(index) and dtype.startswith(("float", "Float")):
        frame.iloc[position, 0] = np.nan if defect == "nan" else -np.inf
    return _cast(frame, dtype), defect, position


def _apply_index_defect(frame, defect, position):
    if len(frame) < 2:
        return frame
    position = min(position, len(frame) - 2)
    if defect == "duplicate":
        return pd.concat([frame.iloc[: position + 1], frame.iloc[position:]])
    if defect == "unsorted":
        order = np.arange(len(frame))
        order[[position, position + 1]] = order[[position + 1, position]]
        return frame.iloc[order]
    if defect == "gap" and len(frame) >= 3:  # an inner point: dropping the last is no gap
        return frame.drop(frame.index[min(position + 1, len(frame) - 2)])
    return frame


@st.composite
def _hyperparameters(draw):
    seq_len = draw(st.integers(1, 12))
    d_model = draw(st.sampled_from([4, 6, 8]))
    return dict(
        seq_len=seq_len,
        label_len=seq_len + 1 if _rarely(draw, "bad label_len") else draw(st.integers(0, seq_len)),
        d_model=d_model,
        n_heads=3 if _rarely(draw, "n_heads=3") else draw(st.sampled_from([1, 2])),
        e_layers=draw(st.integers(1, 3)),
        d_layers=draw(st.integers(1, 2)),
        d_ff=8,
        factor=draw(st.integers(1, 5)),
        attn=draw(st.sampled_from(["prob", "full"])),
        distil=draw(st.booleans()),
        dropout=draw(st.sampled_from([0.0, 0.1])),
        embed=draw(st.sampled_from(["timeF", "fixed", "learned"])),
        activation=draw(st.sampled_from(["gelu", "relu"])),
        train_epochs=2 if _rarely(draw, "2 epochs") else 1,
        batch_size=1 if _rarely(draw, "batch_size=1") else draw(st.integers(8, 32)),
        learning_rate=draw(st.sampled_from([1e-3, 1e-2])),
        patience=1,
        lradj=draw(st.sampled_from(["type1", "constant"])),
        gradient_clip=draw(st.sampled_from([None, 1.0])),
        validation_size=draw(st.sampled_from([0, 0.1, 0.3])),
        scale=draw(st.booleans()),
        random_state=0,
        device="cpu",
    )


@st.composite
def _horizon(draw, full_index, n):
    """fh as the user writes it, and the steps after the cutoff it means.

    The steps are None for an fh that fit must refuse: time points of another index
    type than y's, off its grid, or time spans.
    """
    if n and _rarely(draw, "fh refused"):
        return draw(_refused_horizon(full_index, n)), None
    lowest = -2 if _rarely(draw, "fh in-sample") else 1
    steps = draw(st.lists(st.integers(lowest, 6), min_size=1, max_size=4, unique=True))
    if draw(st.booleans()) or n == 0:
        return steps, steps
    ahead = [s for s in steps if s >= 1]
    if not ahead:
        return steps, steps
    return pd.Index(full_index[n - 1 + np.array(ahead)]), ahead  # absolute time points


@st.composite
def _refused_horizon(draw, full_index, n):
    kind = draw(st.sampled_from(["other index type", "off the grid", "time spans"]))
    step = full_index[n] - full_index[n - 1]
    if kind == "off the grid" and isinstance(step, pd.Timedelta):
        return pd.DatetimeIndex([full_index[n] + step / 2])
    if kind == "time spans":
        return pd.to_timedelta([draw(st.sampled_from(["1h", "1D", "90min"]))])
    if isinstance(full_index, (pd.DatetimeIndex, pd.PeriodIndex)):
        return ForecastingHorizon([n + 1], is_relative=False)  # integers as time points
    return pd.DatetimeIndex(["2020-01-01"])


def _assert_forecast(y_pred, columns, expected_index):
    frame = y_pred.to_frame() if isinstance(y_pred, pd.Series) else y_pred
    if isinstance(y_pred, pd.DataFrame):
        assert list(y_pred.columns) == list(columns)
    else:
        assert len(columns) == 1
    np.testing.assert_array_equal(np.asarray(frame.index), np.asarray(expected_index))
    assert np.isfinite(frame.to_numpy(np.float64)).all()


def _assert_documented(error):
    assert isinstance(error, DOCUMENTED), repr(error)
    origin = traceback.extract_tb(error.__traceback__)[-1].filename
    assert origin.startswith(_OURS[0]) or _OURS[1] in origin, (
        f"{type(error).__name__} raised in {origin}, not by informer_sk or sktime: {error}"
    )


@FUZZ
@given(data=st.data())
def test_any_input_gives_a_forecast_or_a_documented_error(data):
    draw = data.draw
    n = draw(st.integers(0, 60) if _rarely(draw, "any length") else st.integers(20, 60), label="n")
    n_new = draw(st.integers(0, 5), label="n_new")
    full_index = _INDEXES[draw(st.sampled_from(list(_INDEXES)), label="index")](n + n_new + 12)
    y_all, defect, position = draw(_frame(full_index, "y", defect_allowed=True), label="y")
    with_X = draw(st.booleans(), label="with_X")
    X_all = draw(_frame(full_index, "x", defect_allowed=False), label="X")[0] if with_X else None
    y_fit = _apply_index_defect(y_all.iloc[:n], defect, position)
    if y_fit.shape[1] == 1 and draw(st.booleans(), label="as Series"):
        y_fit = y_fit.iloc[:, 0]
    fh, steps = draw(_horizon(full_index, n), label="fh")
    params = draw(_hyperparameters(), label="params")
    update_params = draw(st.booleans(), label="update_params")

    forecaster = InformerForecaster(**params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecaster.fit(y_fit, X=None if X_all is None else X_all.iloc[:n], fh=fh)
            assert steps is not None, f"fit accepted fh={fh!r} for y's index {y_fit.index[:2]}"
            future = full_index[n : n + max(steps)]
            y_pred = forecaster.predict(X=None if X_all is None else X_all.loc[future])
            _assert_forecast(y_pred, y_all.columns, full_index[n - 1 + np.array(sorted(steps))])
            if n_new:
                new = slice(n, n + n_new)
                y_new = y_all.iloc[new] if y_fit.ndim == 2 else y_all.iloc[new, 0]
                X_new = None if X_all is None else X_all.iloc[new]
                forecaster.update(y_new, X=X_new, update_params=update_params)
                if isinstance(fh, pd.Index):  # absolute time points stay where they are
                    steps = [n - 1 + s - (n + n_new - 1) for s in steps]
                cutoff = n + n_new - 1
                future = full_index[cutoff + 1 : cutoff + 1 + max(steps)]
                y_pred = forecaster.predict(X=None if X_all is None else X_all.loc[future])
                expected = full_index[cutoff + np.array(sorted(steps))]
                _assert_forecast(y_pred, y_all.columns, expected)
        event("outcome: forecast" + (" after update" if n_new else ""))
    except AssertionError:
        raise
    except BaseException as error:  # noqa: BLE001 - the property is about what is raised
        _assert_documented(error)
        event(f"outcome: {type(error).__name__}: {str(error)[:28]}")


_PANEL_FORMS = ["df-list", "numpy3D", "pd-multiindex"]
_VALUE_DEFECTS = {"nan": np.nan, "inf": -np.inf, "huge": 1e35}


@FUZZ
@given(data=st.data())
def test_any_panel_gives_a_forecast_or_an_error_naming_the_bad_series(data):
    """Lists of frames, 3D arrays and MultiIndex frames meet the same checks as a frame."""
    draw = data.draw
    form = draw(st.sampled_from(_PANEL_FORMS), label="form")
    n_series = draw(st.integers(1, 3), label="n_series")
    n, n_columns = draw(st.integers(12, 30), label="n"), draw(st.integers(1, 2), label="columns")
    index = pd.RangeIndex(n) if form == "numpy3D" else _INDEXES["h"](n)
    frames = [
        pd.DataFrame(draw(_values(n, n_columns)) * (1 + i), index=index,
                     columns=[f"var_{j}" for j in range(n_columns)])  # fmt: skip
        for i in range(n_series)
    ]
    defect = draw(st.sampled_from(list(_VALUE_DEFECTS)), label="defect") if _rarely(draw, "bad") else None
    bad_series = draw(st.integers(0, n_series - 1), label="bad series")
    if defect:
        frames[bad_series].iloc[draw(st.integers(0, n - 1)), 0] = _VALUE_DEFECTS[defect]
    y = {
        "df-list": frames,
        "numpy3D": np.stack([f.to_numpy().T for f in frames]) if form == "numpy3D" else None,
        "pd-multiindex": pd.concat(frames, keys=range(n_series)),
    }[form]
    seq_len = draw(st.integers(1, 8), label="seq_len")
    params = dict(seq_len=seq_len, label_len=seq_len // 2, d_model=4, n_heads=1, d_ff=8,
                  e_layers=1, d_layers=1, train_epochs=1, batch_size=16, validation_size=0,
                  random_state=0, device="cpu")  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y_pred = InformerForecaster(**params).fit(y, fh=[1, 2]).predict()
    except AssertionError:
        raise
    except BaseException as error:  # noqa: BLE001 - the property is about what is raised
        _assert_documented(error)
        if defect:
            assert str(error).startswith(f"y series {bad_series!r} has "), error
        event(f"outcome: {type(error).__name__}: {str(error)[:28]}")
        return
    assert defect is None, f"fit accepted a {defect} value in series {bad_series} of a {form}"
    values = [f.to_numpy() for f in y_pred] if isinstance(y_pred, list) else np.asarray(y_pred)
    assert np.isfinite(np.asarray(values, dtype=np.float64)).all()
    event(f"outcome: forecast of a {form}")
