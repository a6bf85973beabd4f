"""Informer forecaster: the sktime face of the Informer network.

sktime glue only: checks, scaling, calendar features and windows are delegated to
``windows.py`` and ``calendar.py``, the network to ``nn/``, the fit loop to
``training.py``, the checks of the user's data to ``_checks.py``.
"""

__all__ = ["InformerForecaster"]

import contextlib
import copy
import dataclasses
import functools
import inspect
import warnings

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
from informer_sk.nn.informer import seasonal_baseline
from informer_sk.training import (
    TrainingDiverged,
    autocast,
    check_precision,
    gaussian_nll,
    pinball_loss,
    resolve_device,
    seeded,
    torch_threads,
    train_network,
)
from informer_sk.windows import (
    SeriesTensors,
    Windows,
    join_panel,
    panel_starts,
    split_panel,
    window_starts,
)


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

    A panel or hierarchy of series (sktime's ``pd-multiindex`` and
    ``pd_multiindex_hier``) is fitted by one global network, on windows drawn from
    every series (never across two), each series scaled with its own statistics.
    ``pretrain`` trains that network on one panel; ``fit`` then fine-tunes it on
    other series for ``fine_tune_epochs`` epochs, or with 0 forecasts them zero-shot.

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
        stopping; the best epoch's weights are kept. 0 trains every epoch. For a
        panel, the same fraction at the end of every series.
    series_embedding : bool, default=False
        For a panel or hierarchy: learn a vector per series, added to the inputs of
        encoder and decoder, so the global network can tell the series apart. A
        series it was not trained on (zero-shot, after ``pretrain``) gets the mean
        of the learned vectors.
    fine_tune_epochs : int, default=2
        After ``pretrain``: epochs that ``fit`` trains the pretrained network on the
        new series, with validation and early stopping as in training. 0 does not
        train: ``fit`` only takes the series as context (and its own scaling
        statistics), and the pretrained network forecasts it zero-shot.
    scale : bool, default=True
        Standardise every column with the training part's mean and standard
        deviation; forecasts are returned on the original scale. For a panel,
        every series with its own statistics.
    revin : bool, default=False
        Reversible instance normalisation (Kim et al., 2022): the network reads every
        input window standardised by that window's own mean and standard deviation
        and its forecast is scaled back, which keeps a level shift between training
        and forecast periods from being extrapolated. Off, the original's model.
    residual_sp : int or None, default=None
        Seasonal period, in steps, of a seasonal naive forecast that the network
        learns to correct: the last ``residual_sp`` values of the input window,
        repeated over the horizon, are added to the network's output, so training
        starts from the seasonal naive forecast (for hourly data with a daily cycle,
        24). At most ``seq_len``. None, the original's model, forecasts directly.
    residual_periods : int or "auto", default=1
        With ``residual_sp``: the baseline is the mean of the last
        ``residual_periods`` seasons of the input window (1: seasonal naive), at most
        ``seq_len // residual_sp``. "auto" picks, in ``fit``, the number whose baseline
        alone has the lowest MSE on the validation windows (on the training windows
        when there are none), on the scaled data; ``residual_periods_`` says which.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout and the ProbSparse key sampling.
        The same integer gives bit-identical forecasts on CPU, in one process or in
        fresh ones; None is not deterministic: every fit draws a new seed.
        ``predict`` is deterministic for a fitted model either way, and the caller's
        global torch RNG is never touched.
    device : str, default="auto"
        Torch device; "auto" picks CUDA, then MPS, then the CPU.
    precision : {"fp32", "bf16"}, default="fp32"
        Arithmetic of the forward passes in training and predict. "bf16" runs them
        under bfloat16 autocast on the CPU or CUDA (not MPS); losses, weights and the
        optimiser stay float32 and forecasts are float32. It is only faster on
        hardware with native bf16 (CPUs with AVX-512 BF16 or AMX, Ampere or newer
        GPUs); elsewhere it works, slowly, and warns once.
    n_threads : int or None, default=None
        Torch's intra-op CPU threads during ``fit``, ``update`` and ``predict``; the
        caller's setting is restored afterwards. None leaves torch's setting. With
        parallel workers (loky, dask), keep workers times ``n_threads`` at most the
        number of cores.
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
    residual_periods_ : int
        The seasons averaged by the residual's baseline (0 without ``residual_sp``).
    n_parameters_ : int
        Number of trainable parameters.
    pred_len_ : int
        Length of the horizon the network emits (the largest step of ``fh``, or of
        pretrain's ``fh`` after ``pretrain``).
    y_scaler_, X_scaler_ : StandardScaler, or dict of them for a panel
        Scaling statistics of the target and exogenous columns (None without
        ``X``); for a panel or hierarchy one per series, keyed by the series.
    pretrained_network_ : informer_sk.nn.Informer
        After ``pretrain``: the network trained on the panel, which ``fit`` copies
        and fine-tunes. Kept by refits and by sktime's ``clone``.
    pretrained_history_ : list of dict
        After ``pretrain``: its loss history.
    pretrained_data_ : dict
        After ``pretrain``: target and exogenous columns, frequency, and the series
        embedding's row of every pretraining series.
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
        # one global network over every series of a panel or hierarchy, not one per series
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
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
        "capability:pretrain": True,
        # kept by refits after pretrain and by sktime's clone (evaluate, grid search)
        "pretrain:fitted_params": [
            "pretrained_network_",
            "pretrained_history_",
            "pretrained_data_",
        ],
    }
    # the forecaster keeps its own context window per series (_contexts): the last
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
        series_embedding=False,
        fine_tune_epochs=2,
        scale=True,
        revin=False,
        residual_sp=None,
        residual_periods=1,
        random_state=None,
        device="auto",
        precision="fp32",
        n_threads=None,
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
        self.series_embedding = series_embedding
        self.fine_tune_epochs = fine_tune_epochs
        self.scale = scale
        self.revin = revin
        self.residual_sp = residual_sp
        self.residual_periods = residual_periods
        self.random_state = random_state
        self.device = device
        self.precision = precision
        self.n_threads = n_threads
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
        # after pretrain, lengths depend on the pretrained network: _fit checks them
        pretrained = hasattr(self, "pretrained_network_")
        _checks.check_fit_data(y, X, fh, self.seq_len, self.validation_size, not pretrained)
        _checks.check_panel_data(y, X, "fit")
        with _restored_on_error(self), torch_threads(self.n_threads):
            return super().fit(y, X=X, fh=fh)

    def pretrain(self, y, X=None, fh=None):
        """Train the global network on a panel or hierarchy ``y``; see ``BaseForecaster.pretrain``.

        ``fh`` (relative steps) sets the longest horizon the network forecasts; a
        later ``fit`` on other series fine-tunes the pretrained network for
        ``fine_tune_epochs`` epochs (0: forecasts them zero-shot). Pretraining again
        trains the pretrained network further on the new panel.

        Raises
        ------
        ValueError
            For bad hyperparameters, data or ``fh``; on any error the forecaster
            keeps its previous state.
        """
        _check_params(self)
        _checks.check_panel_data(y, X, "pretrain")
        with _restored_on_error(self), torch_threads(self.n_threads):
            return super().pretrain(y, X=X, fh=fh)

    def set_params(self, **params):
        """Set parameters; see ``BaseObject.set_params``.

        sktime resets an estimator whose parameters are set. A pretrained network
        survives when only the parameters of fine-tuning change (epochs, batch size,
        learning rate, schedule, early stopping, seed, device, precision, threads), so
        that ``ForecastingGridSearchCV`` can tune them after ``pretrain``; any other
        parameter shapes the network, and changing it discards the pretrained network
        with a warning.
        """
        saved = self._save_pretrained_state()  # {} unless pretrained
        current = self.get_params(deep=False)
        changed = sorted(k for k, v in params.items() if k in current and current[k] != v)
        super().set_params(**params)
        reshaping = [k for k in changed if k not in _FINE_TUNING_PARAMS]
        if saved and not reshaping:
            self._restore_pretrained_state(saved)
        elif saved:
            warnings.warn(
                f"set_params changed {reshaping}, which the pretrained network was built "
                "or trained with, so it was discarded; set such parameters before "
                "pretrain, or only fine-tuning ones (e.g. fine_tune_epochs, "
                "learning_rate) after it.",
                stacklevel=2,
            )
        return self

    def update(self, y, X=None, update_params=True):
        """Move the cutoff to the end of ``y``; see ``BaseForecaster.update``.

        Raises
        ------
        ValueError
            For data that does not continue the fitted series, before anything
            changes. On any error the forecaster keeps its previous state.
        """
        if self.is_fitted and not self._is_vectorized:
            _check_update_series(y, X, self._contexts, self._freq)
        with _restored_on_error(self), torch_threads(self.n_threads):
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
        _checks.check_panel_data(X, None, "predict", name="X", regular=False)
        with torch_threads(self.n_threads):
            return super().predict(fh=fh, X=X)

    def _fit(self, y, X, fh):
        """Fit one network to the training windows of every series of ``y`` (and ``X``).

        After ``pretrain``, the pretrained network is fine-tuned for
        ``fine_tune_epochs`` epochs instead (with 0, ``y`` only becomes the context).

        Parameters
        ----------
        y : pd.DataFrame
            Target series, or a panel or hierarchy of them; every column is forecast.
        X : pd.DataFrame, optional
            Exogenous series on the same index.
        fh : ForecastingHorizon
            Out-of-sample steps; the network emits ``max(fh)`` steps.

        Returns
        -------
        self
        """
        pred_len = int(fh.to_relative(self.cutoff)[-1])
        pretrained = getattr(self, "pretrained_network_", None)
        if pretrained is None:
            fitted = self._train(y, X, pred_len, None, self.train_epochs, {})
        else:
            y, X = _match_pretrained(y, X, pred_len, self.pretrained_data_, pretrained.config)
            data = self.pretrained_data_
            fitted = self._train(y, X, pretrained.config.pred_len, pretrained,
                                 self.fine_tune_epochs, data["series_ids"], data["freq"])  # fmt: skip
        network, history, best_epoch, seed, device, freq, spec, contexts, _ = fitted
        # assigned only now, so a failed fit leaves a previous fit untouched
        self.network_ = network
        self.history_ = history
        self.best_epoch_ = best_epoch
        self.residual_periods_ = network.config.residual_periods if network.config.residual_sp else 0
        self.n_parameters_ = sum(p.numel() for p in network.parameters() if p.requires_grad)
        self.pred_len_ = network.config.pred_len
        self.quantiles_ = network.config.quantiles
        self.calendar_ = spec
        panel = isinstance(y.index, pd.MultiIndex)
        scalers = {key: (c.y_scaler, c.x_scaler) for key, c in contexts.items()}
        self.y_scaler_ = {k: s[0] for k, s in scalers.items()} if panel else scalers[None][0]
        self.X_scaler_ = {k: s[1] for k, s in scalers.items()} if panel else scalers[None][1]
        self.seed_ = seed
        self.device_ = device
        self._freq = freq
        self._contexts = contexts
        self._index_names = list(y.index.names)
        return self

    def _pretrain(self, y, X=None, fh=None):
        """Train the global network on every series of a panel or hierarchy ``y``.

        Parameters
        ----------
        y : pd.DataFrame
            Panel (``pd-multiindex``) or hierarchical (``pd_multiindex_hier``) frame.
        X : pd.DataFrame, optional
            Exogenous series on the same index.
        fh : ForecastingHorizon
            Relative steps; the network emits ``max(fh)`` steps, the longest horizon
            that ``fit`` after ``pretrain`` can forecast.

        Returns
        -------
        self
        """
        pred_len = _pretrain_pred_len(fh)
        fitted = self._train(y, X, pred_len, None, self.train_epochs, {})
        network, history, _, _, _, freq, _, _, series_ids = fitted
        self.pretrained_network_ = network
        self.pretrained_history_ = history
        self.pretrained_data_ = {
            "y_columns": list(y.columns),
            "X_columns": None if X is None else list(X.columns),
            "freq": freq,
            "series_ids": series_ids,
        }
        return self

    def _pretrain_update(self, y, X=None, fh=None):
        """Train the pretrained network further, for ``train_epochs``, on another panel.

        Series seen before keep their series embedding; new ones train its mean.
        """
        if not hasattr(self, "pretrained_network_"):  # fitted, but never pretrained
            return self._pretrain(y, X, fh)
        pretrained = self.pretrained_network_
        pred_len = pretrained.config.pred_len if fh is None else _pretrain_pred_len(fh)
        if pred_len != pretrained.config.pred_len:
            raise ValueError(
                f"fh passed to pretrain reaches {pred_len} steps ahead, but the forecaster "
                f"was pretrained for {pretrained.config.pred_len}; pass the same fh (or "
                "none) to pretrain further, or pretrain a new forecaster for another fh."
            )
        y, X = _match_pretrained(y, X, pred_len, self.pretrained_data_, pretrained.config)
        data = self.pretrained_data_
        fitted = self._train(y, X, pred_len, pretrained, self.train_epochs,
                             data["series_ids"], data["freq"])  # fmt: skip
        self.pretrained_network_ = fitted[0]
        self.pretrained_history_ = self.pretrained_history_ + fitted[1]
        return self

    def _train(self, y, X, pred_len, network, epochs, series_ids, freq=None):
        """Contexts of every series of ``y``, and a network trained on their windows.

        ``network`` None builds a new one; else a copy of it is trained (not at all
        with ``epochs=0``). ``series_ids`` maps series seen before to their row of the
        series embedding; ``freq``, if given, is the frequency the data must have.

        Returns
        -------
        tuple
            ``(network, history, best_epoch, seed, device, freq, calendar spec,
            {key: _Context}, {key: series id of the training series})``.
        """
        parts = _series_parts(y, X)
        freq = _common_freq(parts, freq)
        spec = calendar_spec(parts[0][1].index, None if freq == 1 else freq)
        lengths, n_val_rows = _series_rows(parts, self.seq_len, pred_len,
                                           self.validation_size, epochs > 0)  # fmt: skip
        if network is None and self.series_embedding:
            trained = [key for (key, y_i, _), n_val in zip(parts, n_val_rows)
                       if len(y_i) - n_val >= self.seq_len + pred_len]  # fmt: skip
            series_ids = {key: i for i, key in enumerate(trained)}
        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        n_series = len(series_ids) if network is None else network.config.n_series
        contexts, tensors = {}, []
        for (key, y_i, X_i), n_val in zip(parts, n_val_rows):
            # statistics of the training part only, as the original: the validation
            # tail must not leak into the scaling
            n_train = len(y_i) - n_val
            y_scaler = _fit_scaler(y_i.iloc[:n_train], self.scale)
            x_scaler = None if X_i is None else _fit_scaler(X_i.iloc[:n_train], self.scale)
            series_id = series_ids.get(key, -1)
            context = _Context(y_i, X_i, y_scaler, x_scaler, _constant_values(y_i), series_id)
            if epochs:
                tensors.append(_to_tensors(y_i, X_i, context, spec, device, n_series))
            contexts[key] = _tail(context, self.seq_len + pred_len - 1)
        history, best_epoch = [], 0
        if network is None:
            train_starts, val_starts = panel_starts(lengths, self.seq_len, pred_len, n_val_rows)
            series = SeriesTensors.concat(tensors)
            periods = self.residual_periods if self.residual_sp else 1
            if periods == "auto":
                windows = self._windows(series, train_starts if val_starts is None else val_starts, pred_len)
                periods = _best_residual_periods(windows, self.residual_sp)
            config = self._network_config(series, y.shape[1], pred_len, spec, n_series, periods)
            with seeded(seed, device):
                with torch.device(device):
                    network = Informer(config)
                history, best_epoch = train_network(
                    network,
                    self._windows(series, train_starts, pred_len),
                    None if val_starts is None else self._windows(series, val_starts, pred_len),
                    **self._training_settings(epochs),
                )
        else:
            network = copy.deepcopy(network).to(device)  # the pretrained one stays as it is
            if epochs:
                train_starts, val_starts = panel_starts(lengths, self.seq_len, pred_len, n_val_rows)
                series = SeriesTensors.concat(tensors)
                with seeded(seed, device):
                    history, best_epoch = train_network(
                        network,
                        self._windows(series, train_starts, pred_len),
                        None if val_starts is None else self._windows(series, val_starts, pred_len),
                        **self._training_settings(epochs),
                    )
            network.eval()
        return network, history, best_epoch, seed, device, freq, spec, contexts, series_ids

    def _network_config(self, series, n_targets, pred_len, spec, n_series, residual_periods=1):
        return InformerConfig(
            enc_in=series.values.shape[1],
            dec_in=series.values.shape[1],
            c_out=n_targets,
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
            n_series=n_series,
            revin=self.revin,
            residual_sp=self.residual_sp or 0,
            residual_periods=residual_periods,
            head=_HEADS[self.loss],
            quantiles=_levels(self) if self.loss == "quantile" else (),
        )

    def _predict(self, fh, X):
        """Forecast the horizon after the cutoff of every series from its last ``seq_len`` points.

        Parameters
        ----------
        fh : ForecastingHorizon
        X : pd.DataFrame, optional
            Future values of the exogenous series at the steps of ``fh``; steps
            in between that it lacks take the values of the step before.

        Returns
        -------
        pd.DataFrame
            Forecasts at the steps of ``fh``, on the scale and columns of ``y``; for a
            panel or hierarchy, of every series, with the index levels of ``y``.
        """
        config = self.network_.config

        def point(out, context, y_past):
            values = context.y_scaler.inverse_transform(_point_forecast(out, config))
            return _hold_constants(values, y_past, context.constants)

        return self._per_series(self._network_output(fh, X), point)

    def _network_output(self, fh, X):
        """The network's raw output for every series, from its last ``seq_len`` points.

        Returns
        -------
        out : np.ndarray
            (n_series, pred_len, c_out) float64 on the standardised scale, or
            (n_series, pred_len, c_out, n_outputs) for a probabilistic head.
        pasts : list of pd.DataFrame
            Per series, the ``seq_len`` points read by the encoder.
        futures : list of pd.Index
            Per series, the ``pred_len`` time points after its last point.
        steps : np.ndarray
            Rows of the ``pred_len`` ones that ``fh`` asks for.
        """
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int) - 1
        X_parts = dict(split_panel(X)) if X is not None else {}
        n_series = self.network_.config.n_series
        pasts, futures, tensors = [], [], []
        for key, context in self._contexts.items():
            y_past = context.y.iloc[-self.seq_len :]
            # each series' steps count from its own last point
            cutoff = self.cutoff if key is None else _checks.last_point(context.y.index, self._freq)
            future = ForecastingHorizon(
                np.arange(1, self.pred_len_ + 1), is_relative=True, freq=fh.freq
            ).to_absolute_index(cutoff)
            X_all = None
            if context.x_scaler is not None:
                X_i = X_parts.get(key)
                if key is not None and X is not None and X_i is None:
                    raise ValueError(
                        f"X passed to predict lacks series {key!r}; pass X holding the "
                        "future values of every series for the steps of fh."
                    )
                horizon = future[steps] if key is not None else fh.to_absolute_index(cutoff)
                _checks.check_predict_X(X_i, context.X.columns, horizon)
                X_new = X_i[context.X.columns]
                X_all = _append(context.X, X_new).reindex(y_past.index.append(future)).ffill()
            # the future rows of y are placeholders: the decoder zeroes them
            y_all = pd.concat([y_past, pd.DataFrame(0.0, index=future, columns=y_past.columns)])
            tensors.append(_to_tensors(y_all, X_all, context, self.calendar_, self.device_, n_series))
            pasts.append(y_past)
            futures.append(future)
        series = SeriesTensors.concat(tensors)
        starts = torch.arange(len(tensors), device=self.device_) * (self.seq_len + self.pred_len_)
        windows = self._windows(series, starts, self.pred_len_)
        idx = torch.arange(len(tensors), device=self.device_)
        x_enc, mark_enc, x_dec, mark_dec, _ = windows.batch(idx)
        with seeded(self.seed_, self.device_), torch.inference_mode():
            self.network_.eval()
            with autocast(self.precision, self.device_):
                out = self.network_(x_enc, mark_enc, x_dec, mark_dec, series_id=windows.series_ids(idx))
        return out.float().cpu().numpy().astype(np.float64), pasts, futures, steps

    def _check_finite(self, values):
        if not np.isfinite(values).all():
            # the loss is checked before each step, so a last step can diverge unseen
            raise TrainingDiverged(
                "The fitted network forecasts NaN or infinite values: its training "
                "diverged, or the inputs are too large for float32 arithmetic. Keep "
                f"scale=True (now {self.scale}), lower learning_rate (now "
                f"{self.learning_rate:g}) or set gradient_clip, and fit again."
            )

    def _per_series(self, output, forecast, columns=None):
        """Join ``forecast(out, context, y_past)`` (pred_len, c[, k]) of every series.

        ``output`` is what :meth:`_network_output` returned. Rows are the steps of
        ``fh`` of each series, in the panel form of ``y``; columns those of ``y``, or
        ``columns``.
        """
        out, pasts, futures, steps = output
        parts = []
        for i, (key, context) in enumerate(self._contexts.items()):
            values = forecast(out[i], context, pasts[i].to_numpy(np.float64))[steps]
            self._check_finite(values)
            values = values.reshape(len(steps), -1)
            frame = pd.DataFrame(values, index=futures[i][steps], columns=columns)
            if columns is None:
                frame.columns = pasts[i].columns
            parts.append((key, frame))
        return join_panel(parts, self._index_names)

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
            Rows: the steps of ``fh`` (of every series); columns: (variable, alpha).

        Raises
        ------
        ValueError
            For a level of ``alpha`` outside the quantile head's trained levels.
        """
        config = self.network_.config
        if config.head == "quantile":
            _check_alpha_in_range(alpha, config.quantiles)

        def quantiles(out, context, y_past):
            q = _unscale(_quantiles_at(out, config, alpha), context.y_scaler)  # (pred_len, c, A)
            return _held(q, y_past, context.constants)

        columns = self._get_columns(method="predict_quantiles", alpha=alpha)
        return self._per_series(self._network_output(fh, X), quantiles, columns)

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
            Rows: the steps of ``fh`` (of every series); columns: those of ``y``.
        """
        if cov:
            raise NotImplementedError(
                "InformerForecaster forecasts marginal variances only; call "
                "predict_var with cov=False."
            )
        config = self.network_.config

        def variance(out, context, y_past):
            std = _unscale(_normal_scale(out, config), context.y_scaler, shift=False)
            return _held(std**2, y_past, context.constants, 0.0)  # (pred_len, c)

        return self._per_series(self._network_output(fh, X), variance)

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

        def mean(out, context, y_past):
            return _held(_unscale(out[..., 0], context.y_scaler), y_past, context.constants)

        def std(out, context, y_past):
            std = _unscale(out[..., 1], context.y_scaler, shift=False)
            return _held(std, y_past, context.constants, 0.0)

        output = self._network_output(fh, X)  # one forward pass for both parameters
        mu, sigma = self._per_series(output, mean), self._per_series(output, std)
        return Normal(mu=mu.to_numpy(), sigma=sigma.to_numpy(), index=mu.index, columns=mu.columns)

    def _update(self, y, X=None, update_params=True):
        """Move the cutoff to the end of ``y``; fine-tune on its windows if asked.

        Forecasts always start from the newest ``seq_len`` points of every series. With
        ``update_params=True`` the network is trained further, for ``train_epochs``
        epochs at the current scaling, on the windows whose targets contain new points,
        of every series of ``y``.
        """
        X_parts = dict(split_panel(X)) if X is not None else {}
        contexts = dict(self._contexts)
        keep = self.seq_len + self.pred_len_ - 1
        n_series = self.network_.config.n_series
        tensors, starts = [], []
        for key, y_i in split_panel(y):
            context = contexts[key]
            if y_i.shape[1] == 1:  # a univariate Series may come under another name
                y_i = y_i.set_axis(context.y.columns, axis=1)
            y_i = y_i[context.y.columns]
            context_y = _append(context.y, y_i)
            context_X = None
            if context.X is not None:
                context_X = _append(context.X, X_parts[key].loc[y_i.index, context.X.columns])
            context = dataclasses.replace(context, y=context_y, X=context_X)
            if update_params:
                n_rows = len(context_y)
                new = window_starts(n_rows, self.seq_len, self.pred_len_, n_rows - len(y_i))
                if len(new):  # else too few points for a whole training window
                    offset = sum(len(t) for t in tensors)
                    tensors.append(_to_tensors(context_y, context_X, context, self.calendar_,
                                               self.device_, n_series))  # fmt: skip
                    starts.append(new + offset)
            contexts[key] = _tail(context, keep)
        if tensors:
            self._fine_tune(SeriesTensors.concat(tensors), np.concatenate(starts))
        self._contexts = contexts
        return self

    def _fine_tune(self, series, starts):
        network = copy.deepcopy(self.network_)  # train a copy: an error keeps the old
        with seeded(self.seed_ + len(self.history_), self.device_):
            history, _ = train_network(
                network,
                self._windows(series, starts, self.pred_len_),
                **self._training_settings(self.train_epochs),
            )
        self.network_ = network
        self.history_ = self.history_ + history

    def _training_settings(self, epochs):
        """The fit loop's hyperparameters, shared by fit, pretrain and fine-tuning."""
        return dict(
            loss=_loss_function(self.loss, _levels(self)),
            epochs=epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            patience=self.patience,
            lradj=self.lradj,
            gradient_clip=self.gradient_clip,
            precision=self.precision,
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
        for name in ("network_", "pretrained_network_"):
            network = state.get(name)
            if network is not None:
                weights = {k: v.detach().cpu() for k, v in network.state_dict().items()}
                state[name] = (network.config, weights)
        state["_saved_by"] = {"format": _STATE_FORMAT, "informer_sk": informer_sk.__version__}
        return state

    def __setstate__(self, state):
        """Rebuild the network from a pickled state, on its device if present, else the CPU."""
        state = dict(state)
        # parameters added since format 1 was written, at their defaults
        for name in ("precision", "n_threads", "series_embedding", "fine_tune_epochs", "revin",
                     "residual_sp", "residual_periods"):
            state.setdefault(name, _DEFAULTS[name])
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
        if saved_by["format"] == 1 and "_context_y" in state:  # one series, kept flat
            state["_contexts"] = {
                None: _Context(state.pop("_context_y"), state.pop("_context_X"),
                               state["y_scaler_"], state["X_scaler_"],
                               state.pop("_y_constants"), -1)  # fmt: skip
            }
            state["_index_names"] = list(state["_contexts"][None].y.index.names)
        device = _available(state.get("device_", torch.device("cpu")))
        for name in ("network_", "pretrained_network_"):
            if isinstance(state.get(name), tuple):
                config, weights = state[name]
                with torch.random.fork_rng(devices=[]), torch.device(device):
                    network = Informer(config)  # initial weights, about to be replaced
                network.load_state_dict(weights)
                state[name] = network.eval()
        if "device_" in state:
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
            {**small, "attn": "full", "embed": "fixed", "distil": False, "activation": "relu",
             "series_embedding": True, "fine_tune_epochs": 0, "loss": "normal"},  # fmt: skip
            {**small, "loss": "quantile", "revin": True, "residual_sp": 2},
        ]


# version of what __getstate__ writes; raise it when the pickled attributes change
# 2: per-series contexts (_contexts), the pretrained network, and the probabilistic
# heads (loss, quantiles, quantiles_, the config's head), which an older reader would
# load into a point network of the wrong shape
_STATE_FORMAT = 2


def _best_residual_periods(windows, sp, batch_size=1024):
    """The number of seasons whose mean, alone, forecasts ``windows`` with the lowest MSE."""
    device = windows.series.values.device
    n_max = windows.seq_len // sp
    errors = torch.zeros(n_max, dtype=torch.float64, device=device)
    for idx in torch.arange(len(windows), device=device).split(batch_size):
        x_enc, _, _, _, target = windows.batch(idx)
        for k in range(1, n_max + 1):
            baseline = seasonal_baseline(x_enc, sp, k, target.shape[1], target.shape[2])
            errors[k - 1] += ((baseline - target) ** 2).sum().double()
    return int(errors.argmin()) + 1


_DEFAULTS = {
    name: p.default for name, p in inspect.signature(InformerForecaster.__init__).parameters.items()
}

# parameters that only steer (fine-)training: setting them keeps a pretrained network
_FINE_TUNING_PARAMS = {
    "train_epochs", "batch_size", "learning_rate", "gradient_clip", "patience", "lradj",
    "validation_size", "fine_tune_epochs", "random_state", "device", "precision",
    "n_threads", "verbose",
}  # fmt: skip

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
_NON_NEGATIVE_INTS = ("fine_tune_epochs",)


def _check_params(forecaster):
    """Raise a ValueError naming the first invalid hyperparameter (sklearn's rule)."""
    p = forecaster.get_params()
    for name in _POSITIVE_INTS:
        if not isinstance(p[name], (int, np.integer)) or isinstance(p[name], bool) or p[name] < 1:
            raise ValueError(f"{name}={p[name]!r} must be a positive integer.")
    for name in _NON_NEGATIVE_INTS:
        if not isinstance(p[name], (int, np.integer)) or isinstance(p[name], bool) or p[name] < 0:
            raise ValueError(
                f"{name}={p[name]!r} must be a non-negative integer (0 forecasts "
                "zero-shot with the pretrained network)."
            )
    if not isinstance(p["label_len"], (int, np.integer)) or not 0 <= p["label_len"] <= p["seq_len"]:
        raise ValueError(
            f"label_len={p['label_len']!r} must be an integer in [0, seq_len={p['seq_len']}]."
        )
    sp = p["residual_sp"]
    if sp is not None and (
        not isinstance(sp, (int, np.integer)) or isinstance(sp, bool) or not 1 <= sp <= p["seq_len"]
    ):
        raise ValueError(
            f"residual_sp={sp!r} must be None or an integer in [1, seq_len={p['seq_len']}]: "
            "the seasonal naive forecast repeats the last residual_sp input steps."
        )
    periods = p["residual_periods"]
    n_max = p["seq_len"] // sp if sp else None
    if periods != "auto" and (
        not isinstance(periods, (int, np.integer)) or isinstance(periods, bool) or periods < 1
        or (sp and periods > n_max) or (not sp and periods != 1)
    ):  # fmt: skip
        where = f"[1, seq_len // residual_sp = {n_max}]" if sp else "1 without residual_sp"
        raise ValueError(
            f"residual_periods={periods!r} must be 'auto' or an integer in {where}: the "
            "baseline averages the last residual_periods seasons of the input window."
        )
    for name in ("distil", "series_embedding", "scale", "revin", "verbose"):
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
    check_precision(p["precision"], resolve_device(p["device"]))
    n_threads = p["n_threads"]
    if n_threads is not None and (
        not isinstance(n_threads, (int, np.integer)) or isinstance(n_threads, bool) or n_threads < 1
    ):
        raise ValueError(
            f"n_threads={n_threads!r} must be None (keep torch's thread count) or a "
            "positive integer, e.g. the number of cores divided by the number of "
            "parallel workers."
        )
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


def _held(values, y_past, constants, fill=None):
    """``values`` (pred_len, c[, k]) with the columns ``_hold_constants`` holds set.

    Set to their constant, or to ``fill`` (0 for a spread): a degenerate forecast
    distribution at the constant.
    """
    hold = _held_columns(y_past, constants)
    fill = constants[hold] if fill is None else np.full(hold.sum(), fill)
    values[:, hold] = fill.reshape((-1,) + (1,) * (values.ndim - 2))
    return values


def _held_columns(y_past, constants):
    """Columns constant in training and in the input ``y_past``."""
    return (y_past == constants).all(axis=0)  # NaN, a varying column, never equals


def _fit_scaler(frame, scale):
    return StandardScaler(with_mean=scale, with_std=scale).fit(frame.to_numpy(np.float64))


@dataclasses.dataclass
class _Context:
    """What the forecaster keeps of one series: its last points, scaling and identity."""

    y: pd.DataFrame
    X: pd.DataFrame | None
    y_scaler: StandardScaler
    x_scaler: StandardScaler | None
    constants: np.ndarray  # per column: its value where constant in training, else NaN
    series_id: int  # row of the series embedding; -1 for a series not trained on


def _to_tensors(y, X, context, spec, device, n_series):
    """Scale a frame (and its exogenous frame) with a series' statistics into tensors."""
    y_values = context.y_scaler.transform(y.to_numpy(np.float64))
    X_values = None if X is None else context.x_scaler.transform(X.to_numpy(np.float64))
    marks = calendar_marks(y.index, spec)
    series_id = context.series_id if n_series else None
    return SeriesTensors.from_arrays(y_values, X_values, marks, device, series_id)


def _tail(context, n_rows):
    X = None if context.X is None else context.X.iloc[-n_rows:]
    return dataclasses.replace(context, y=context.y.iloc[-n_rows:], X=X)


def _series_parts(y, X):
    """``[(key, y, X), ...]`` of every series; X's rows beyond y's are dropped."""
    X_parts = dict(split_panel(X)) if X is not None else {}
    return [
        (key, y_i, None if X is None else X_parts[key].loc[y_i.index])
        for key, y_i in split_panel(y)
    ]


def _series_name(key):
    return "y" if key is None else f"y series {key!r}"


def _common_freq(parts, expected=None):
    """The frequency every series shares; ``expected`` is the pretrained one."""
    freqs = [(key, _checks.index_freq(y_i.index, _series_name(key))) for key, y_i, _ in parts]
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
    if expected is not None and freq != expected:
        raise ValueError(
            f"y has frequency {_checks.freq_str(freq)}, but the forecaster was pretrained "
            f"on series of frequency {_checks.freq_str(expected)}; pass series of that "
            "frequency, or pretrain a forecaster on series like these."
        )
    return freq


def _series_rows(parts, seq_len, pred_len, validation_size, train):
    """Rows and validation tail of every series, raising where they cannot serve.

    Every series needs ``seq_len`` points to be forecast. For training, a series too
    short for a training window is skipped with a warning (its tail is set to 0) as
    long as another series gives windows; one series alone keeps its own messages.
    """
    lengths = [len(y_i) for _, y_i, _ in parts]
    if parts[0][0] is None and train:
        n_val = _checks.n_validation_rows(lengths[0], validation_size, pred_len)
        _checks.check_length(lengths[0], seq_len, pred_len, n_val)
        return lengths, [n_val]
    for (key, _, _), n_rows in zip(parts, lengths):
        if n_rows < seq_len:
            raise ValueError(
                f"{_series_name(key)} has {n_rows} time points, but every series needs "
                f"at least seq_len={seq_len} to be forecast; pass more of its history, "
                "drop it, or lower seq_len."
            )
    if not train:
        return lengths, [0] * len(parts)
    n_val_rows = [int(round(validation_size * n)) if validation_size else 0 for n in lengths]
    short = [i for i, n in enumerate(lengths) if n - n_val_rows[i] < seq_len + pred_len]
    if len(short) == len(parts):
        longest = int(np.argmax(lengths))
        raise ValueError(
            f"None of the {len(parts)} series of y gives a training window: each needs "
            f"seq_len={seq_len} + max(fh)={pred_len} points before its validation tail "
            f"(validation_size={validation_size}); the longest, series "
            f"{parts[longest][0]!r}, has {lengths[longest]}. Pass longer series, or "
            "lower seq_len or validation_size."
        )
    if short:
        keys = [parts[i][0] for i in short]
        warnings.warn(
            f"{len(short)} of the {len(parts)} series of y are too short for a training "
            f"window (seq_len={seq_len} + max(fh)={pred_len} points before the "
            f"validation tail) and are only forecast, not trained on: {keys[:5]}"
            + (" ..." if len(keys) > 5 else ""),
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


def _pretrain_pred_len(fh):
    """The network's horizon from pretrain's ``fh``: its largest relative step."""
    if fh is None:
        raise ValueError(
            "pretrain needs fh, the steps ahead the network learns to forecast; fit "
            "after pretrain can forecast up to its largest step. Pass e.g. "
            "pretrain(y, fh=[1, 2, 3])."
        )
    steps = np.asarray(fh.to_numpy()) if fh.is_relative else None
    if steps is None or not np.issubdtype(steps.dtype, np.integer) or steps.min() < 1:
        raise ValueError(
            f"fh passed to pretrain must be steps ahead, integers of at least 1, e.g. "
            f"fh=[1, 2, 3], but got {list(fh.to_pandas())[:5]}: the series of a panel "
            "end at different times."
        )
    return int(steps.max())


def _match_pretrained(y, X, pred_len, data, config):
    """``y`` and ``X`` with the pretrained columns in their order; raise where they differ."""
    if pred_len > config.pred_len:
        raise ValueError(
            f"fh reaches {pred_len} steps ahead, but the pretrained network forecasts at "
            f"most {config.pred_len} (the largest step of the fh passed to pretrain); "
            "pass fh within it, or pretrain again with a longer fh."
        )
    y_columns, X_columns = data["y_columns"], data["X_columns"]
    y = _in_pretrained_order(y, y_columns, "y")
    if (X is None) != (X_columns is None):
        raise ValueError(
            "X passed to fit is "
            + ("None, but the forecaster was pretrained with exogenous X: pass X "
               f"with columns {X_columns}." if X is None else
               "given, but the forecaster was pretrained without X: pass X=None, "
               "or pretrain with X.")  # fmt: skip
        )
    if X is not None:
        X = _in_pretrained_order(X, X_columns, "X")
    return y, X


def _in_pretrained_order(frame, columns, name):
    """``frame`` with the pretrained ``columns`` in their order; other names by position."""
    if frame.shape[1] != len(columns):
        raise ValueError(
            f"{name} passed to fit has {frame.shape[1]} columns {list(frame.columns)}, but "
            f"the forecaster was pretrained on {name} with {len(columns)}, {columns}; pass "
            "as many columns, in the pretrained order, or pretrain on series like these."
        )
    return frame[columns] if set(frame.columns) == set(columns) else frame


def _check_update_series(y, X, contexts, freq):
    """Check update's data, series by series, against the fitted contexts."""
    y_frame = y.to_frame() if isinstance(y, pd.Series) else y
    if not (isinstance(y_frame, pd.DataFrame) and isinstance(y_frame.index, pd.MultiIndex)):
        if None in contexts:
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


def _append(old, new):
    """``old`` followed by ``new``; rows of ``new`` replace rows of ``old`` at equal times."""
    if new is None:
        return old
    both = pd.concat([old, new])
    return both[~both.index.duplicated(keep="last")].sort_index()
