"""InformerEnsemble: Informer candidates averaged with weights fitted on held-out windows.

The accuracy benchmark's best rule as an sktime forecaster: every candidate is fitted
on the same data (early stopping on the validation tail), forecasts the validation
windows, and the weights >= 0 summing to 1 whose weighted mean of those forecasts has
the lowest MSE weigh every later forecast. ``validated_recipe`` gives the candidates
that rule was measured with; ``seasonal_period`` the season length they need;
``simplex_weights`` the weights.
"""

__all__ = ["InformerEnsemble", "seasonal_period", "simplex_weights", "validated_recipe"]

import copy
import inspect
import warnings

import numpy as np
import pandas as pd
from sktime.base._meta import _HeterogenousMetaEstimator
from sktime.forecasting.base import BaseForecaster

from informer_sk.forecaster import InformerForecaster
from informer_sk.runtime import restored_on_error
from informer_sk.series import common_freq
from informer_sk.windows import join_panel, split_panel

# the benchmark's --size small: CPU-sized, two epochs (docs/benchmarks.md, "Accuracy")
RECIPE_SIZE = dict(d_model=64, n_heads=4, d_ff=128, train_epochs=2, batch_size=64, learning_rate=1e-3)
RECIPE_SEQ_LEN = 96
_LOSSES = ("mse", "quantile", "normal")
_DEFAULT_VALIDATION_SIZE = inspect.signature(InformerForecaster).parameters["validation_size"].default


def seasonal_period(freq):
    """The seasonal period of a frequency: steps per day below a day, else per year.

    Parameters
    ----------
    freq : pandas DateOffset or str
        The frequency of the series, e.g. ``"h"`` or ``"15min"``.

    Returns
    -------
    sp : int or None
        24 for hourly, 96 for 15-minute, 7 for daily, 5 for business-daily, 52 for
        weekly, 12 for monthly, 4 for quarterly data; None when no period is known
        (yearly data or unusual frequencies).

    Examples
    --------
    >>> from informer_sk.ensemble import seasonal_period
    >>> seasonal_period("h"), seasonal_period("15min"), seasonal_period("D")
    (24, 96, 7)
    >>> seasonal_period("YS") is None
    True
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick) and not isinstance(offset, pd.offsets.Day):
        steps_per_day = pd.Timedelta(days=1) / pd.Timedelta(offset)
        if steps_per_day.is_integer() and steps_per_day > 1:
            return int(steps_per_day)
        return None
    if offset.n != 1:
        return None
    per_year = {
        pd.offsets.Day: 7,  # the weekly cycle
        pd.offsets.BusinessDay: 5,
        pd.offsets.Week: 52,
        pd.offsets.MonthBegin: 12,
        pd.offsets.MonthEnd: 12,
        pd.offsets.QuarterBegin: 4,
        pd.offsets.QuarterEnd: 4,
    }
    return per_year.get(type(offset))


def simplex_weights(members, truth):
    """Weights >= 0 summing to 1 whose weighted mean of ``members`` has the lowest MSE.

    Parameters
    ----------
    members : list of np.ndarray
        Forecasts of the same targets, each shaped like ``truth``.
    truth : np.ndarray

    Returns
    -------
    np.ndarray
        (len(members),) weights.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.standard_normal(100), rng.standard_normal(100)
    >>> simplex_weights([a, b], 0.25 * a + 0.75 * b).round(3)
    array([0.25, 0.75])
    >>> simplex_weights([a, b], a - 0.5 * b).round(3)  # the best mix is outside: a alone
    array([1., 0.])
    >>> c = a + 0.01 * rng.standard_normal(100)  # members that differ little
    >>> simplex_weights([a, c], 0.2 * a + 0.8 * c).round(3)
    array([0.2, 0.8])
    """
    from scipy.optimize import minimize

    k, n = len(members), truth.size
    # the MSE is the quadratic w'Gw - 2w'c + const in the weights
    gram = np.array([[np.vdot(a, b) / n for b in members] for a in members])
    cross = np.array([np.vdot(a, truth) / n for a in members])
    # its curvature along the simplex is the members' spread around their mean; forecasts
    # that differ little make it tiny, and SLSQP would stop at its start within its
    # tolerance, so the objective is divided by it
    spread = np.trace(gram) - gram.sum() / k
    if spread <= 1e-12 * max(np.trace(gram), 1e-300):
        return np.full(k, 1 / k)  # the members forecast alike: any weights do
    result = minimize(
        lambda w: (w @ gram @ w - 2 * w @ cross) / spread, np.full(k, 1 / k),
        jac=lambda w: 2 * (gram @ w - cross) / spread, bounds=[(0.0, 1.0)] * k,
        constraints=({"type": "eq", "fun": lambda w: w.sum() - 1.0},), method="SLSQP",
        options={"ftol": 1e-12, "maxiter": 500},
    )  # fmt: skip
    weights = np.clip(result.x, 0.0, None)
    return weights / weights.sum()


def validated_recipe(sp, loss="mse", random_state=None, highway=False, seq_len=RECIPE_SEQ_LEN):
    """The candidates of the accuracy benchmark's weighted rule, unfitted.

    All are CPU-sized (``d_model=64, n_heads=4, d_ff=128``, 2 epochs, batch 64) with
    RevIN: ``"revin"`` at learning rate 1e-3, and ``"seasonal_residual"``, which
    corrects the mean of the last seasons of its input (``residual_sp=sp``,
    ``residual_periods="auto"``) at learning rate 1e-4. Its input covers at least one
    season: ``seq_len`` is ``max(seq_len, sp)``. With ``highway``, two more that add a
    linear forecast to the network's (the forecaster's ``highway`` set to it):
    ``"highway"`` at learning rate 1e-3 and ``"highway_fast"`` at 3e-3.

    Parameters
    ----------
    sp : int or None
        Season length in steps (24 for hourly data). None: the second candidate has
        no seasonal residual (RevIN at learning rate 1e-4 only).
    loss : {"mse", "quantile", "normal"}, default="mse"
        The candidates' ``loss``.
    random_state : int, RandomState instance or None, default=None
        The candidates' ``random_state``.
    highway : bool or "least_squares", default=False
        Add the two highway candidates, their linear map trained from zero (True) or
        from the least-squares fit to the training windows ("least_squares").
    seq_len : int, default=96
        Input length of every candidate.

    Returns
    -------
    list of (str, InformerForecaster)

    Examples
    --------
    >>> [name for name, _ in validated_recipe(24)]
    ['revin', 'seasonal_residual']
    >>> validated_recipe(24)[1][1].residual_sp
    24
    >>> [(name, f.seq_len) for name, f in validated_recipe(24, highway=True, seq_len=336)][2:]
    [('highway', 336), ('highway_fast', 336)]
    """
    common = dict(RECIPE_SIZE, revin=True, loss=loss, random_state=random_state, seq_len=seq_len)
    residual = dict(learning_rate=1e-4)
    if sp is not None:
        residual.update(residual_sp=sp, residual_periods="auto", seq_len=max(seq_len, sp))
    candidates = [
        ("revin", InformerForecaster(**common)),
        ("seasonal_residual", InformerForecaster(**{**common, **residual})),
    ]
    if highway:
        candidates += [
            ("highway", InformerForecaster(**common, highway=highway)),
            ("highway_fast", InformerForecaster(**{**common, "learning_rate": 3e-3}, highway=highway)),
        ]
    return candidates


class InformerEnsemble(_HeterogenousMetaEstimator, BaseForecaster):
    """Informer candidates averaged with weights fitted on the validation windows.

    ``fit`` fits every candidate on ``y`` (each stops early on the last
    ``validation_size`` of ``y``), forecasts the windows whose targets lie in that
    validation tail with each (``predict_windows``, every origin from the last
    training point on), and finds the weights >= 0 summing to 1 whose weighted mean
    of those forecasts has the lowest MSE (``simplex_weights``). Every forecast is
    then that weighted mean of the candidates' forecasts; the test months of a
    backtest never enter the weights.

    By default the candidates are the validated recipe (``validated_recipe``): two
    CPU-sized RevIN networks, one of them correcting a seasonal baseline of season
    length ``sp``. On ETTh2's paper protocol this rule beats seasonal naive at all
    ten task-horizons, and neither candidate does alone (``docs/benchmarks.md``,
    "Accuracy"). It costs the two candidates' fits plus one batched pass over the
    validation windows each.

    Parameters
    ----------
    forecasters : list of (str, InformerForecaster), or None, default=None
        The named candidates, as in sktime's ensembles; they are cloned, never
        fitted in place. None: ``validated_recipe(sp, loss, random_state)``.
    sp : int or None, default=None
        With ``forecasters=None``: the season length of the recipe's seasonal
        residual, in steps. None infers it from the frequency of ``y``
        (``seasonal_period``: 24 for hourly, 96 for 15-minute, 7 for daily data);
        where none can be inferred (yearly data, an integer index) the second
        candidate has no seasonal residual, with a warning. Unused with
        ``forecasters``.
    validation_size : float, default=0.2
        The fraction of ``y``, at its end (of every series, for a panel), whose
        windows set the weights; also every candidate's ``validation_size`` (early
        stopping), except a candidate's set to other than its default 0.2. With 0
        no window is held out and the weights are equal.
    loss : {"mse", "quantile", "normal"}, default="mse"
        With ``forecasters=None``: the recipe's candidates' ``loss``; "quantile" or
        "normal" give probabilistic forecasts. Unused with ``forecasters``.
    random_state : int, RandomState instance or None, default=None
        With ``forecasters=None``: the recipe's candidates' ``random_state``.
        Candidates passed in ``forecasters`` keep their own.

    Attributes
    ----------
    forecasters_ : list of (str, InformerForecaster)
        The fitted candidates.
    weights_ : pd.Series
        The weight of every candidate, by name: >= 0, summing to 1.

    Notes
    -----
    The weights minimise the MSE of the weighted mean's point forecasts over every
    step of ``fh``, every column, every series and every validation window, each
    column of each series divided by its standard deviation over the rows before
    the validation tail, so that no column's units dominate (the accuracy
    benchmark's standardised scale). ``update`` passes the new data to every candidate
    (which fine-tune with ``update_params=True``); the weights stay as fitted.

    Probabilistic forecasts, when every candidate has ``loss="quantile"`` or
    ``"normal"``: ``predict_quantiles`` and ``predict_interval`` give the weighted
    mean of the candidates' quantiles at every level (quantile averaging), and
    ``predict_var`` the variance of that averaged distribution where the candidates'
    forecasts are of one location-scale family, ``(sum_i w_i sigma_i)^2``: exact for
    Normal heads, and consistent with the averaged quantiles for quantile heads. The
    weights are those of the point forecasts.

    Examples
    --------
    >>> from sktime.datasets import load_airline
    >>> from informer_sk import InformerEnsemble, InformerForecaster
    >>> y = load_airline()
    >>> tiny = dict(seq_len=24, label_len=12, d_model=16, n_heads=2, d_ff=32,
    ...             train_epochs=1, random_state=0)
    >>> ensemble = InformerEnsemble([
    ...     ("plain", InformerForecaster(**tiny)),
    ...     ("seasonal", InformerForecaster(**tiny, revin=True, residual_sp=12)),
    ... ], validation_size=0.25)
    >>> ensemble.fit(y, fh=[1, 2, 3])
    InformerEnsemble(...)
    >>> round(float(ensemble.weights_.sum()), 6)
    1.0
    >>> ensemble.predict().shape
    (3,)
    """

    _tags = {
        "authors": ["informer_sk developers"],
        "maintainers": ["informer_sk developers"],
        "python_dependencies": ["torch", "scipy"],
        "y_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "X_inner_mtype": ["pd.DataFrame", "pd-multiindex", "pd_multiindex_hier"],
        "capability:multivariate": True,
        "capability:exogenous": True,
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
        "capability:insample": False,
        "capability:pred_int": False,  # True when every candidate's loss is not "mse": __dynamic_tags__
        "capability:pred_int:insample": False,
        "capability:missing_values": False,
        "capability:update": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
        "visual_block_kind": "parallel",
    }
    # the candidates keep the context they forecast from: the ensemble keeps no data
    _config = {"remember_data": False}
    # sktime's data slots, as its __init__ leaves them when remember_data is on: its
    # test suite reads them after turning remember_data on; this class never writes them
    _y = None
    _X = None

    # _HeterogenousMetaEstimator's nested parameters (<name>__<param>, as get_params names them) and
    # fitted parameters read these
    _steps_attr = "_forecasters"
    _steps_fitted_attr = "forecasters_"

    def __init__(self, forecasters=None, sp=None, validation_size=0.2, loss="mse", random_state=None):
        self.forecasters = forecasters
        self.sp = sp
        self.validation_size = validation_size
        self.loss = loss
        self.random_state = random_state
        super().__init__()

    @property
    def _forecasters(self):
        """The well-formed (name, forecaster) pairs of ``forecasters``; fit checks the rest."""
        pairs = self.forecasters if isinstance(self.forecasters, (list, tuple)) else []
        return [p for p in pairs if isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)]

    @_forecasters.setter
    def _forecasters(self, value):
        self.forecasters = value

    def __dynamic_tags__(self):
        if self.forecasters is None:
            probabilistic = self.loss != "mse"
        else:
            losses = [getattr(f, "loss", "mse") for _, f in self._forecasters]
            probabilistic = bool(losses) and all(loss != "mse" for loss in losses)
        self.set_tags(**{"capability:pred_int": probabilistic})

    def fit(self, y, X=None, fh=None):
        """Fit every candidate to ``y`` (and ``X``) for ``fh``, then their weights.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or an sktime panel or hierarchy
        X : pd.DataFrame, optional
            Exogenous series on the index of ``y``.
        fh : int, list, np.ndarray or ForecastingHorizon

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For bad parameters or candidates, before anything changes; a candidate's
            own errors for bad data. On any error the ensemble keeps its previous
            state, fitted or not.
        """
        self._check_params()
        with restored_on_error(self):
            return super().fit(y, X=X, fh=fh)

    def update(self, y, X=None, update_params=True):
        """Pass new data to every candidate; the weights stay as fitted.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or an sktime panel or hierarchy
            New points of the fitted series.
        X : pd.DataFrame, optional
        update_params : bool, default=True
            Every candidate fine-tunes on the windows with a new point.

        Returns
        -------
        self
        """
        with restored_on_error(self):
            return super().update(y, X=X, update_params=update_params)

    def predict_windows(self, y, X=None, *, start=None, step=1, fh=None, alpha=None):
        """The weighted mean of the candidates' ``predict_windows``: a rolling-origin backtest.

        Takes and returns what ``InformerForecaster.predict_windows`` does: every
        ``step``-th point of ``y`` from ``start`` on is an origin whose forecast
        equals ``predict`` after ``update(..., update_params=False)`` to it. Where
        candidates read inputs of different lengths, the origins are those every
        candidate can forecast from.

        Parameters
        ----------
        y : pd.Series, pd.DataFrame, or an sktime panel or hierarchy
            The fitted columns (for a panel, fitted series), history included.
        X : pd.DataFrame, optional
            Exogenous series on the index of ``y`` (needed when fitted with X).
        start : index label, optional
            The first origin; by default the earliest every candidate can take.
        step : int, default=1
            Points between two origins.
        fh : int, list or ForecastingHorizon of relative steps, optional
            The steps forecast from each origin; those of ``fit`` if None.
        alpha : list of float, optional
            Quantile levels: the weighted mean of the candidates' quantiles
            (probabilistic candidates only).

        Returns
        -------
        pd.DataFrame
            Index: (``cutoff``, time), after the series levels for a panel; columns:
            those of ``y``, or (variable, alpha) with ``alpha``.
        """
        self.check_is_fitted()
        if alpha is not None and not self.get_tag("capability:pred_int"):
            raise ValueError(
                f"alpha needs probabilistic candidates, but {self._point_candidates()} "
                "forecast points (loss='mse'); give every candidate loss='quantile' or "
                "'normal', or pass alpha=None."
            )
        frames = [f.predict_windows(y, X, start=start, step=step, fh=fh, alpha=alpha)
                  for _, f in self.forecasters_]  # fmt: skip
        return _weighted_mean(_on_common_rows(frames), self.weights_.to_numpy())

    def _fit(self, y, X, fh):
        """Fit every candidate, then the weights of their validation-window forecasts.

        Parameters
        ----------
        y : pd.DataFrame
            Target series, or a panel or hierarchy of them.
        X : pd.DataFrame, optional
        fh : ForecastingHorizon

        Returns
        -------
        self
        """
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int)
        # checked before any training: the weights need a validation window
        n_train = _training_rows(y, self.validation_size, steps.max()) if self.validation_size else None
        candidates = self._candidates(y)
        fitted = []
        for name, candidate in candidates:
            candidate = candidate.clone()
            if candidate.validation_size == _DEFAULT_VALIDATION_SIZE:
                candidate.set_params(validation_size=self.validation_size)
            fitted.append((name, candidate.fit(y, X=X, fh=fh)))
        names = [name for name, _ in fitted]
        if self.validation_size:
            members, truth = _validation_forecasts([f for _, f in fitted], y, X, steps, n_train)
            weights = simplex_weights(members, truth)
        else:
            weights = np.full(len(fitted), 1 / len(fitted))
        self.forecasters_ = fitted
        self.weights_ = pd.Series(weights, index=names, name="weight")
        return self

    def _predict(self, fh, X):
        """The weighted mean of the candidates' point forecasts."""
        return _weighted_mean([f.predict(fh=fh, X=X) for _, f in self.forecasters_], self.weights_.to_numpy())

    def _predict_quantiles(self, fh, X, alpha):
        """The weighted mean of the candidates' quantiles at every level of ``alpha``."""
        frames = [f.predict_quantiles(fh=fh, X=X, alpha=alpha) for _, f in self.forecasters_]
        return _weighted_mean(frames, self.weights_.to_numpy())

    def _predict_var(self, fh, X=None, cov=False):
        """``(sum_i w_i sigma_i)^2``: the variance of the quantile-averaged distribution."""
        if cov:
            raise NotImplementedError(
                "InformerEnsemble forecasts marginal variances only; call predict_var with cov=False."
            )
        sigmas = [np.sqrt(f.predict_var(fh=fh, X=X)) for _, f in self.forecasters_]
        return _weighted_mean(sigmas, self.weights_.to_numpy()) ** 2

    def _update(self, y, X=None, update_params=True):
        """Pass ``y`` to every candidate's ``update``; the weights stay."""
        # a candidate's training can fail (divergence, Ctrl-C) after an earlier one was
        # trained: train copies, kept only when all succeed. Moving the cutoff alone is
        # checked by each candidate before it changes anything, on the same data.
        candidates = [(name, copy.deepcopy(f) if update_params else f) for name, f in self.forecasters_]
        for _, f in candidates:
            f.update(y, X=X, update_params=update_params)
        self.forecasters_ = candidates
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
        small = dict(seq_len=4, label_len=2, d_model=8, n_heads=2, d_ff=16, train_epochs=1,
                     batch_size=8, learning_rate=1e-3, random_state=0, device="cpu")  # fmt: skip
        # sktime's suite takes minutes per configuration on a CPU: the second has one
        # candidate, for point forecasts and the equal weights of validation_size=0
        return [
            {
                "forecasters": [
                    ("quantile", InformerForecaster(**small, loss="quantile", revin=True)),
                    ("normal", InformerForecaster(**small, loss="normal", residual_sp=2)),
                ],
                "validation_size": 0.3,
            },
            {"forecasters": [("point", InformerForecaster(**small))], "validation_size": 0},
        ]

    def _check_params(self):
        """Raise for bad parameters or candidates, naming what is wrong and how to fix it."""
        if not isinstance(self.validation_size, (int, float)) or not 0 <= self.validation_size < 1:
            raise ValueError(
                f"validation_size={self.validation_size!r} must be a number in [0, 1): the "
                "fraction of y, at its end, whose windows set the weights (0: equal weights)."
            )
        if self.sp is not None and (not isinstance(self.sp, (int, np.integer)) or isinstance(self.sp, bool)
                                    or self.sp < 1):  # fmt: skip
            raise ValueError(
                f"sp={self.sp!r} must be a positive integer, the season length in steps "
                "(24 for hourly data with a daily cycle), or None to infer it from y."
            )
        if self.loss not in _LOSSES:
            raise ValueError(f"loss={self.loss!r} must be one of {_LOSSES}.")
        if self.forecasters is None:
            return
        how = ("pass a list of (name, InformerForecaster) pairs, e.g. "
               "[('a', InformerForecaster(revin=True)), ('b', InformerForecaster())], or "
               "forecasters=None for the validated recipe")  # fmt: skip
        if not isinstance(self.forecasters, (list, tuple)) or not self.forecasters:
            raise ValueError(f"forecasters={self.forecasters!r} holds no candidate; {how}.")
        names = []
        for i, pair in enumerate(self.forecasters):
            if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)):
                raise ValueError(
                    f"forecasters[{i}] is {pair!r}, not a (name, InformerForecaster) pair; {how}."
                )
            name, forecaster = pair
            if not isinstance(forecaster, InformerForecaster):
                raise ValueError(
                    f"forecasters[{i}] ({name!r}) is a {type(forecaster).__name__}; "
                    "InformerEnsemble combines InformerForecaster candidates only (it weighs "
                    "their predict_windows forecasts of the validation windows). For other "
                    "forecasters use sktime's EnsembleForecaster or AutoEnsembleForecaster."
                )
            if "__" in name or name in self.get_params(deep=False):
                raise ValueError(
                    f"forecasters[{i}] is named {name!r}; a name must not contain '__' nor be "
                    f"a parameter of InformerEnsemble ({sorted(self.get_params(deep=False))}): rename it."
                )
            names.append(name)
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"forecasters has the names {repeated} more than once; give every candidate "
                "its own name (they key weights_ and the nested parameters)."
            )

    def _candidates(self, y):
        """The candidates to fit: ``forecasters``, or the recipe for ``y``'s season."""
        if self.forecasters is not None:
            return list(self.forecasters)
        sp = self.sp
        if sp is None:
            y_frame = y.to_frame() if isinstance(y, pd.Series) else y
            freq = common_freq([(key, y_i.index) for key, y_i in split_panel(y_frame)])
            sp = None if freq == 1 else seasonal_period(freq)
            if sp is None:
                source = "an integer index" if freq == 1 else f"frequency {freq.freqstr!r}"
                warnings.warn(
                    f"InformerEnsemble cannot infer a season length from y's {source}, so the "
                    "recipe's second candidate forecasts without a seasonal residual; pass "
                    "sp=<steps per season> to set one.",
                    stacklevel=5,  # the caller of fit
                )
        return validated_recipe(sp, self.loss, self.random_state)

    def _point_candidates(self):
        return [name for name, f in self.forecasters_ if f.loss == "mse"]


def _training_rows(y, validation_size, pred_len):
    """``{series key: rows before its validation tail}``, as the candidates split them.

    Raises unless some series' tail holds a window of ``pred_len`` steps.
    """
    n_train = {}
    for key, y_i in split_panel(y):
        n_train[key] = len(y_i) - int(round(validation_size * len(y_i)))
    if all(len(y_i) - n_train[key] < pred_len for key, y_i in split_panel(y)):
        longest = max(len(y_i) for _, y_i in split_panel(y))
        least = np.ceil(pred_len / longest * 100) / 100
        raise ValueError(
            f"validation_size={validation_size} keeps fewer than max(fh)={pred_len} points "
            "of y for validation, so no validation window fits to weigh the candidates by; "
            f"raise validation_size to at least {least:g}, pass a longer series, or set "
            "validation_size=0 for equal weights."
        )
    return n_train


def _validation_forecasts(candidates, y, X, steps, n_train):
    """Every candidate's forecasts of the validation windows, and their truth.

    The windows are those whose origin is at or after the last training point of
    their series (``n_train``, by series key) and whose steps all lie in ``y``, as
    the candidates' own early stopping; each column of each series is divided by
    its standard deviation over the training rows (the benchmark's z-scale).
    """
    seq_len = max(f.seq_len for f in candidates)
    trimmed, first_origin, scale = [], {}, {}
    for key, y_i in split_panel(y):
        first = max(0, n_train[key] - seq_len)  # the inputs of the first validation window
        trimmed.append((key, y_i.iloc[first:]))
        first_origin[key] = y_i.index[max(n_train[key] - 1, 0)]
        std = y_i.iloc[: n_train[key]].to_numpy(np.float64).std(axis=0)
        scale[key] = np.where(std > 0, std, 1.0)
    y_val = join_panel(trimmed, y.index.names)
    X_val = None if X is None else X.loc[y_val.index]
    frames = _on_common_rows([f.predict_windows(y_val, X_val, step=1, fh=steps) for f in candidates])
    index = frames[0].index
    keys = [None] * len(index) if index.nlevels == 2 else list(index.droplevel([-2, -1]))
    cutoffs = index.get_level_values("cutoff")
    kept = np.array([cutoff >= first_origin[key] for key, cutoff in zip(keys, cutoffs)])
    frames = [frame[kept] for frame in frames]
    truth = y.loc[frames[0].index.droplevel("cutoff")].to_numpy(np.float64)
    divide = np.stack([scale[key] for key, k in zip(keys, kept) if k])
    members = [frame[y.columns].to_numpy(np.float64) / divide for frame in frames]
    return members, truth / divide


def _on_common_rows(frames):
    """The frames on the rows all of them have (candidates of different ``seq_len``)."""
    common = frames[0].index
    for frame in frames[1:]:
        common = common.intersection(frame.index, sort=False)
    return [frame.loc[common] for frame in frames]


def _weighted_mean(frames, weights):
    """``sum_i weights[i] * frames[i]`` over frames of one index and columns."""
    total = frames[0] * weights[0]
    for frame, weight in zip(frames[1:], weights[1:]):
        total = total + frame * weight
    return total
