"""The models of the accuracy benchmark: each fits on one setting and forecasts its test windows.

Every model is a function ``model(setting, seed) -> Forecasts``: it fits on the rows
``setting.fit_rows`` of the z-scored task frame (the last ``setting.n_val_rows`` of them
for early stopping where the model has it) and forecasts the test windows
``setting.starts``, all of them or, for models fitted per window, every
``setting.stride``-th. ``MODELS`` maps the names ``--models`` takes to them, with the
optional package each needs; :func:`available` tells which are installed.
"""

__all__ = [
    "MODELS",
    "Forecasts",
    "Setting",
    "available",
    "informer_windows_forecast",
    "naive_forecasts",
    "seasonal_means",
    "simplex_weights",
]

import contextlib
import importlib.util
import logging
import math
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from informer_sk.ensemble import simplex_weights  # the weighted rule's weights, shared with InformerEnsemble
from informer_sk.training import best_residual_periods
from informer_sk.windows import SeriesTensors, Windows, window_starts

logger = logging.getLogger(__name__)

CLASSIC_CONTEXT_DAYS = 14


@dataclass(frozen=True)
class Setting:
    """One (task, horizon) cell of the benchmark: the data every model sees.

    data : z-scored frame of the task's columns, every row up to the end of the test rows
    fit_start, fit_end : rows ``[fit_start, fit_end)`` fit every model
    n_val_rows : the last rows of those, whose windows decide early stopping
    starts : (N,) first input row of each test window
    neural : the Informer's configuration, which the neural baselines copy
    candidates : overrides of ``neural``; with several, the Informer fits each and keeps
        the one with the lowest validation loss (validation rows only, never the test rows)
    combine : with several candidates, ``"best"`` (the lowest validation loss), ``"mean"``
        (the mean of every candidate's forecast: an ensemble, nothing chosen) or
        ``"weighted"`` (a weighted mean, the weights fitted on the validation windows)
    """

    data: pd.DataFrame
    fit_start: int
    fit_end: int
    n_val_rows: int
    starts: np.ndarray
    seq_len: int
    label_len: int
    pred_len: int
    sp: int
    stride: int
    neural: dict
    candidates: tuple = ()
    combine: str = "best"

    @property
    def freq(self):
        return self.data.index.freqstr

    @property
    def fit_frame(self):
        return self.data.iloc[self.fit_start : self.fit_end]

    @property
    def n_train_windows(self):
        n_train_rows = self.fit_end - self.fit_start - self.n_val_rows
        return max(1, n_train_rows - self.seq_len - self.pred_len + 1)

    @property
    def epochs(self):
        return self.neural.get("train_epochs", 6)

    @property
    def batch_size(self):
        return self.neural.get("batch_size", 32)

    @property
    def steps_per_epoch(self):
        return math.ceil(self.n_train_windows / self.batch_size)

    @property
    def validation_starts(self):
        """First input row of every window whose target lies in the validation rows."""
        first = max(self.fit_start, self.fit_end - self.n_val_rows - self.seq_len)
        return np.arange(first, self.fit_end - self.seq_len - self.pred_len + 1)

    def subsample(self):
        """Indices of the windows that per-window models forecast: every ``stride``-th."""
        return np.arange(0, len(self.starts), self.stride)


@dataclass
class Forecasts:
    """(n, pred_len, C) forecasts of the test windows ``windows`` (indices into ``starts``),
    and the fitted model of a global model (for the tests' checks against its own predict)."""

    values: np.ndarray
    windows: np.ndarray
    fit_s: float
    predict_s: float
    fitted: object = None
    chosen: int = None  # which of the setting's candidates, where it keeps the best of several
    members: list = None  # each candidate's own forecasts, where several were fitted
    weights: np.ndarray = None  # the members' weights in ``values``, where it is a weighted mean

    @property
    def combined(self):
        """How many candidates' forecasts ``values`` averages (None: one forecaster's)."""
        return len(self.members) if self.members and self.chosen is None else None


# --- naive ---------------------------------------------------------------------------


def naive_forecasts(values, starts, seq_len, pred_len, sp):
    """Last-value and seasonal-naive forecasts of every window, vectorised.

    Parameters
    ----------
    values : np.ndarray
        (T, C) series.
    starts : np.ndarray
        (N,) first input row of each window; its last known row is ``start + seq_len - 1``.
    seq_len, pred_len : int
    sp : int
        Seasonal period, at most ``seq_len``.

    Returns
    -------
    last, seasonal : np.ndarray
        (N, pred_len, C) each.

    Examples
    --------
    >>> values = np.arange(10.0)[:, None]
    >>> last, seasonal = naive_forecasts(values, np.array([0]), seq_len=6, pred_len=3, sp=2)
    >>> last[0, :, 0], seasonal[0, :, 0]
    (array([5., 5., 5.]), array([4., 5., 4.]))
    """
    last_known = starts + seq_len - 1  # (N,)
    last = np.repeat(values[last_known][:, None, :], pred_len, axis=1)  # (N, pred_len, C)
    # step h (1-based) repeats the value one season before: row t - sp + ((h - 1) mod sp) + 1
    lag_rows = last_known[:, None] - sp + 1 + np.arange(pred_len) % sp  # (N, pred_len)
    return last, values[lag_rows]


def _naive(which):
    def model(setting, seed):
        t = time.perf_counter()
        last, seasonal = naive_forecasts(
            setting.data.to_numpy(), setting.starts, setting.seq_len, setting.pred_len, setting.sp
        )
        forecast = last if which == "last" else seasonal
        return Forecasts(forecast, np.arange(len(setting.starts)), 0.0, time.perf_counter() - t)

    return model


def seasonal_means(values, starts, seq_len, pred_len, sp, periods):
    """The mean of the last ``periods`` seasons before every window, over its horizon.

    ``periods=1`` is the seasonal naive forecast; (N, pred_len, C), as
    :func:`naive_forecasts`.

    Examples
    --------
    >>> values = np.arange(10.0)[:, None]
    >>> seasonal_means(values, np.array([0]), seq_len=6, pred_len=3, sp=2, periods=2)[0, :, 0]
    array([3., 4., 3.])
    """
    last_known = starts + seq_len - 1  # (N,)
    steps = np.arange(pred_len) % sp
    seasons = [values[last_known[:, None] - (d + 1) * sp + 1 + steps] for d in range(periods)]
    return np.mean(seasons, axis=0)


def _seasonal_mean(setting, seed):
    """The baseline of ``residual_periods="auto"`` alone, k picked by the forecaster's own
    rule on the validation windows (targets in the fit's last rows)."""
    t = time.perf_counter()
    values = setting.data.to_numpy(copy=True)  # pandas' own array is read-only, which torch warns about
    n_fit = setting.fit_end - setting.fit_start
    val_starts = setting.fit_start + window_starts(n_fit, setting.seq_len, setting.pred_len, n_fit - setting.n_val_rows)
    series = SeriesTensors.from_arrays(values, None, np.zeros((len(values), 0)))
    windows = Windows(series, val_starts, setting.seq_len, setting.label_len, setting.pred_len)
    periods = best_residual_periods(windows, setting.sp)
    logger.info("seasonal-mean: the last %d seasons", periods)
    forecast = seasonal_means(values, setting.starts, setting.seq_len, setting.pred_len, setting.sp, periods)
    return Forecasts(forecast, np.arange(len(setting.starts)), 0.0, time.perf_counter() - t)


# --- InformerForecaster -------------------------------------------------------------


def informer_windows_forecast(forecaster, frame, starts, series_id=None, alpha=None, seq_len=None):
    """Forecasts of a fitted ``InformerForecaster`` for many windows, as arrays.

    A thin wrapper of the forecaster's public ``predict_windows``, for windows given by
    their first input row.

    Parameters
    ----------
    forecaster : InformerForecaster
        Fitted without exogenous data; every column of ``frame`` is a target.
    frame : pd.DataFrame
        The series, same columns and frequency as in fit.
    starts : np.ndarray
        (N,) first input row of each window in ``frame``, evenly spaced.
    series_id : hashable, optional
        For a forecaster fitted on a panel: the series whose scaling ``frame`` takes.
    alpha : sequence of float, optional
        Quantile levels (probabilistic heads): return quantiles instead of points.
    seq_len : int, optional
        The input length that ``starts`` count from: window ``i`` is forecast from
        row ``starts[i] + seq_len - 1`` on, whatever the forecaster's own input length
        (default: the forecaster's).

    Returns
    -------
    np.ndarray
        (N, pred_len, C) forecasts on the scale of ``frame``, or (N, pred_len, C,
        len(alpha)) quantiles.
    """
    starts = np.asarray(starts)
    step = int(starts[1] - starts[0]) if len(starts) > 1 else 1
    if step < 1 or (np.diff(starts) != step).any():
        raise ValueError("starts must be evenly spaced and increasing.")
    seq_len, pred_len = seq_len or forecaster.seq_len, forecaster.pred_len_
    y = frame.iloc[: starts[-1] + seq_len + pred_len]  # the last window's horizon ends y
    start = frame.index[starts[0] + seq_len - 1]
    if series_id is not None:
        y = pd.concat({series_id: y}, names=["series", frame.index.name])
    pred = forecaster.predict_windows(y, start=start, step=step, alpha=alpha)
    # frame's column order (a single column may go under the fitted series' name)
    columns = list(frame.columns) if frame.shape[1] > 1 else list(pred.columns.unique(0))
    if alpha is not None:
        pred = pred[pd.MultiIndex.from_product([columns, list(alpha)])]
        return pred.to_numpy().reshape(len(starts), pred_len, len(columns), len(alpha))
    return pred[columns].to_numpy().reshape(len(starts), pred_len, len(columns))


def _informer_params(setting, attn, seed):
    # scale=False: the data are on the protocol's z-scale already, which is what the
    # forecaster's own scaling gives when it fits on all 16 months (its statistics are
    # the first 12's); fitted on fewer months (--quick) its own statistics would put
    # the test rows' lower level far outside what it was trained on
    validation_size = setting.n_val_rows / (setting.fit_end - setting.fit_start)
    return {**setting.neural, "attn": attn, "random_state": seed, "scale": False, "validation_size": validation_size}


def _informer(attn):
    def model(setting, seed):
        from informer_sk.forecaster import InformerForecaster

        params = _informer_params(setting, attn, seed)
        t = time.perf_counter()
        fitted = [
            InformerForecaster(**{**params, **overrides}).fit(setting.fit_frame, fh=np.arange(1, setting.pred_len + 1))
            for overrides in setting.candidates or ({},)
        ]  # fmt: skip
        fit_s = time.perf_counter() - t  # every candidate's fit: the price of choosing
        for f in fitted:
            if f.residual_periods_:
                logger.info("seed %d: residual baseline over the last %d seasons", seed, f.residual_periods_)
        # a candidate may read another input length: every one forecasts from the same rows
        members = [informer_windows_forecast(f, setting.data, setting.starts, seq_len=setting.seq_len) for f in fitted]
        chosen, weights = None, None
        if len(fitted) > 1:
            # each candidate scored by its forecasts of the validation windows (never the
            # test months): the weights it kept, also a start that no epoch beat
            starts = setting.validation_starts
            truth = setting.data.to_numpy(np.float64)[starts[:, None] + setting.seq_len + np.arange(setting.pred_len)]
            validation = [informer_windows_forecast(f, setting.data, starts, seq_len=setting.seq_len) for f in fitted]
            scores = [float(np.mean((v - truth) ** 2)) for v in validation]
            chosen = int(np.argmin(scores))
            losses = ", ".join(f"{score:.5f}" for score in scores)
            logger.info("seed %d: validation MSE %s: candidate %d", seed, losses, chosen + 1)
            if setting.combine == "weighted":
                weights = simplex_weights(validation, truth)
                logger.info("seed %d: weights %s on %d validation windows", seed, np.round(weights, 3).tolist(),
                            len(starts))  # fmt: skip
        averaged = chosen is not None and setting.combine in ("mean", "weighted")
        if weights is not None:
            forecast = np.tensordot(weights, np.stack(members), axes=1)
        else:
            forecast = np.mean(members, axis=0) if averaged else members[chosen or 0]
        return Forecasts(
            forecast, np.arange(len(setting.starts)), fit_s, time.perf_counter() - t - fit_s, fitted[chosen or 0],
            None if averaged else chosen, members if chosen is not None else None, weights,
        )  # fmt: skip

    return model


def _informer_channel_independent(setting, seed):
    """Ours as the peer is built: every column a univariate series of one network."""
    from informer_sk.forecaster import InformerForecaster

    t = time.perf_counter()
    forecaster = InformerForecaster(**_informer_params(setting, "prob", seed), channel_independent=True)
    fitted = forecaster.fit(setting.fit_frame, fh=np.arange(1, setting.pred_len + 1))
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    forecast = informer_windows_forecast(fitted, setting.data, setting.starts)
    return Forecasts(forecast, np.arange(len(setting.starts)), fit_s, time.perf_counter() - t, fitted)


# --- classic models, one fit per window ------------------------------------------------


def _per_window(make_forecaster):
    """Per-window fits of an sktime forecaster on the ``CLASSIC_CONTEXT_DAYS`` before each window's end."""

    def model(setting, seed):
        windows = setting.subsample()
        fh = np.arange(1, setting.pred_len + 1)
        context = CLASSIC_CONTEXT_DAYS * setting.sp
        out, fit_s, predict_s = [], 0.0, 0.0
        for start in setting.starts[windows]:
            end = start + setting.seq_len  # first forecast row
            history = setting.data.iloc[max(0, end - context) : end]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t = time.perf_counter()
                forecaster = make_forecaster(setting.sp).fit(history, fh=fh)
                fit_s += time.perf_counter() - t
                t = time.perf_counter()
                out.append(forecaster.predict().to_numpy())
                predict_s += time.perf_counter() - t
        return Forecasts(np.stack(out), windows, fit_s, predict_s)  # (n, pred_len, C)

    return model


def _deseasonalized(forecaster, sp):
    """``forecaster`` on additively deseasonalised data: sktime's default
    (multiplicative) deseasonalising is ruled out by the z-scale's negative values."""
    from sktime.forecasting.compose import TransformedTargetForecaster
    from sktime.transformations.series.detrend import Deseasonalizer

    if sp == 1:
        return forecaster
    return TransformedTargetForecaster([("deseasonalize", Deseasonalizer(model="additive", sp=sp)), ("model", forecaster)])


def _theta(sp):
    from sktime.forecasting.theta import ThetaForecaster

    return _deseasonalized(ThetaForecaster(deseasonalize=False), sp)


def _auto_ets(sp):
    from sktime.forecasting.ets import AutoETS

    # additive error, damped additive trend, additive daily season: the z-scale has
    # negative values, so no multiplicative component; fixed rather than auto-selected
    # to keep one fit per window affordable
    return AutoETS(error="add", trend="add", damped_trend=True, seasonal="add" if sp > 1 else None, sp=sp)


def _arima(sp):
    from sktime.forecasting.arima import ARIMA

    # ARIMA(2,0,1) with intercept on the additively deseasonalised window: a seasonal
    # ARIMA with a 24-step season is too slow to fit once per window
    return _deseasonalized(ARIMA(order=(2, 0, 1), with_intercept=True, suppress_warnings=True), sp)


def _prophet(sp):
    from sktime.forecasting.fbprophet import Prophet

    for name in ("cmdstanpy", "prophet"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # 14 days of context: the daily and weekly seasons, no yearly one
    return Prophet(daily_seasonality=sp > 1, weekly_seasonality=True, yearly_seasonality=False)


# --- global neural baselines ------------------------------------------------------------


@contextlib.contextmanager
def _global_torch_seed(seed):
    """Seed torch's global RNG, which the sktime LTSF forecasters draw from, and restore it."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        yield


def _batched_network_forecast(network, dataset, starts, batch_size=256):
    """Run ``network`` over the dataset items ``starts`` (item i = window starting at row i)."""
    from torch.utils.data import DataLoader, Subset

    loader = DataLoader(Subset(dataset, [int(s) for s in starts]), batch_size=batch_size)
    network.eval()
    with torch.inference_mode():
        out = [network(x).numpy() for x, _ in loader]  # (b, pred_len, C) each
    return np.concatenate(out).astype(np.float64)


def _timed_global_fit(forecaster, setting, seed):
    """Fit a global sktime forecaster on the fit rows, seeded and quiet; its wall seconds."""
    t = time.perf_counter()
    with _global_torch_seed(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster.fit(setting.fit_frame, fh=np.arange(1, setting.pred_len + 1))
    return time.perf_counter() - t

def _ltsf_dlinear(setting, seed):
    from sktime.forecasting.base.adapters._pytorch import PyTorchTrainDataset
    from sktime.forecasting.ltsf import LTSFDLinearForecaster

    forecaster = LTSFDLinearForecaster(
        seq_len=setting.seq_len, pred_len=setting.pred_len, num_epochs=setting.epochs,
        batch_size=setting.batch_size, in_channels=setting.data.shape[1], lr=1e-3,
    )  # fmt: skip
    fit_s = _timed_global_fit(forecaster, setting, seed)
    t = time.perf_counter()
    # the dataset sktime trains on, over the whole frame: item i is the window from row i
    dataset = PyTorchTrainDataset(y=setting.data, seq_len=setting.seq_len, fh=setting.pred_len)
    forecast = _batched_network_forecast(forecaster.network, dataset, setting.starts)
    return Forecasts(forecast, np.arange(len(setting.starts)), fit_s, time.perf_counter() - t, forecaster)


def _ltsf_transformer(setting, seed):
    from sktime.forecasting.ltsf import LTSFTransformerForecaster
    from sktime.networks.ltsf.data.dataset import PytorchFormerDataset

    p = setting.neural
    forecaster = LTSFTransformerForecaster(
        seq_len=setting.seq_len, context_len=setting.label_len, pred_len=setting.pred_len,
        num_epochs=setting.epochs, batch_size=setting.batch_size, in_channels=setting.data.shape[1],
        lr=p.get("learning_rate", 1e-4), d_model=p.get("d_model", 512), n_heads=p.get("n_heads", 8),
        d_ff=p.get("d_ff", 2048), e_layers=p.get("e_layers", 2), d_layers=p.get("d_layers", 1),
        dropout=p.get("dropout", 0.05), activation=p.get("activation", "gelu"), freq=setting.freq,
    )  # fmt: skip
    fit_s = _timed_global_fit(forecaster, setting, seed)
    t = time.perf_counter()
    dataset = PytorchFormerDataset(
        y=setting.data, seq_len=setting.seq_len, context_len=setting.label_len, pred_len=setting.pred_len,
        freq=setting.freq, temporal_encoding=forecaster._temporal_encoding,
        temporal_encoding_type=forecaster.temporal_encoding_type,
    )  # fmt: skip
    forecast = _batched_network_forecast(forecaster.network, dataset, setting.starts)
    return Forecasts(forecast, np.arange(len(setting.starts)), fit_s, time.perf_counter() - t, forecaster)


def _quiet_lightning():
    for name in ("lightning", "lightning.pytorch", "pytorch_lightning", "lightning_fabric", "neuralforecast"):
        logging.getLogger(name).setLevel(logging.ERROR)


_TRAINER = dict(
    accelerator="cpu", devices=1, enable_progress_bar=False, enable_model_summary=False,
    logger=False, enable_checkpointing=False,
)  # fmt: skip


def _windows_frame(setting, column):
    """Long frame (unique_id, ds, y): every test window's ``seq_len`` inputs of ``column`` as its own series."""
    rows = setting.starts[:, None] + np.arange(setting.seq_len)  # (N, seq_len)
    n = len(setting.starts)
    return pd.DataFrame({
        "unique_id": np.repeat(np.arange(n), setting.seq_len),
        "ds": setting.data.index[rows.ravel()],
        "y": setting.data.iloc[:, column].to_numpy()[rows.ravel()],
    })  # fmt: skip


def _neuralforecast_windows(nf, setting, column):
    """(N, pred_len) forecasts of a fitted ``NeuralForecast`` for every test window of ``column``."""
    out = nf.predict(df=_windows_frame(setting, column))
    model_column = [c for c in out.columns if c not in ("unique_id", "ds")][0]
    out = out.sort_values(["unique_id", "ds"])
    return out[model_column].to_numpy(np.float64).reshape(len(setting.starts), setting.pred_len)


def _nf_lstm(setting, seed):
    from sktime.forecasting.neuralforecast import NeuralForecastLSTM

    _quiet_lightning()
    hidden = setting.neural.get("d_model", 512)
    forecaster = NeuralForecastLSTM(
        freq=setting.freq, input_size=setting.seq_len, inference_input_size=setting.seq_len,
        encoder_hidden_size=hidden, decoder_hidden_size=hidden,
        max_steps=setting.epochs * setting.steps_per_epoch, batch_size=setting.batch_size,
        learning_rate=1e-3, random_seed=seed, trainer_kwargs=_TRAINER,
    )  # fmt: skip
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster.fit(setting.fit_frame, fh=np.arange(1, setting.pred_len + 1))
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    # univariate adapter: sktime fits one model per column of a multivariate frame;
    # each column's NeuralForecast object forecasts every window in one call
    columns = range(setting.data.shape[1])
    if forecaster._is_vectorized:
        cores = [forecaster.forecasters_.iloc[0, j]._forecaster for j in columns]
    else:
        cores = [forecaster._forecaster]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecast = np.stack([_neuralforecast_windows(nf, setting, j) for j, nf in zip(columns, cores)], axis=-1)
    return Forecasts(forecast, np.arange(len(setting.starts)), fit_s, time.perf_counter() - t, forecaster)


def _nf_informer(setting, seed):
    """neuralforecast's Informer at our configuration, on the same rows."""
    from neuralforecast import NeuralForecast
    from neuralforecast.losses.pytorch import MSE
    from neuralforecast.models import Informer

    _quiet_lightning()
    p = setting.neural
    n_columns = setting.data.shape[1]
    steps = setting.steps_per_epoch
    model = Informer(
        h=setting.pred_len, input_size=setting.seq_len,
        decoder_input_size_multiplier=setting.label_len / setting.seq_len,
        hidden_size=p.get("d_model", 512), n_head=p.get("n_heads", 8), conv_hidden_size=p.get("d_ff", 2048),
        encoder_layers=p.get("e_layers", 2), decoder_layers=p.get("d_layers", 1), factor=p.get("factor", 5),
        dropout=p.get("dropout", 0.05), activation=p.get("activation", "gelu"), distil=p.get("distil", True),
        loss=MSE(), learning_rate=p.get("learning_rate", 1e-4),
        # our epochs, with the lr halved after each (lradj type1) and early stopping
        # checked once an epoch on the validation rows
        max_steps=setting.epochs * steps, num_lr_decays=setting.epochs, val_check_steps=steps,
        early_stop_patience_steps=p.get("patience", 3),
        # channel-independent: every column is a series of the batch
        batch_size=n_columns, windows_batch_size=setting.batch_size, valid_batch_size=n_columns,
        scaler_type="identity", random_seed=seed, **_TRAINER,
    )  # fmt: skip
    frame = setting.fit_frame
    train = pd.concat(
        [pd.DataFrame({"unique_id": j, "ds": frame.index, "y": frame.iloc[:, j].to_numpy()}) for j in range(n_columns)]
    )
    nf = NeuralForecast(models=[model], freq=setting.freq)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nf.fit(df=train, val_size=setting.n_val_rows)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        forecast = np.stack([_neuralforecast_windows(nf, setting, j) for j in range(n_columns)], axis=-1)
    return Forecasts(forecast, np.arange(len(setting.starts)), fit_s, time.perf_counter() - t, nf)


# name: (function, needs seeds, module it needs or None, what it is)
MODELS = {
    "informer-prob": (_informer("prob"), True, None, "InformerForecaster, ProbSparse attention"),
    "informer-full": (_informer("full"), True, None, "InformerForecaster, full attention"),
    "informer-ci": (_informer_channel_independent, True, None, "InformerForecaster, ProbSparse, channel_independent=True"),
    "naive": (_naive("last"), False, None, "naive last value"),
    "seasonal-naive": (_naive("seasonal"), False, None, "seasonal naive (sp = one day)"),
    "seasonal-mean": (_seasonal_mean, False, None, "mean of the last k days, k picked on validation"),
    "theta": (_per_window(_theta), False, "statsmodels", "Theta, additive deseasonalising"),
    "autoets": (_per_window(_auto_ets), False, "statsmodels", "ETS(A,Ad,A), statsmodels via sktime AutoETS"),
    "arima": (_per_window(_arima), False, "pmdarima", "ARIMA(2,0,1), deseasonalised, sktime ARIMA"),
    "prophet": (_per_window(_prophet), False, "prophet", "Prophet, sktime adapter"),
    "nf-lstm": (_nf_lstm, True, "neuralforecast", "sktime NeuralForecastLSTM"),
    "dlinear": (_ltsf_dlinear, True, None, "sktime LTSFDLinearForecaster"),
    "ltsf-transformer": (_ltsf_transformer, True, None, "sktime LTSFTransformerForecaster"),
    "nf-informer": (_nf_informer, True, "neuralforecast", "neuralforecast Informer, our configuration"),
}  # fmt: skip


def available(name):
    """Whether the optional package that model ``name`` needs is installed.

    Examples
    --------
    >>> available("naive")
    True
    """
    module = MODELS[name][2]
    return module is None or importlib.util.find_spec(module) is not None
