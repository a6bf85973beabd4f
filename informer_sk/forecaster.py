"""Informer forecaster: the sktime face of the Informer network.

sktime glue only: checks, scaling, calendar features and windows are delegated to
``windows.py`` and ``calendar.py``, the network to ``nn/``, the fit loop to
``training.py``, the checks of the user's data to ``_checks.py``.
"""

__all__ = ["InformerForecaster"]

import contextlib
import copy
import functools

import numpy as np
import pandas as pd
import torch
from scipy.stats import norm
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

import informer_sk
from informer_sk import _checks
from informer_sk.calendar import calendar_marks, calendar_spec
from informer_sk.nn import Informer, InformerConfig
from informer_sk.training import (
    TrainingDiverged,
    gaussian_nll,
    pinball_loss,
    resolve_device,
    seeded,
    train_network,
)
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

    With ``loss="quantile"`` or ``loss="normal"`` the network also forecasts the
    uncertainty: ``predict_interval``, ``predict_quantiles`` and ``predict_var`` work
    (and ``predict_proba`` for the Normal head), and ``predict`` gives the median or
    the mean.

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
    gradient_clip : float or None, default=None
        If set, the global norm of the gradients is clipped to this value before
        every step: a remedy for training that diverges.
    loss : {"mse", "quantile", "normal"}, default="mse"
        What the network is trained to forecast. "mse": point forecasts by mean
        squared error, as the paper; no intervals. "quantile": the levels
        ``quantiles``, by pinball loss; the levels never cross, levels in between
        are interpolated linearly. "normal": a Normal's mean and standard
        deviation, by negative log-likelihood.
    quantiles : tuple of float, default=(0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)
        Levels the quantile head learns (with ``loss="quantile"``); 0.5 must be one
        of them, as the point forecast is the median. Quantiles outside the lowest
        and highest level cannot be predicted; the default covers the central 50%,
        80%, 90% and 95% intervals.
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
        The same integer gives bit-identical forecasts on CPU, in one process or in
        fresh ones; None is not deterministic: every fit draws a new seed.
        ``predict`` is deterministic for a fitted model either way, and the caller's
        global torch RNG is never touched.
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
    quantiles_ : tuple of float
        With ``loss="quantile"``, the sorted levels the network emits; else ().

    Notes
    -----
    Bad data, a bad horizon or bad hyperparameters raise a ``ValueError`` that names
    the argument, what it got, what is allowed and how to fix it, before anything
    changes; a ``fit`` or ``update`` that fails for any reason, training that diverges
    (``TrainingDiverged``) and Ctrl-C included, leaves the forecaster as it was. A
    Ctrl-C during ``fit`` after the first validated epoch instead stops training
    like early stopping: the best epoch's weights are kept and a warning says so.
    Pickles and sktime's ``save`` hold the weights on the CPU, the package version
    and a format version. See ``docs/reliability.md``.

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
        # True exactly when loss != "mse": set per instance in __init__
        "capability:pred_int": False,
        "capability:pred_int:insample": False,
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
        gradient_clip=None,
        loss="mse",
        quantiles=(0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975),
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
        self.gradient_clip = gradient_clip
        self.loss = loss
        self.quantiles = quantiles
        self.patience = patience
        self.lradj = lradj
        self.validation_size = validation_size
        self.scale = scale
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        super().__init__()
        self.set_tags(**{"capability:pred_int": loss != "mse"})
        # read by sktime when a user turns the remember_data config back on
        self._y, self._X = None, None

    # sktime's fit and update reset the forecaster and move its cutoff before calling
    # _fit and _update; these thin overrides check the data first and put everything
    # back if anything later fails, so a failed call never loses a fitted state

    def fit(self, y, X=None, fh=None):
        """Fit to ``y`` (and ``X``) for the horizon ``fh``; see ``BaseForecaster.fit``.

        Raises
        ------
        ValueError
            For bad hyperparameters, data or ``fh``, before anything changes. On
            any error the forecaster keeps its previous state, fitted or not.
        """
        _check_params(self)
        _checks.check_fit_data(y, X, fh, self.seq_len, self.validation_size)
        with _restored_on_error(self):
            return super().fit(y, X=X, fh=fh)

    def update(self, y, X=None, update_params=True):
        """Move the cutoff to the end of ``y``; see ``BaseForecaster.update``.

        Raises
        ------
        ValueError
            For data that does not continue the fitted series, before anything
            changes. On any error the forecaster keeps its previous state.
        """
        if self.is_fitted and not self._is_vectorized:
            _checks.check_update_data(y, X, self._context_y, self._context_X, self._freq)
        with _restored_on_error(self):
            return super().update(y, X=X, update_params=update_params)

    def predict(self, fh=None, X=None):
        """Forecast at ``fh``; see ``BaseForecaster.predict``.

        Raises
        ------
        ValueError
            For exogenous ``X`` that is missing, not numeric, not finite or not
            holding the fitted columns at every step of ``fh``.
        """
        frame = _checks.as_frame(X)
        if frame is not None and getattr(self, "X_scaler_", None) is not None:
            _checks.check_series(frame, "X")
        return super().predict(fh=fh, X=X)

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
        pred_len = int(fh.to_relative(self.cutoff)[-1])
        n_rows = len(y)
        n_val_rows = _checks.n_validation_rows(n_rows, self.validation_size, pred_len)
        _checks.check_length(n_rows, self.seq_len, pred_len, n_val_rows)
        X = None if X is None else X.loc[y.index]  # rows beyond y's are allowed
        freq = _checks.index_freq(y.index, "y")
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
            head=_HEADS[self.loss],
            quantiles=_levels(self) if self.loss == "quantile" else (),
        )
        with seeded(seed, device):
            network = Informer(config).to(device)
            history, best_epoch = train_network(
                network,
                self._windows(series, train_starts, pred_len),
                None if val_starts is None else self._windows(series, val_starts, pred_len),
                **self._training_settings(),
            )
        # assigned only now, so a failed fit leaves a previous fit untouched
        self.network_ = network
        self.history_ = history
        self.best_epoch_ = best_epoch
        self.n_parameters_ = sum(p.numel() for p in network.parameters() if p.requires_grad)
        self.pred_len_ = pred_len
        self.quantiles_ = config.quantiles
        self.calendar_ = spec
        self.y_scaler_ = y_scaler
        self.X_scaler_ = x_scaler
        self.seed_ = seed
        self.device_ = device
        self._freq = freq
        self._y_constants = _constant_values(y)
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
        out, y_past, future = self._network_output(fh, X)
        values = self.y_scaler_.inverse_transform(_point_forecast(out, self.network_.config))
        values = _hold_constants(values, y_past.to_numpy(np.float64), self._y_constants)
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int) - 1
        self._check_finite(values[steps])
        return pd.DataFrame(values[steps], index=future[steps], columns=y_past.columns)

    def _network_output(self, fh, X):
        """The network's raw output from the last ``seq_len`` points, and their frame.

        Returns
        -------
        out : np.ndarray
            (pred_len, c_out) float64 on the standardised scale, or (pred_len, c_out,
            n_outputs) for a probabilistic head.
        y_past : pd.DataFrame
            The ``seq_len`` points read by the encoder.
        future : pd.Index
            The ``pred_len`` time points after the cutoff.
        """
        y_past = self._context_y.iloc[-self.seq_len :]
        future = ForecastingHorizon(
            np.arange(1, self.pred_len_ + 1), is_relative=True, freq=fh.freq
        ).to_absolute_index(self.cutoff)
        X_all = None
        if self.X_scaler_ is not None:
            horizon = fh.to_absolute_index(self.cutoff)
            _checks.check_predict_X(X, self._context_X.columns, horizon)
            X_new = X[self._context_X.columns]
            X_all = _append(self._context_X, X_new).reindex(y_past.index.append(future)).ffill()
        # the future rows of y are placeholders: the decoder zeroes them
        y_all = pd.concat([y_past, pd.DataFrame(0.0, index=future, columns=y_past.columns)])
        series = _to_tensors(y_all, X_all, self.y_scaler_, self.X_scaler_, self.calendar_, self.device_)
        windows = self._windows(series, torch.zeros(1, dtype=torch.long), self.pred_len_)
        x_enc, mark_enc, x_dec, mark_dec, _ = windows.batch(torch.arange(1))
        with seeded(self.seed_, self.device_), torch.inference_mode():
            self.network_.eval()
            out = self.network_(x_enc, mark_enc, x_dec, mark_dec)[0]  # (pred_len, c_out[, n])
        return out.cpu().numpy().astype(np.float64), y_past, future

    def _check_finite(self, values):
        if not np.isfinite(values).all():
            # the loss is checked before each step, so a last step can diverge unseen
            raise TrainingDiverged(
                "The fitted network forecasts NaN or infinite values: its training "
                "diverged, or the inputs are too large for float32 arithmetic. Keep "
                f"scale=True (now {self.scale}), lower learning_rate (now "
                f"{self.learning_rate:g}) or set gradient_clip, and fit again."
            )

    # predict_interval is sktime's default: the quantiles at 0.5 -/+ coverage / 2

    def _predict_quantiles(self, fh, X, alpha):
        """Quantile forecasts at the levels ``alpha``, on the scale of ``y``.

        The quantile head gives its trained levels exactly and interpolates linearly
        between neighbouring ones (so quantiles never cross); the Normal head gives
        its Normal's quantiles.

        Parameters
        ----------
        fh : ForecastingHorizon
        X : pd.DataFrame, optional
        alpha : list of float

        Returns
        -------
        pd.DataFrame
            Rows: the steps of ``fh``; columns: (variable, alpha).

        Raises
        ------
        ValueError
            For a level of ``alpha`` outside the quantile head's trained levels.
        """
        config = self.network_.config
        if config.head == "quantile":
            _check_alpha_in_range(alpha, config.quantiles)
        out, y_past, future = self._network_output(fh, X)
        q = _unscale(_quantiles_at(out, config, alpha), self.y_scaler_)  # (pred_len, c, A)
        q = self._held(q, y_past)
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int) - 1
        self._check_finite(q[steps])
        columns = self._get_columns(method="predict_quantiles", alpha=alpha)
        return pd.DataFrame(q[steps].reshape(len(steps), -1), index=future[steps], columns=columns)

    def _predict_var(self, fh, X=None, cov=False):
        """Variance forecasts, on the scale of ``y``.

        The Normal head gives its Normal's variance; the quantile head the variance
        of the Normal whose quantiles fit its trained levels best (least squares).

        Parameters
        ----------
        fh : ForecastingHorizon
        X : pd.DataFrame, optional
        cov : bool, default=False
            Only False, marginal variances, is supported.

        Returns
        -------
        pd.DataFrame
            Rows: the steps of ``fh``; columns: those of ``y``.
        """
        if cov:
            raise NotImplementedError(
                "InformerForecaster forecasts marginal variances only; call "
                "predict_var with cov=False."
            )
        out, y_past, future = self._network_output(fh, X)
        std = _unscale(_normal_scale(out, self.network_.config), self.y_scaler_, shift=False)
        var = self._held(std**2, y_past, 0.0)  # (pred_len, c)
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int) - 1
        self._check_finite(var[steps])
        return pd.DataFrame(var[steps], index=future[steps], columns=y_past.columns)

    def _predict_proba(self, fh, X, marginal=True):
        """The Normal head's forecast distribution: an skpro ``Normal``.

        Parameters
        ----------
        fh : ForecastingHorizon
        X : pd.DataFrame, optional
        marginal : bool, default=True
            Only the marginal distribution per time point is available.

        Returns
        -------
        skpro.distributions.Normal
            Mean and standard deviation per step of ``fh`` and column of ``y``.

        Raises
        ------
        NotImplementedError
            For the quantile head, which forecasts quantiles, not a distribution.
        """
        from skpro.distributions import Normal

        if self.network_.config.head != "normal":
            raise NotImplementedError(
                f"predict_proba needs a parametric forecast distribution, but "
                f"loss={self.loss!r} forecasts quantiles; use predict_quantiles or "
                "predict_interval, or fit with loss='normal'."
            )
        out, y_past, future = self._network_output(fh, X)
        mean = self._held(_unscale(out[..., 0], self.y_scaler_), y_past)  # (pred_len, c)
        std = self._held(_unscale(out[..., 1], self.y_scaler_, shift=False), y_past, 0.0)
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int) - 1
        self._check_finite(mean[steps])
        self._check_finite(std[steps])
        index, columns = future[steps], y_past.columns
        return Normal(mu=mean[steps], sigma=std[steps], index=index, columns=columns)

    def _held(self, values, y_past, constant=None):
        """``values`` (pred_len, c[, k]) with the columns ``_hold_constants`` holds set.

        Set to their constant, or to ``constant`` (0 for a spread): a degenerate
        forecast distribution at the constant.
        """
        hold = _held_columns(y_past.to_numpy(np.float64), self._y_constants)
        fill = self._y_constants[hold] if constant is None else np.full(hold.sum(), constant)
        values[:, hold] = fill.reshape((-1,) + (1,) * (values.ndim - 2))
        return values

    def _update(self, y, X=None, update_params=True):
        """Move the cutoff to the end of ``y``; fine-tune on its windows if asked.

        Forecasts always start from the newest ``seq_len`` points. With
        ``update_params=True`` the network is trained further, for ``train_epochs``
        epochs at the current scaling, on the windows whose targets contain new points.
        """
        if y.shape[1] == 1:  # a univariate Series may come under another name
            y = y.set_axis(self._context_y.columns, axis=1)
        y = y[self._context_y.columns]
        context_y = _append(self._context_y, y)
        context_X = None
        if self._context_X is not None:
            context_X = _append(self._context_X, X.loc[y.index, self._context_X.columns])
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
                **self._training_settings(),
            )
        self.network_ = network
        self.history_ = self.history_ + history

    def _training_settings(self):
        """The fit loop's hyperparameters, shared by fit and fine-tuning in update."""
        return dict(
            loss=_loss_function(self.loss, _levels(self)),
            epochs=self.train_epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            patience=self.patience,
            lradj=self.lradj,
            gradient_clip=self.gradient_clip,
            verbose=self.verbose,
        )

    def _windows(self, series, starts, pred_len):
        return Windows(series, starts, self.seq_len, self.label_len, pred_len)

    def __getstate__(self):
        """Pickled state: the weights on the CPU, with the package and format versions.

        Used by pickle, ``copy.deepcopy`` and sktime's ``save``; a model trained on a
        GPU thus loads on a machine without one.
        """
        state = self.__dict__.copy()
        network = state.get("network_")
        if network is not None:
            weights = {k: v.detach().cpu() for k, v in network.state_dict().items()}
            state["network_"] = (network.config, weights)
        state["_saved_by"] = {"format": _STATE_FORMAT, "informer_sk": informer_sk.__version__}
        return state

    def __setstate__(self, state):
        """Rebuild the network from a pickled state, on its device if present, else the CPU."""
        state = dict(state)
        saved_by = state.pop("_saved_by", {"format": 1, "informer_sk": "?"})
        if saved_by["format"] < 2:  # saved before the probabilistic heads
            state.setdefault("loss", "mse")
            state.setdefault("quantiles", InformerForecaster().quantiles)
            if "network_" in state:
                state.setdefault("quantiles_", ())
        if saved_by["format"] > _STATE_FORMAT:
            raise ValueError(
                f"This InformerForecaster was saved by informer_sk {saved_by['informer_sk']} "
                f"in state format {saved_by['format']}, but informer_sk "
                f"{informer_sk.__version__} reads formats up to {_STATE_FORMAT}; upgrade "
                "informer_sk to load it, or fit the forecaster again."
            )
        if isinstance(state.get("network_"), tuple):
            config, weights = state["network_"]
            device = _available(state["device_"])
            with torch.random.fork_rng(devices=[]):  # initial weights, about to be replaced
                network = Informer(config)
            network.load_state_dict(weights)
            state["network_"] = network.to(device).eval()
            state["device_"] = device
        self.__dict__.update(state)

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
            {
                **small,
                "attn": "full",
                "embed": "fixed",
                "distil": False,
                "activation": "relu",
                "loss": "normal",
            },
            {**small, "loss": "quantile"},
        ]


# version of what __getstate__ writes; raise it when the pickled attributes change.
# 2: the probabilistic heads (loss, quantiles, quantiles_, the config's head), which
# an older reader would load into a point network of the wrong shape
_STATE_FORMAT = 2

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
    for name in ("distil", "scale", "verbose"):
        if not isinstance(p[name], (bool, np.bool_)):
            raise ValueError(f"{name}={p[name]!r} must be True or False.")
    if p["distil"]:
        # each distilling layer halves the sequence; its BatchNorm needs two time steps
        length = p["seq_len"]
        for layer in range(1, p["e_layers"]):
            if length < 2:
                raise ValueError(
                    f"seq_len={p['seq_len']} is too short for e_layers={p['e_layers']} with "
                    f"distil=True: distilling halves it to {length} time step before "
                    f"distilling layer {layer}, which needs at least 2; raise seq_len, "
                    "lower e_layers, or set distil=False."
                )
            length = (length + 1) // 2
    if p["d_model"] % p["n_heads"]:
        raise ValueError(f"n_heads={p['n_heads']} must divide d_model={p['d_model']}.")
    for name, allowed in _CHOICES.items():
        if p[name] not in allowed:
            raise ValueError(f"{name}={p[name]!r} is not one of {allowed}.")
    for name in ("dropout", "validation_size"):
        if not _is_real(p[name]) or not 0 <= p[name] < 1:
            raise ValueError(f"{name}={p[name]!r} must be a number in [0, 1).")
    if not _is_real(p["learning_rate"]) or not 0 < p["learning_rate"] < np.inf:
        raise ValueError(f"learning_rate={p['learning_rate']!r} must be a positive number.")
    clip = p["gradient_clip"]
    if clip is not None and (not _is_real(clip) or not 0 < clip < np.inf):
        raise ValueError(
            f"gradient_clip={clip!r} must be None (no clipping) or a positive number, "
            "the largest global norm of the gradients, e.g. 1.0."
        )
    _check_device(p["device"])
    if p["loss"] not in _HEADS:
        raise ValueError(
            f"loss={p['loss']!r} is not one of {tuple(_HEADS)}: 'mse' for point "
            "forecasts, 'quantile' or 'normal' for intervals and quantiles."
        )
    _check_quantiles(p["quantiles"])


def _is_real(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _check_device(device):
    if device == "auto":
        return
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a torch device; pass 'auto', 'cpu', 'cuda' or 'mps'."
        ) from None
    if _available(device) != device:
        raise ValueError(
            f"device={str(device)!r} is not available on this machine; pass device='auto' "
            "to use the best device present, or 'cpu'."
        )


def _available(device):
    """``device`` if this machine has it, else the CPU."""
    if device.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    mps = getattr(torch.backends, "mps", None)
    if device.type == "mps" and not (mps is not None and mps.is_available()):
        return torch.device("cpu")
    return device


@contextlib.contextmanager
def _restored_on_error(forecaster):
    """Put back every attribute of ``forecaster`` if the block raises, Ctrl-C included.

    sktime's ``fit`` resets the forecaster and both ``fit`` and ``update`` move the
    cutoff before the inner methods run; those replace attributes rather than edit
    them, so a shallow copy (dicts one level deeper) restores the state.
    """
    saved = {k: dict(v) if type(v) is dict else v for k, v in vars(forecaster).items()}
    try:
        yield
    except BaseException:
        vars(forecaster).clear()
        vars(forecaster).update(saved)
        raise


_HEADS = {"mse": "point", "quantile": "quantile", "normal": "normal"}

# levels within this distance of a trained level count as that level: sktime asks
# for 0.5 - 0.9 / 2 = 0.04999999999999999 when a user asks for a 90% interval
_LEVEL_TOLERANCE = 1e-9


def _check_quantiles(quantiles):
    """Raise a ValueError unless ``quantiles`` are distinct levels in (0, 1) with 0.5."""
    fix = "pass distinct levels strictly between 0 and 1, e.g. (0.1, 0.5, 0.9)"
    if isinstance(quantiles, (str, bytes)) or not hasattr(quantiles, "__len__"):
        raise ValueError(f"quantiles={quantiles!r} must be a tuple of levels; {fix}.")
    if not all(_is_real(q) and 0 < q < 1 for q in quantiles):
        raise ValueError(f"quantiles={quantiles!r} must hold numbers in (0, 1); {fix}.")
    if len(set(quantiles)) != len(quantiles):
        raise ValueError(f"quantiles={quantiles!r} holds a level twice; {fix}.")
    if 0.5 not in quantiles or len(quantiles) < 2:
        raise ValueError(
            f"quantiles={quantiles!r} must hold 0.5, the median that is the point "
            f"forecast, and at least one other level; {fix}."
        )


def _levels(forecaster):
    """The quantile levels of ``forecaster``, sorted as the network emits them."""
    return tuple(sorted(float(q) for q in forecaster.quantiles))


def _loss_function(loss, levels):
    """The training loss for the head that ``loss`` names."""
    if loss == "quantile":
        return functools.partial(pinball_loss, quantiles=levels)
    return gaussian_nll if loss == "normal" else torch.nn.functional.mse_loss


def _check_alpha_in_range(alpha, levels):
    low, high = levels[0] - _LEVEL_TOLERANCE, levels[-1] + _LEVEL_TOLERANCE
    outside = [a for a in alpha if not low <= a <= high]
    if outside:
        raise ValueError(
            f"Quantile levels {outside} lie outside the levels the network was trained "
            f"on, [{levels[0]}, {levels[-1]}] (parameter quantiles={levels}); add them "
            "to quantiles and fit again, or ask for a narrower interval."
        )


def _point_forecast(out, config):
    """The point forecast (pred_len, c) of a head's output: median, mean or itself."""
    if config.head == "quantile":
        return out[..., config.quantiles.index(0.5)]
    return out[..., 0] if config.head == "normal" else out


def _quantiles_at(out, config, alpha):
    """Quantiles (pred_len, c, A) at the levels ``alpha``, on the standardised scale.

    Between two trained levels the quantile is interpolated linearly and clipped to
    the two neighbours, so that rounding cannot make neighbouring segments cross.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    if config.head == "normal":
        return out[..., :1] + out[..., 1:] * norm.ppf(alpha)  # (pred_len, c, A)
    levels = np.asarray(config.quantiles)
    i = np.clip(np.searchsorted(levels, alpha, side="right") - 1, 0, len(levels) - 2)  # (A,)
    w = np.clip((alpha - levels[i]) / (levels[i + 1] - levels[i]), 0.0, 1.0)
    lower, upper = out[..., i], out[..., i + 1]  # (pred_len, c, A)
    return np.minimum(np.maximum(lower + w * (upper - lower), lower), upper)


def _normal_scale(out, config):
    """Standard deviation (pred_len, c) of a head's forecast, on the standardised scale.

    For the quantile head: the slope of the least-squares line through the trained
    quantiles against the standard Normal's, i.e. the best-fitting Normal's scale.
    """
    if config.head == "normal":
        return out[..., 1]
    z = norm.ppf(config.quantiles)
    z = z - z.mean()
    return (out * z).sum(axis=-1) / (z**2).sum()


def _unscale(values, scaler, shift=True):
    """Undo the per-column standardisation of ``values`` (pred_len, c[, k]).

    Quantiles and means: mean + std * value; spreads (``shift=False``): std * value.
    """
    shape = (-1,) + (1,) * (values.ndim - 2)  # broadcast over the column axis
    std = scaler.scale_.reshape(shape) if scaler.with_std else 1.0
    mean = scaler.mean_.reshape(shape) if scaler.with_mean and shift else 0.0
    return mean + std * values


def _constant_values(y):
    """Per column of ``y``: its value where the column is constant, else NaN."""
    values = y.to_numpy(np.float64)
    return np.where((values == values[0]).all(axis=0), values[0], np.nan)


def _hold_constants(forecast, y_past, constants):
    """Forecast a column constant in training and in the current input as that constant.

    Standardising maps such a column to zeros (unit scale, as scikit-learn does for
    zero variance); the network's output there is near zero but not zero, which the
    inverse scaling would add to the constant as noise.
    """
    hold = _held_columns(y_past, constants)
    forecast[:, hold] = constants[hold]
    return forecast


def _held_columns(y_past, constants):
    """Columns constant in training and in the input ``y_past``."""
    return (y_past == constants).all(axis=0)  # NaN, a varying column, never equals


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
    return both[~both.index.duplicated(keep="last")].sort_index()
