"""Informer forecaster: the sktime face of the Informer network.

sktime glue only: checks, scaling, calendar features and windows are delegated to
``windows.py`` and ``calendar.py``, the network to ``nn/``, the fit loop to
``training.py``.
"""

__all__ = ["InformerForecaster"]

import copy

import numpy as np
import pandas as pd
import torch
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from informer_sk.calendar import calendar_marks, calendar_spec
from informer_sk.nn import Informer, InformerConfig
from informer_sk.training import resolve_device, seeded, train_network
from informer_sk.windows import SeriesTensors, Windows, split_starts, window_starts


class InformerForecaster(BaseForecaster):
    """Informer: a transformer for long-sequence time-series forecasting.

    Reads the last ``seq_len`` points and emits the whole horizon in one forward pass
    (Zhou et al., 2021). The encoder uses ProbSparse self-attention, which gives real
    attention only to the ``factor * ceil(ln L)`` most "active" queries, and halves the
    sequence between layers by self-attention distilling; the generative decoder starts
    from the last ``label_len`` known points followed by zero placeholders for the
    horizon. Univariate and multivariate ``y`` are forecast jointly (every column of
    ``y`` is a target); exogenous ``X`` enters the encoder with its past values and
    the decoder with its known future values, which must be passed to ``predict``.

    Parameters
    ----------
    seq_len : int, default=96
        Length of the input window read by the encoder.
    label_len : int, default=48
        Number of known points that start the decoder (its "start token");
        at most ``seq_len``.
    d_model : int, default=512
        Width of the model.
    n_heads : int, default=8
        Number of attention heads; must divide ``d_model``.
    e_layers : int, default=2
        Number of encoder layers.
    d_layers : int, default=1
        Number of decoder layers.
    d_ff : int, default=2048
        Width of the feed-forward layers.
    factor : int, default=5
        ProbSparse sampling factor c: ``c * ceil(ln L)`` keys are sampled and as many
        queries attend.
    attn : {"prob", "full"}, default="prob"
        Self-attention of encoder and decoder: ProbSparse or canonical full attention.
    distil : bool, default=True
        Halve the sequence between encoder layers (Conv1d, BatchNorm, ELU, MaxPool).
    dropout : float, default=0.05
        Dropout rate, in [0, 1).
    embed : {"timeF", "fixed", "learned"}, default="timeF"
        Calendar embedding: linear map of continuous calendar features, fixed
        sinusoidal tables, or learned tables.
    activation : {"gelu", "relu"}, default="gelu"
        Activation of the feed-forward layers.
    train_epochs : int, default=6
        Maximum number of passes over the training windows.
    batch_size : int, default=32
    learning_rate : float, default=1e-4
        Initial learning rate of Adam.
    patience : int, default=3
        Epochs without a lower validation loss before training stops.
    lradj : {"type1", "constant"}, default="type1"
        Learning-rate schedule: "type1" halves it after every epoch (the original's).
    validation_size : float, default=0.2
        Fraction of the training series, at its end, whose windows decide early
        stopping; the best epoch's weights are kept. 0 trains every epoch.
    scale : bool, default=True
        Standardise every column with the training part's mean and standard
        deviation; forecasts are returned on the original scale.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout and the ProbSparse key sampling.
        The same integer gives bit-identical forecasts on CPU; None differs between
        fits. ``predict`` is deterministic for a fitted model either way.
    device : str, default="auto"
        Torch device; "auto" picks CUDA, then MPS, then the CPU.
    verbose : bool, default=False
        Show a progress bar with the loss for each epoch.

    Attributes
    ----------
    network_ : informer_sk.nn.Informer
        The trained network.
    history_ : list of dict
        Train and validation loss and learning rate per epoch.
    best_epoch_ : int
        The epoch whose weights the network holds.
    n_parameters_ : int
        Number of trainable parameters.
    pred_len_ : int
        Length of the horizon the network emits (the largest step of ``fh``).

    References
    ----------
    .. [1] Zhou, H., Zhang, S., Peng, J., Zhang, S., Li, J., Xiong, H., Zhang, W.
       (2021). Informer: Beyond Efficient Transformer for Long Sequence Time-Series
       Forecasting. Proceedings of the AAAI Conference on Artificial Intelligence,
       35(12), 11106-11115.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from informer_sk import InformerForecaster
    >>> y = load_airline()
    >>> forecaster = InformerForecaster(
    ...     seq_len=24, label_len=12, d_model=16, n_heads=2, d_ff=32,
    ...     train_epochs=2, validation_size=0, random_state=0,
    ... )
    >>> forecaster.fit(y, fh=[1, 2, 3])
    InformerForecaster(...)
    >>> y_pred = forecaster.predict()
    >>> y_pred.shape
    (3,)
    """

    _tags = {
        "authors": ["informer_sk developers"],
        "maintainers": ["informer_sk developers"],
        "python_dependencies": ["torch"],
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": True,
        "capability:exogenous": True,
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
        "capability:insample": False,
        "capability:pred_int": False,
        "capability:missing_values": False,
        "capability:update": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }
    # the forecaster keeps its own context window (_context_y, _context_X): the last
    # points needed to forecast and to fine-tune, not the whole history
    _config = {"remember_data": False}

    def __init__(
        self,
        seq_len=96,
        label_len=48,
        d_model=512,
        n_heads=8,
        e_layers=2,
        d_layers=1,
        d_ff=2048,
        factor=5,
        attn="prob",
        distil=True,
        dropout=0.05,
        embed="timeF",
        activation="gelu",
        train_epochs=6,
        batch_size=32,
        learning_rate=1e-4,
        patience=3,
        lradj="type1",
        validation_size=0.2,
        scale=True,
        random_state=None,
        device="auto",
        verbose=False,
    ):
        self.seq_len = seq_len
        self.label_len = label_len
        self.d_model = d_model
        self.n_heads = n_heads
        self.e_layers = e_layers
        self.d_layers = d_layers
        self.d_ff = d_ff
        self.factor = factor
        self.attn = attn
        self.distil = distil
        self.dropout = dropout
        self.embed = embed
        self.activation = activation
        self.train_epochs = train_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.lradj = lradj
        self.validation_size = validation_size
        self.scale = scale
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        super().__init__()
        # read by sktime when a user turns the remember_data config back on
        self._y, self._X = None, None

    def _fit(self, y, X, fh):
        """Fit the network to training windows of ``y`` (and ``X``).

        Parameters
        ----------
        y : pd.DataFrame
            Target series; every column is forecast.
        X : pd.DataFrame, optional
            Exogenous series on the same index.
        fh : ForecastingHorizon
            Out-of-sample steps; the network emits ``max(fh)`` steps.

        Returns
        -------
        self
        """
        _check_params(self)
        pred_len = int(fh.to_relative(self.cutoff)[-1])
        n_rows = len(y)
        n_val_rows = _n_validation_rows(n_rows, self.validation_size, pred_len)
        needed = self.seq_len + pred_len + n_val_rows
        if n_rows < needed:
            raise ValueError(
                f"y has {n_rows} time points, but InformerForecaster needs at least "
                f"{needed} (seq_len={self.seq_len} + max(fh)={pred_len}"
                + (f" + {n_val_rows} validation points" if n_val_rows else "")
                + "); pass a longer series or lower seq_len"
                + (" or validation_size." if n_val_rows else ".")
            )
        spec = calendar_spec(y.index)
        # statistics of the training part only, as the original: the validation tail
        # must not leak into the scaling
        y_scaler = _fit_scaler(y.iloc[: n_rows - n_val_rows], self.scale)
        x_scaler = None if X is None else _fit_scaler(X.iloc[: n_rows - n_val_rows], self.scale)

        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        series = _to_tensors(y, X, y_scaler, x_scaler, spec, device)
        train_starts, val_starts = split_starts(n_rows, self.seq_len, pred_len, n_val_rows)
        config = InformerConfig(
            enc_in=series.values.shape[1],
            dec_in=series.values.shape[1],
            c_out=y.shape[1],
            seq_len=self.seq_len,
            label_len=self.label_len,
            pred_len=pred_len,
            d_model=self.d_model,
            n_heads=self.n_heads,
            e_layers=self.e_layers,
            d_layers=self.d_layers,
            d_ff=self.d_ff,
            factor=self.factor,
            attn=self.attn,
            distil=self.distil,
            dropout=self.dropout,
            embed=self.embed,
            activation=self.activation,
            mark_sizes=spec.sizes,
        )
        with seeded(seed, device):
            network = Informer(config).to(device)
            history, best_epoch = train_network(
                network,
                self._windows(series, train_starts, pred_len),
                None if val_starts is None else self._windows(series, val_starts, pred_len),
                epochs=self.train_epochs,
                batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                patience=self.patience,
                lradj=self.lradj,
                verbose=self.verbose,
            )
        # assigned only now, so a failed fit leaves a previous fit untouched
        self.network_ = network
        self.history_ = history
        self.best_epoch_ = best_epoch
        self.n_parameters_ = sum(p.numel() for p in network.parameters() if p.requires_grad)
        self.pred_len_ = pred_len
        self.calendar_ = spec
        self.y_scaler_ = y_scaler
        self.X_scaler_ = x_scaler
        self.seed_ = seed
        self.device_ = device
        self._context_y, self._context_X = _tail(y, X, self.seq_len + pred_len - 1)
        return self

    def _predict(self, fh, X):
        """Forecast the horizon after the cutoff from the last ``seq_len`` points.

        Parameters
        ----------
        fh : ForecastingHorizon
        X : pd.DataFrame, optional
            Future values of the exogenous series at the steps of ``fh``; steps
            in between that it lacks take the values of the step before.

        Returns
        -------
        pd.DataFrame
            Forecasts at the steps of ``fh``, on the scale and columns of ``y``.
        """
        y_past = self._context_y.iloc[-self.seq_len :]
        future = ForecastingHorizon(
            np.arange(1, self.pred_len_ + 1), is_relative=True, freq=fh.freq
        ).to_absolute_index(self.cutoff)
        X_all = None
        if self.X_scaler_ is not None:
            X_all = _exogenous_rows(self._context_X, X, y_past.index.append(future), future)
        # the future rows of y are placeholders: the decoder zeroes them
        y_all = pd.concat([y_past, pd.DataFrame(0.0, index=future, columns=y_past.columns)])
        series = _to_tensors(y_all, X_all, self.y_scaler_, self.X_scaler_, self.calendar_, self.device_)
        windows = self._windows(series, torch.zeros(1, dtype=torch.long), self.pred_len_)
        x_enc, mark_enc, x_dec, mark_dec, _ = windows.batch(torch.arange(1))
        with seeded(self.seed_, self.device_), torch.inference_mode():
            self.network_.eval()
            out = self.network_(x_enc, mark_enc, x_dec, mark_dec)[0]  # (pred_len, c_out)
        values = self.y_scaler_.inverse_transform(out.cpu().numpy().astype(np.float64))
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int) - 1
        return pd.DataFrame(values[steps], index=future[steps], columns=y_past.columns)

    def _update(self, y, X=None, update_params=True):
        """Move the cutoff to the end of ``y``; fine-tune on its windows if asked.

        Forecasts always start from the newest ``seq_len`` points. With
        ``update_params=True`` the network is trained further, for ``train_epochs``
        epochs at the current scaling, on the windows whose targets contain new points.
        """
        context_y = _append(self._context_y, y)
        context_X = None if self._context_X is None else _append(self._context_X, X)
        keep = self.seq_len + self.pred_len_ - 1
        if update_params:
            n_rows = len(context_y)
            starts = window_starts(n_rows, self.seq_len, self.pred_len_, n_rows - len(y))
            if len(starts):  # else too few points for a whole training window
                self._fine_tune(context_y, context_X, starts)
        self._context_y, self._context_X = _tail(context_y, context_X, keep)
        return self

    def _fine_tune(self, y, X, starts):
        series = _to_tensors(y, X, self.y_scaler_, self.X_scaler_, self.calendar_, self.device_)
        network = copy.deepcopy(self.network_)  # train a copy: an error keeps the old
        with seeded(self.seed_ + len(self.history_), self.device_):
            history, _ = train_network(
                network,
                self._windows(series, starts, self.pred_len_),
                epochs=self.train_epochs,
                batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                patience=self.patience,
                lradj=self.lradj,
                verbose=self.verbose,
            )
        self.network_ = network
        self.history_ = self.history_ + history

    def _windows(self, series, starts, pred_len):
        return Windows(series, starts, self.seq_len, self.label_len, pred_len)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Return small, fast configurations for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"

        Returns
        -------
        list of dict
        """
        small = {
            "seq_len": 4,
            "label_len": 2,
            "d_model": 8,
            "n_heads": 2,
            "d_ff": 16,
            "train_epochs": 2,
            "batch_size": 8,
            "validation_size": 0,
            "random_state": 0,
            "device": "cpu",
        }
        return [
            small,
            {**small, "attn": "full", "embed": "fixed", "distil": False, "activation": "relu"},
        ]


_CHOICES = {
    "attn": ("prob", "full"),
    "embed": ("timeF", "fixed", "learned"),
    "activation": ("gelu", "relu"),
    "lradj": ("type1", "constant"),
}
_POSITIVE_INTS = (
    "seq_len", "d_model", "n_heads", "e_layers", "d_layers", "d_ff", "factor",
    "train_epochs", "batch_size", "patience",
)  # fmt: skip


def _check_params(forecaster):
    """Raise a ValueError naming the first invalid hyperparameter (sklearn's rule)."""
    p = forecaster.get_params()
    for name in _POSITIVE_INTS:
        if not isinstance(p[name], (int, np.integer)) or isinstance(p[name], bool) or p[name] < 1:
            raise ValueError(f"{name}={p[name]!r} must be a positive integer.")
    if not isinstance(p["label_len"], (int, np.integer)) or not 0 <= p["label_len"] <= p["seq_len"]:
        raise ValueError(
            f"label_len={p['label_len']!r} must be an integer in [0, seq_len={p['seq_len']}]."
        )
    if p["d_model"] % p["n_heads"]:
        raise ValueError(f"n_heads={p['n_heads']} must divide d_model={p['d_model']}.")
    for name, allowed in _CHOICES.items():
        if p[name] not in allowed:
            raise ValueError(f"{name}={p[name]!r} is not one of {allowed}.")
    for name in ("dropout", "validation_size"):
        if not 0 <= p[name] < 1:
            raise ValueError(f"{name}={p[name]!r} must be in [0, 1).")
    if not p["learning_rate"] > 0:
        raise ValueError(f"learning_rate={p['learning_rate']!r} must be positive.")


def _n_validation_rows(n_rows, validation_size, pred_len):
    if not validation_size:
        return 0
    n_val = int(round(validation_size * n_rows))
    if n_val < pred_len:
        raise ValueError(
            f"validation_size={validation_size} keeps {n_val} of {n_rows} points for "
            f"validation, fewer than the horizon max(fh)={pred_len}, so no validation "
            "window fits; raise validation_size, pass a longer series, or set "
            "validation_size=0 to train without early stopping."
        )
    return n_val


def _fit_scaler(frame, scale):
    return StandardScaler(with_mean=scale, with_std=scale).fit(frame.to_numpy(np.float64))


def _to_tensors(y, X, y_scaler, x_scaler, spec, device):
    """Scale a frame (and its exogenous frame) into the network's tensors."""
    y_values = y_scaler.transform(y.to_numpy(np.float64))
    X_values = None if X is None else x_scaler.transform(X.to_numpy(np.float64))
    return SeriesTensors.from_arrays(y_values, X_values, calendar_marks(y.index, spec), device)


def _tail(y, X, n_rows):
    return y.iloc[-n_rows:], None if X is None else X.iloc[-n_rows:]


def _append(old, new):
    """``old`` followed by ``new``; rows of ``new`` replace rows of ``old`` at equal times."""
    if new is None:
        return old
    both = pd.concat([old, new])
    return both[~both.index.duplicated(keep="last")]


def _exogenous_rows(X_past, X_new, index, future):
    """Rows of ``X`` at ``index``: the context, then the future values passed to predict.

    Horizon steps that ``X_new`` skips (a gapped ``fh`` such as ``[6, 12, 24]`` needs
    only those rows from the user) take the values of the step before them.
    """
    if X_new is None:
        raise ValueError(
            "This forecaster was fitted with exogenous X, so predict needs X with the "
            "future values for the steps of fh."
        )
    if not len(future.intersection(X_new.index)):
        raise ValueError(
            f"X passed to predict has no row in the horizon {future[0]} ... {future[-1]}; "
            "pass X holding the future values for the steps of fh."
        )
    return _append(X_past, X_new).reindex(index).ffill()
