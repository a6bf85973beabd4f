"""InformerForecaster: the sktime face of the Informer network.

Reads as sktime's forecasting extension template: tags, ``__init__``, ``fit`` and
friends (checks, then sktime's logic), ``_fit``, ``_predict`` and its probabilistic
siblings, ``_update``, ``_pretrain``, ``get_test_params``. Every step of the pipeline
is delegated: the user's data is checked by ``_checks``, each series' context and
scaling is ``series``, calendar features ``calendar``, windows ``windows``, the network
``nn``, the fit loop ``training``, forecasting ``inference``, outputs on the user's
scale ``outputs``, device/precision/threads/seeding ``runtime``, hyperparameter checks
``_params`` and pickling ``_persistence``.
"""

__all__ = ["InformerForecaster"]

import contextlib
import copy
import dataclasses
import difflib
import inspect
import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_random_state
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from informer_sk import _checks, distributed
from informer_sk._params import FINE_TUNING_PARAMS, HEADS, check_params, levels, pretrain_pred_len
from informer_sk._persistence import dump_state, load_state
from informer_sk.calendar import calendar_spec
from informer_sk.channels import TARGET, fitted_columns, from_channels, repeat_for_channels, to_channels
from informer_sk.inference import forecast_windows
from informer_sk.nn import Informer, InformerConfig
from informer_sk.outputs import (
    check_alpha_in_range,
    check_finite,
    forecast_frame,
    to_user_scale,
    to_user_scale_all,
)
from informer_sk.runtime import deterministic, resolve_device, restored_on_error, seeded, torch_threads
from informer_sk.series import (
    append,
    check_update_series,
    forecast_inputs,
    match_pretrained,
    panel_cutoff,
    prepare,
    series_rows,
    stack_series,
    stacked_freq,
    tail,
    to_tensors,
)
from informer_sk.training import best_residual_periods, fit_highway, loss_function, train_network
from informer_sk.windows import (
    SeriesTensors,
    Windows,
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
        Training windows per optimiser step. On a GPU, larger batches (256 or more)
        keep the device busy; raise ``learning_rate`` with it (roughly with the
        square root of the batch size) and check the validation loss. In a
        torch.distributed run (``torchrun``) it is the global batch, shared out
        over the processes.
    windows_per_epoch : int or None, default=None
        Train each epoch on this many training windows, drawn at random without
        replacement (a new draw every epoch, seeded by ``random_state``), instead of
        on all of them: for panels where one pass over every window takes too long.
        Validation still uses every validation window. None trains on every window.
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
    channel_independent : bool, default=False
        Forecast every column of ``y`` as its own univariate series with one shared
        network (as PatchTST and DLinear do), instead of all columns jointly: the
        network reads and emits one target channel, exogenous ``X`` is shared by all
        columns, and every (series, column) is scaled with its own statistics. It
        suits many columns (the original's ``--features M``); it trains on every
        window of every column, so with C columns an epoch holds C times the
        windows, each univariate. Forecasts, intervals and ``predict_windows`` come back in the
        columns and index of ``y``, as without it. ``y`` with one column gives the
        same forecasts as without it. After ``pretrain``, ``fit`` takes any
        columns (each is a series the network reads alone); ``update`` and
        ``predict_windows`` need those passed to ``fit``.
    series_embedding : bool, default=False
        For a panel or hierarchy: learn a vector per series, added to the inputs of
        encoder and decoder, so the global network can tell the series apart. A
        series it was not trained on (zero-shot, after ``pretrain``) gets the mean
        of the learned vectors. With ``channel_independent=True``, one vector per
        (series, column), so also per column of a single series.
    fine_tune_epochs : int, default=2
        After ``pretrain``: epochs that ``fit`` trains the pretrained network on the
        new series, with validation and early stopping as in training; the
        pretrained weights are kept unless an epoch beats them on the validation
        windows. 0 does not
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
    highway : bool or "least_squares", default=False
        Add a linear forecast to the network's: one linear map from the
        ``seq_len`` input values of each target column to its horizon, shared by
        the columns and trained with the network (the highway of LSTNet, the linear
        model of DLinear). The network's output layer starts at zero. True: the map
        starts at zero too, so training starts from a zero forecast (each window's
        mean with ``revin``). "least_squares": the map starts from the ridge
        least-squares fit to the training windows (on the scale the network sees,
        less the ``residual_sp`` baseline), so training starts from that linear
        forecast, and keeps it unless an epoch beats it on the validation windows.
        False, the original's model.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout and the ProbSparse key sampling.
        The same integer gives bit-identical forecasts on CPU, in one process or in
        fresh ones; None is not deterministic: every fit draws a new seed.
        ``predict`` is deterministic for a fitted model either way, and the caller's
        global torch RNG is never touched.
    device : str, default="auto"
        Torch device; "auto" picks CUDA, then MPS, then the CPU.
    precision : {"fp32", "tf32", "bf16"}, default="fp32"
        Arithmetic of the forward passes in training and predict. "tf32" (CUDA only)
        lets float32 matrix products use TF32 tensor cores (Ampere or newer): faster,
        with 10 mantissa bits in the products; the caller's setting is restored after
        each call. "bf16" runs them under bfloat16 autocast on the CPU or CUDA (not
        MPS); losses, weights and the optimiser stay float32 and forecasts are
        float32. It is only faster on hardware with native bf16 (CPUs with AVX-512
        BF16 or AMX, Ampere or newer GPUs); elsewhere it works, slowly, and warns once.
    inference_batch_size : int, default=1024
        Windows per forward pass in validation, ``predict`` (one window per series)
        and ``predict_windows``: bounds the memory a large panel or a long backtest
        needs on the device.
    compile : bool, default=False
        Train with ``torch.compile`` of the network (CUDA graphs on a GPU). The first
        fit compiles for tens of seconds; it can pay on GPUs for long runs, and on
        CPUs it measured within noise of eager. Every step takes a whole batch: the
        windows left over after the last whole batch of a shuffled epoch are not
        seen in that epoch.
    activation_checkpointing : bool, default=False
        Keep only each encoder and decoder layer's inputs for the backward pass and
        run the layer again there (``torch.utils.checkpoint``): the training step's
        peak memory falls (by about a third for a small network at batch 1,024) and
        each step takes longer (about a fifth); the fitted weights are the same. For
        large batches, long inputs or a device short of memory.
    deterministic : bool, default=False
        Use torch's deterministic algorithms (and cuBLAS's fixed workspace on CUDA)
        during fit, update and predict, so the same ``random_state`` gives the same
        result on a GPU too; slower on GPUs. CPU results are reproducible without it.
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
        Per epoch: ``epoch``, ``train_loss``, ``val_loss``, ``learning_rate`` and
        ``seconds``, the epoch's wall time.
    best_epoch_ : int
        The epoch whose weights the network holds; 0: the starting weights, when no
        epoch beat them on the validation windows (a least-squares highway or a
        pretrained network is validated before training).
    residual_periods_ : int
        The seasons averaged by the residual's baseline (0 without ``residual_sp``).
    n_parameters_ : int
        Number of trainable parameters.
    pred_len_ : int
        Length of the horizon the network emits (the largest step of ``fh``, or of
        pretrain's ``fh`` after ``pretrain``).
    y_scaler_, X_scaler_ : StandardScaler, or dict of them for a panel
        Scaling statistics of the target and exogenous columns (None without
        ``X``); for a panel or hierarchy one per series, keyed by the series. With
        ``channel_independent=True`` always a dict, one per (series, column), keyed
        by the column for a single series and by the series key followed by the
        column for a panel; each ``y_scaler_`` holds one column's statistics.
    pretrained_network_ : informer_sk.nn.Informer
        After ``pretrain``: the network trained on the panel, which ``fit`` copies
        and fine-tunes. Kept by refits and by sktime's ``clone``.
    pretrained_history_ : list of dict
        After ``pretrain``: its loss history.
    pretrained_data_ : dict
        After ``pretrain``: target and exogenous columns, frequency, and the series
        embedding's row of every pretraining series (of every (series, column) with
        ``channel_independent=True``).
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
        "capability:pred_int": False,  # True exactly when loss != "mse": __dynamic_tags__
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
    # sktime's data slots, as its __init__ leaves them when remember_data is on: its
    # test suite reads them after turning remember_data on; this class never writes them
    _y = None
    _X = None

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
        windows_per_epoch=None,
        learning_rate=1e-4,
        gradient_clip=None,
        loss="mse",
        quantiles=(0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975),
        patience=3,
        lradj="type1",
        validation_size=0.2,
        channel_independent=False,
        series_embedding=False,
        fine_tune_epochs=2,
        scale=True,
        revin=False,
        residual_sp=None,
        residual_periods=1,
        highway=False,
        random_state=None,
        device="auto",
        precision="fp32",
        inference_batch_size=1024,
        compile=False,
        activation_checkpointing=False,
        deterministic=False,
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
        self.windows_per_epoch = windows_per_epoch
        self.learning_rate = learning_rate
        self.gradient_clip = gradient_clip
        self.loss = loss
        self.quantiles = quantiles
        self.patience = patience
        self.lradj = lradj
        self.validation_size = validation_size
        self.channel_independent = channel_independent
        self.series_embedding = series_embedding
        self.fine_tune_epochs = fine_tune_epochs
        self.scale = scale
        self.revin = revin
        self.residual_sp = residual_sp
        self.residual_periods = residual_periods
        self.highway = highway
        self.random_state = random_state
        self.device = device
        self.precision = precision
        self.inference_batch_size = inference_batch_size
        self.compile = compile
        self.activation_checkpointing = activation_checkpointing
        self.deterministic = deterministic
        self.n_threads = n_threads
        self.verbose = verbose
        super().__init__()

    def __dynamic_tags__(self):
        self.set_tags(**{"capability:pred_int": self.loss != "mse"})

    # sktime's fit and update reset the forecaster and move its cutoff before calling
    # _fit and _update; these thin overrides check the data first and put everything
    # back if anything later fails, so a failed call never loses a fitted state

    @distributed.failures_shared()
    def fit(self, y, X=None, fh=None):
        """Fit to ``y`` (and ``X``) for the horizon ``fh``.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or an sktime panel or hierarchy
            The target series; every column is forecast. A panel or hierarchy is
            fitted by one global network.
        X : pd.DataFrame, optional
            Exogenous series on the index of ``y``.
        fh : int, list, np.ndarray or ForecastingHorizon
            The steps to forecast; the network emits ``max(fh)`` steps.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For bad hyperparameters, data or ``fh``, before anything changes. On
            any error the forecaster keeps its previous state, fitted or not.
        """
        check_params(self)
        # after pretrain, lengths depend on the pretrained network: _fit checks them
        pretrained = hasattr(self, "pretrained_network_")
        _checks.check_fit_data(y, X, fh, self.seq_len, self.validation_size, not pretrained)
        _checks.check_panel_data(y, X, "fit")
        with self._runtime(), restored_on_error(self):
            return super().fit(y, X=X, fh=fh)

    @distributed.failures_shared()
    def pretrain(self, y, X=None, fh=None):
        """Train the global network on a panel or hierarchy ``y``.

        ``fh`` (relative steps) sets the longest horizon the network forecasts; a
        later ``fit`` on other series fine-tunes the pretrained network for
        ``fine_tune_epochs`` epochs (0: forecasts them zero-shot). Pretraining again
        trains the pretrained network further on the new panel.

        Parameters
        ----------
        y : sktime panel or hierarchy (``pd-multiindex``, ``pd_multiindex_hier``)
        X : same mtype as ``y``, optional
            Exogenous series on the index of ``y``.
        fh : int, list or ForecastingHorizon
            Relative steps, e.g. ``[1, 2, 3]``.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For bad hyperparameters, data or ``fh``; on any error the forecaster
            keeps its previous state.
        """
        check_params(self)
        _checks.check_panel_data(y, X, "pretrain")
        with self._runtime(), restored_on_error(self):
            return super().pretrain(y, X=X, fh=fh)

    def set_params(self, **params):
        """Set parameters; see ``BaseObject.set_params``.

        sktime resets an estimator whose parameters are set. A pretrained network
        survives when only the parameters of fine-tuning change (epochs, batch size,
        learning rate, schedule, early stopping, seed, device, precision, threads), so
        that ``ForecastingGridSearchCV`` can tune them after ``pretrain``; any other
        parameter shapes the network, and changing it discards the pretrained network
        with a warning. A name that is not a parameter raises before anything changes.

        Parameters
        ----------
        **params : dict
            Parameter names and their new values.

        Returns
        -------
        self
        """
        current = self.get_params(deep=False)
        unknown = sorted(set(params) - set(current))
        if unknown:
            close = {k: difflib.get_close_matches(k, current, n=1) for k in unknown}
            hints = [f"{k!r} (did you mean {m[0]!r}?)" if m else repr(k) for k, m in close.items()]
            raise ValueError(
                f"set_params got {', '.join(hints)}, not parameters of InformerForecaster; "
                "nothing was changed. See get_params() for the parameter names."
            )
        saved = self._save_pretrained_state()  # {} unless pretrained
        changed = sorted(k for k, v in params.items() if _checks.param_changed(current[k], v))
        super().set_params(**params)
        reshaping = [k for k in changed if k not in FINE_TUNING_PARAMS]
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
        """Move the cutoff to the end of ``y``; fine-tune on the new windows if asked.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or an sktime panel or hierarchy
            New points of the fitted series (rows already seen replace the old ones).
        X : pd.DataFrame, optional
            Exogenous values on the index of ``y``.
        update_params : bool, default=True
            Train the network further on the windows whose targets hold a new point.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For data that does not continue the fitted series, before anything
            changes. On any error the forecaster keeps its previous state.
        """
        if self.is_fitted and not self._is_vectorized:
            y_series, X_series = y, X
            if self.channel_independent and isinstance(y, (pd.Series, pd.DataFrame)):
                y_series, X_series = self._as_channels(y, X, "update")
            check_update_series(y_series, X_series, self._contexts, self._freq)
        with self._runtime(), restored_on_error(self):
            return super().update(y, X=X, update_params=update_params)

    def _set_cutoff_from_y(self, y):
        # sktime's get_cutoff groups a frame of the panel's whole index: over 1 GiB for
        # 10,000 series of 2,000 points, the largest memory cost of fit; the same
        # cutoff comes from the index's codes
        cutoff = panel_cutoff(y)
        if cutoff is None:
            super()._set_cutoff_from_y(y)
        else:
            self._cutoff = cutoff

    def predict(self, fh=None, X=None):
        """Forecast the steps ``fh`` after the cutoff of every series.

        Parameters
        ----------
        fh : int, list, np.ndarray or ForecastingHorizon, optional
            The steps to forecast; those passed to ``fit`` if None.
        X : pd.DataFrame, optional
            Future exogenous values at the steps of ``fh`` (needed when fitted with X).

        Returns
        -------
        pd.Series or pd.DataFrame
            Forecasts at the steps of ``fh``, in the form of ``y``.

        Raises
        ------
        ValueError
            For exogenous ``X`` that is missing, not numeric, not finite or not
            holding the fitted columns at every step of ``fh``.
        """
        self._check_predict(X)
        with self._runtime():
            return super().predict(fh=fh, X=X)

    # sktime's public probabilistic methods, with predict's checks first

    def predict_interval(self, fh=None, X=None, coverage=0.90):  # noqa: D102
        self._check_predict(X)
        with self._runtime():
            return super().predict_interval(fh=fh, X=X, coverage=coverage)

    predict_interval.__doc__ = BaseForecaster.predict_interval.__doc__

    def predict_quantiles(self, fh=None, X=None, alpha=None):  # noqa: D102
        self._check_predict(X)
        with self._runtime():
            return super().predict_quantiles(fh=fh, X=X, alpha=alpha)

    predict_quantiles.__doc__ = BaseForecaster.predict_quantiles.__doc__

    def predict_var(self, fh=None, X=None, cov=False):  # noqa: D102
        self._check_predict(X)
        with self._runtime():
            return super().predict_var(fh=fh, X=X, cov=cov)

    predict_var.__doc__ = BaseForecaster.predict_var.__doc__

    def predict_proba(self, fh=None, X=None, marginal=True):  # noqa: D102
        self._check_predict(X)
        with self._runtime():
            return super().predict_proba(fh=fh, X=X, marginal=marginal)

    predict_proba.__doc__ = BaseForecaster.predict_proba.__doc__

    def predict_windows(self, y, X=None, *, start=None, step=1, fh=None, alpha=None):
        """Forecasts from many origins in batched passes: a rolling-origin backtest.

        Every ``step``-th time point of ``y`` from ``start`` on is an origin (a
        cutoff) whose forecast reads the ``seq_len`` points up to it, as ``predict``
        does after ``update(..., update_params=False)`` to that point, with the
        fitted scaling. Origins run to the last one whose whole horizon lies in ``y``,
        so every forecast can be scored against ``y``. Thousands of origins take
        seconds: the network sees them ``inference_batch_size`` at a time.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or an sktime panel or hierarchy
            The fitted columns (for a panel, fitted series), history included.
        X : pd.DataFrame, optional
            Exogenous series on the index of ``y`` (needed when fitted with X).
        start : index label, optional
            The first origin; by default the earliest with ``seq_len`` points up to
            it. A point of ``y``'s time index.
        step : int, default=1
            Points between two origins.
        fh : int, list or ForecastingHorizon of relative steps, optional
            The steps forecast from each origin; those of ``fit`` if None.
        alpha : list of float, optional
            Quantile levels: return quantile forecasts (probabilistic heads only).

        Returns
        -------
        pd.DataFrame
            Index: (``cutoff``, time), after the series levels for a panel; columns:
            those of ``y``, or (variable, alpha) with ``alpha``. ``y.loc[...]`` on its
            time level gives the truth to score with sktime's metrics.

        Examples
        --------
        >>> from sktime.datasets import load_airline
        >>> from sktime.performance_metrics.forecasting import mean_absolute_error
        >>> from informer_sk import InformerForecaster
        >>> y = load_airline()
        >>> forecaster = InformerForecaster(
        ...     seq_len=24, label_len=12, d_model=16, n_heads=2, d_ff=32,
        ...     train_epochs=2, validation_size=0, random_state=0,
        ... ).fit(y.iloc[:120], fh=[1, 2, 3])
        >>> pred = forecaster.predict_windows(y, start=y.index[119])
        >>> pred.index.names
        FrozenList(['cutoff', 'Period'])
        >>> len(pred) == 3 * (144 - 120 - 3 + 1)
        True
        >>> truth = y.loc[pred.index.get_level_values(-1)].set_axis(pred.index)
        >>> error = mean_absolute_error(truth, pred["Number of airline passengers"])
        """
        self.check_is_fitted()
        fh = self.fh if fh is None else ForecastingHorizon(fh, is_relative=True, freq=self._freq)
        steps = np.asarray(fh.to_relative(self.cutoff) if not fh.is_relative else fh, dtype=int)
        kind = "point"
        if alpha is not None:
            if not self.get_tag("capability:pred_int"):
                raise ValueError(
                    f"alpha needs a probabilistic head, but loss={self.loss!r} forecasts "
                    "points; fit with loss='quantile' or 'normal', or pass alpha=None."
                )
            alpha = [alpha] if np.isscalar(alpha) else list(alpha)
            if self.network_.config.head == "quantile":
                check_alpha_in_range(alpha, self.network_.config.quantiles)
            kind = "quantiles"
        if self.channel_independent:
            y, X = self._as_channels(y, X, "predict_windows")
        with self._runtime():
            frame = windows_frame(self, y, X, start=start, step=step, steps=steps, kind=kind,
                                  alpha=alpha)  # fmt: skip
        return from_channels(frame) if self.channel_independent else frame

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
        y_columns = list(y.columns)
        if self.channel_independent:
            y, X = to_channels(y), repeat_for_channels(X, y_columns)
        if pretrained is None:
            fitted = self._train(y, X, pred_len, None, self.train_epochs, {})
        else:
            data = self._pretrained_data()
            y, X = match_pretrained(y, X, pred_len, data, pretrained.config)
            fitted = self._train(y, X, pretrained.config.pred_len, pretrained,
                                 self.fine_tune_epochs, data["series_ids"], data["freq"])  # fmt: skip
        network = fitted.network
        # assigned only now, so a failed fit leaves a previous fit untouched
        self.network_ = network
        self.history_ = fitted.history
        self.best_epoch_ = fitted.best_epoch
        self.residual_periods_ = network.config.residual_periods if network.config.residual_sp else 0
        self.n_parameters_ = sum(p.numel() for p in network.parameters() if p.requires_grad)
        self.pred_len_ = network.config.pred_len
        self.quantiles_ = network.config.quantiles
        self.calendar_ = fitted.calendar
        panel = isinstance(y.index, pd.MultiIndex)
        contexts = fitted.contexts
        y_scalers = {key: c.y_scaler for key, c in contexts.items()}
        X_scalers = {key: c.x_scaler for key, c in contexts.items()}
        self.y_scaler_ = y_scalers if panel else y_scalers[None]
        self.X_scaler_ = X_scalers if panel else X_scalers[None]
        self.seed_ = fitted.seed
        self.device_ = fitted.device
        self._freq = fitted.freq
        self._contexts = contexts
        self._index_names = list(y.index.names)
        self._y_columns = y_columns
        return self

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
        return self._per_series(self._network_output(fh, X), "point")

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
            check_alpha_in_range(alpha, config.quantiles)
        columns = self._get_columns(method="predict_quantiles", alpha=alpha)
        return self._per_series(self._network_output(fh, X), "quantiles", columns, alpha)

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
        return self._per_series(self._network_output(fh, X), "var")

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
        output = self._network_output(fh, X)  # one forward pass for both parameters
        mu, sigma = self._per_series(output, "mean"), self._per_series(output, "std")
        return Normal(mu=mu.to_numpy(), sigma=sigma.to_numpy(), index=mu.index, columns=mu.columns)

    def _update(self, y, X=None, update_params=True):
        """Move the cutoff to the end of ``y``; fine-tune on its windows if asked.

        Forecasts always start from the newest ``seq_len`` points of every series. With
        ``update_params=True`` the network is trained further, for ``train_epochs``
        epochs at the current scaling, on the windows whose targets hold a point
        newer than the series' previous last point, of every series of ``y``.
        """
        if self.channel_independent:
            y, X = self._as_channels(y, X, "update")
        X_parts = dict(split_panel(X)) if X is not None else {}
        contexts = dict(self._contexts)
        keep = self.seq_len + self.pred_len_ - 1
        n_series = self.network_.config.n_series
        tensors, starts, offset = [], [], 0
        for key, y_i in split_panel(y):
            context = contexts[key]
            if y_i.shape[1] == 1:  # a univariate Series may come under another name
                y_i = y_i.set_axis(context.y.columns, axis=1)
            y_i = y_i[context.y.columns]
            n_new = int((y_i.index > context.y.index[-1]).sum())  # rows seen before are not new
            context_y = append(context.y, y_i)
            context_X = None
            if context.X is not None:
                context_X = append(context.X, X_parts[key].loc[y_i.index, context.X.columns])
            context = dataclasses.replace(context, y=context_y, X=context_X)
            if update_params and n_new:
                n_rows = len(context_y)
                # every window whose target holds a new point: one per new point, as far
                # as the kept context reaches back
                new = window_starts(n_rows, self.seq_len, self.pred_len_, n_rows - n_new - self.pred_len_ + 1)
                tensors.append(to_tensors(context_y, context_X, context, self.calendar_,
                                          self.device_, n_series))  # fmt: skip
                starts.append(new + offset)
                offset += n_rows
            contexts[key] = tail(context, keep)
        if update_params and not tensors:
            warnings.warn(
                "update(update_params=True) got no point after the fitted ones, so the "
                "network was not trained; the cutoff moved as asked.",
                stacklevel=3,
            )
        if tensors:
            self._fine_tune(SeriesTensors.concat(tensors), np.concatenate(starts))
        self._contexts = contexts
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
        pred_len = pretrain_pred_len(fh)
        y_columns = list(y.columns)
        if self.channel_independent:
            y, X = to_channels(y), repeat_for_channels(X, y_columns)
        fitted = self._train(y, X, pred_len, None, self.train_epochs, {})
        self.pretrained_network_ = fitted.network
        self.pretrained_history_ = fitted.history
        self.pretrained_data_ = {
            "y_columns": y_columns,
            "X_columns": None if X is None else list(X.columns),
            "freq": fitted.freq,
            "series_ids": fitted.series_ids,
        }
        return self

    def _pretrain_update(self, y, X=None, fh=None):
        """Train the pretrained network further, for ``train_epochs``, on another panel.

        Series seen before keep their series embedding; new ones train its mean.
        """
        if not hasattr(self, "pretrained_network_"):  # fitted, but never pretrained
            return self._pretrain(y, X, fh)
        pretrained = self.pretrained_network_
        pred_len = pretrained.config.pred_len if fh is None else pretrain_pred_len(fh)
        if pred_len != pretrained.config.pred_len:
            raise ValueError(
                f"fh passed to pretrain reaches {pred_len} steps ahead, but the forecaster "
                f"was pretrained for {pretrained.config.pred_len}; pass the same fh (or "
                "none) to pretrain further, or pretrain a new forecaster for another fh."
            )
        if self.channel_independent:
            y, X = to_channels(y), repeat_for_channels(X, list(y.columns))
        data = self._pretrained_data()
        y, X = match_pretrained(y, X, pred_len, data, pretrained.config)
        fitted = self._train(y, X, pred_len, pretrained, self.train_epochs,
                             data["series_ids"], data["freq"])  # fmt: skip
        self.pretrained_network_ = fitted.network
        self.pretrained_history_ = self.pretrained_history_ + fitted.history
        return self

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
            "train_epochs": 1,
            "batch_size": 8,
            "validation_size": 0,
            "random_state": 0,
            "device": "cpu",
        }
        return [
            small,
            {**small, "attn": "full", "embed": "fixed", "distil": False, "activation": "relu",
             "series_embedding": True, "fine_tune_epochs": 0, "loss": "normal"},  # fmt: skip
            {**small, "loss": "quantile", "revin": True, "residual_sp": 2, "highway": "least_squares"},
            {**small, "channel_independent": True, "series_embedding": True, "loss": "quantile"},
        ]

    # the estimator's delegation: below, each method hands one step of the pipeline to
    # the module that owns it

    def _train(self, y, X, pred_len, network, epochs, series_ids, freq=None):
        """Contexts of every series of ``y``, and a network trained on their windows.

        ``network`` None builds a new one; else a copy of it is trained (not at all
        with ``epochs=0``). ``series_ids`` maps series seen before to their row of the
        series embedding; ``freq``, if given, is the frequency the data must have.
        """
        stacked = stack_series(y, X)
        freq = stacked_freq(stacked, freq)
        spec = calendar_spec(stacked.index(0), None if freq == 1 else freq)
        lengths, n_val_rows = series_rows(stacked.keys, stacked.lengths, self.seq_len, pred_len,
                                          self.validation_size, epochs > 0)  # fmt: skip
        if network is None and self.series_embedding:
            trained = [key for key, n_rows, n_val in zip(stacked.keys, lengths, n_val_rows)
                       if n_rows - n_val >= self.seq_len + pred_len]  # fmt: skip
            series_ids = {key: i for i, key in enumerate(trained)}
        device = resolve_device(self.device)
        ranks = distributed.ranks(device)  # None in a single process
        device = device if ranks is None else ranks.device
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        n_series = len(series_ids) if network is None else network.config.n_series
        contexts, series = prepare(stacked, n_val_rows, spec, self.scale, self.seq_len + pred_len - 1,
                                   series_ids, device, n_series, epochs > 0)  # fmt: skip
        if ranks is not None:  # every rank the same data and rank 0's seed
            seed = ranks.agree(seed, distributed.fingerprint(self.get_params(deep=False), y, X,
                                                             n_val_rows))  # fmt: skip
        history, best_epoch = [], 0
        if epochs:
            train_starts, val_starts = panel_starts(lengths, self.seq_len, pred_len, n_val_rows)
            train = self._windows(series, train_starts, pred_len)
            val = None if val_starts is None else self._windows(series, val_starts, pred_len)
        # a start that forecasts on its own must be beaten on validation to be replaced
        validate_start = network is not None or self.highway == "least_squares"
        if network is None:
            periods = self.residual_periods if self.residual_sp else 1
            if periods == "auto":
                periods = best_residual_periods(val or train, self.residual_sp)
            config = self._network_config(series, y.shape[1], pred_len, spec, n_series, periods)
            with seeded(seed, device), torch.device(device):
                network = Informer(config)
            if self.highway == "least_squares" and epochs:
                fit_highway(network, train)
        else:
            network = copy.deepcopy(network).to(device)  # the pretrained one stays as it is
        if epochs:
            with seeded(seed, device):
                history, best_epoch = train_network(network, train, val, ranks=ranks,
                                                    validate_start=validate_start,
                                                    **self._training_settings(epochs))  # fmt: skip
        network.eval()
        return _Fitted(network, history, best_epoch, seed, device, freq, spec, contexts, series_ids)

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
            highway=bool(self.highway),
            head=HEADS[self.loss],
            quantiles=levels(self) if self.loss == "quantile" else (),
        )

    def _network_output(self, fh, X):
        """The network's raw output for every series, from its last ``seq_len`` points."""
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int) - 1
        if self.channel_independent:
            X = repeat_for_channels(X, self._y_columns)
        inputs = forecast_inputs(self._contexts, X, steps, self.cutoff, self._freq, fh.freq,
                                 self.calendar_, self.seq_len, self.pred_len_, self.device_,
                                 self.network_.config.n_series)  # fmt: skip
        starts = np.arange(len(self._contexts)) * (self.seq_len + self.pred_len_)
        windows = self._windows(inputs.tensors, starts, self.pred_len_)
        out = forecast_windows(self.network_, windows, seed=self.seed_, precision=self.precision,
                               batch_size=self.inference_batch_size)  # fmt: skip
        return out, inputs, steps

    def _per_series(self, output, kind, columns=None, alpha=None):
        """The forecasts ``kind`` of every series (see ``outputs.to_user_scale``) as a frame.

        Rows are the steps of ``fh`` of each series, in the panel form of ``y``;
        columns those of ``y`` (with the levels ``alpha`` for quantiles), or ``columns``.
        """
        out, inputs, steps = output
        contexts = list(self._contexts.values())
        values = to_user_scale_all(out, kind, self.network_.config, contexts, inputs.y_past, alpha)
        values = values[:, steps]  # (n_series, len(steps), c[, len(alpha)])
        check_finite(values, self.scale, self.learning_rate)
        horizon = inputs.horizon[(np.arange(len(contexts))[:, None] * self.pred_len_ + steps).ravel()]
        names = contexts[0].y.columns
        if kind == "quantiles":
            names = pd.MultiIndex.from_product([names, alpha])
        frame = forecast_frame(values, list(self._contexts), horizon, names, self._index_names)
        if self.channel_independent:
            frame = from_channels(frame)
        return frame if columns is None else frame.set_axis(columns, axis=1)

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

    def _as_channels(self, y, X, method):
        """With ``channel_independent``: the fitted columns of ``y`` as univariate series."""
        frame = _checks.as_frame(y)
        y = fitted_columns(y if frame is None else frame, self._y_columns, method)
        return to_channels(y), repeat_for_channels(X, self._y_columns)

    def _pretrained_data(self):
        """``pretrained_data_`` as ``match_pretrained`` reads it.

        With ``channel_independent`` every column is a series with the one target
        column, so ``fit`` may pass other columns than ``pretrain``.
        """
        data = self.pretrained_data_
        return {**data, "y_columns": [TARGET]} if self.channel_independent else data

    def _training_settings(self, epochs):
        """The fit loop's hyperparameters, shared by fit, pretrain and fine-tuning."""
        return dict(
            loss=loss_function(self.loss, levels(self)),
            epochs=epochs,
            batch_size=self.batch_size,
            windows_per_epoch=self.windows_per_epoch,
            learning_rate=self.learning_rate,
            patience=self.patience,
            lradj=self.lradj,
            gradient_clip=self.gradient_clip,
            precision=self.precision,
            verbose=self.verbose,
            inference_batch_size=self.inference_batch_size,
            compile=self.compile,
            activation_checkpointing=self.activation_checkpointing,
        )

    def _check_predict(self, X):
        """The package's messages for predict's bad input, before sktime's deeper ones."""
        frame = _checks.as_frame(X)
        if frame is not None and getattr(self, "X_scaler_", None) is not None:
            _checks.check_series(frame, "X")
        _checks.check_panel_data(X, None, "predict", name="X", regular=False)
        if self.is_fitted and not self._is_vectorized:
            # steps behind the cutoff (e.g. an absolute fh that update passed) or off
            # the grid: the package's message, not one from deep inside sktime
            _checks.check_fh(self.fh, self.cutoff, self._freq)

    def _windows(self, series, starts, pred_len):
        return Windows(series, starts, self.seq_len, self.label_len, pred_len)

    @contextlib.contextmanager
    def _runtime(self):
        """Threads and determinism as asked, for one public call; restored after."""
        with torch_threads(self.n_threads), deterministic(self.deterministic):
            yield

    def __getstate__(self):
        """Pickled state: the weights on the CPU, with the package and format versions."""
        return dump_state(vars(self))

    def __setstate__(self, state):
        """Rebuild the networks from a pickled state, on their device if present, else the CPU."""
        vars(self).update(load_state(state, _defaults()))


class _Fitted(NamedTuple):
    """What ``_train`` gives back: the network and what predict needs beside it."""

    network: Informer
    history: list
    best_epoch: int
    seed: int
    device: torch.device
    freq: object
    calendar: object
    contexts: dict  # {series key: SeriesContext}
    series_ids: dict  # {series key: row of the series embedding}


def _defaults():
    signature = inspect.signature(InformerForecaster.__init__)
    return {name: p.default for name, p in signature.parameters.items()}


def windows_frame(forecaster, y, X, *, start, step, steps, kind, alpha):
    """``predict_windows``'s forecasts: every origin of every series, one batched pass."""
    f = forecaster
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool) or step < 1:
        raise ValueError(f"step={step!r} must be a positive integer, the points between origins.")
    if steps.min() < 1 or steps.max() > f.pred_len_:
        raise ValueError(
            f"fh={steps.tolist()} must hold steps in [1, {f.pred_len_}], the horizon the "
            "network was fitted for."
        )
    y_frame = _checks.as_frame(y)
    y_frame = y if y_frame is None else y_frame
    X_parts = dict(split_panel(X)) if X is not None else {}
    n_series, config = f.network_.config.n_series, f.network_.config
    seq_len, pred_len = f.seq_len, f.pred_len_
    plans, tensors, offset = [], [], 0
    for key, y_i in split_panel(y_frame):
        context = f._contexts.get(key)
        if context is None:
            raise ValueError(
                f"y holds series {key!r}, which the forecaster was not fitted on (it knows "
                f"{list(f._contexts)[:5]}); pass fitted series."
            )
        if y_i.shape[1] == 1 and len(context.y.columns) == 1:  # a Series under another name
            y_i = y_i.set_axis(context.y.columns, axis=1)
        _checks.check_series(y_i, "y")
        if list(y_i.columns) != list(context.y.columns):
            y_i = y_i[context.y.columns]
        X_i = None
        if context.X is not None:
            if X is None or key not in X_parts:
                raise ValueError(
                    "the forecaster was fitted with exogenous X: pass X on the index of y "
                    f"with columns {list(context.X.columns)}."
                )
            X_i = X_parts[key].reindex(y_i.index)[context.X.columns]
            _checks.check_series(X_i, "X")
        origins = np.arange(seq_len - 1, len(y_i) - pred_len)  # positions of the cutoffs
        if start is not None:
            origins = origins[y_i.index[origins] >= start]
        origins = origins[::step]
        if not len(origins):
            continue
        tensors.append(to_tensors(y_i, X_i, context, f.calendar_, f.device_, n_series))
        plans.append((key, y_i, context, origins, offset))
        offset += len(y_i)
    if not plans:
        raise ValueError(
            f"y has no origin with seq_len={seq_len} points up to it and the whole horizon "
            f"of {pred_len} steps after it"
            + ("" if start is None else f" at or after start={start!r}")
            + "; pass a longer stretch of y, or an earlier start."
        )
    starts = np.concatenate([origins - seq_len + 1 + offset for _, _, _, origins, offset in plans])
    windows = Windows(SeriesTensors.concat(tensors), starts, seq_len, f.label_len, pred_len)
    out = forecast_windows(f.network_, windows, seed=f.seed_, precision=f.precision,
                           batch_size=f.inference_batch_size)  # fmt: skip
    frames, first = [], 0
    for key, y_i, context, origins, _ in plans:
        values = y_i.to_numpy(np.float64)
        forecasts = np.stack([
            to_user_scale(out[first + j], kind, config, context, values[p - seq_len + 1 : p + 1], alpha)
            for j, p in enumerate(origins)
        ])[:, steps - 1]  # (n_origins, len(steps), c[, A])
        first += len(origins)
        check_finite(forecasts, f.scale, f.learning_rate)
        cutoffs = np.repeat(origins, len(steps))
        times = (origins[:, None] + steps[None, :]).ravel()
        arrays = [y_i.index[cutoffs], y_i.index[times]]
        names = ["cutoff", y_i.index.name]
        if key is not None:
            key = key if isinstance(key, tuple) else (key,)
            arrays = [np.repeat(np.array([k], dtype=object), len(times)) for k in key] + arrays
            names = f._index_names[:-1] + names
        columns = list(y_i.columns)
        if kind == "quantiles":
            columns = pd.MultiIndex.from_product([columns, alpha])
        frames.append(pd.DataFrame(forecasts.reshape(len(times), -1), columns=columns,
                                   index=pd.MultiIndex.from_arrays(arrays, names=names)))  # fmt: skip
    return pd.concat(frames)
