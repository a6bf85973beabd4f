"""InformerForecaster under sktime's parallel backends: loky, dask, ray, vectorised fits.

Each test spawns worker processes, so the models and folds are tiny. With a fixed
``random_state`` and one torch thread per worker, every backend must give exactly
the sequential backend's results, for ``evaluate`` and for ``ForecastingGridSearchCV``.
"""

import numpy as np
import pandas as pd
import pytest
from sktime.forecasting.compose import ForecastByLevel
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.forecasting.model_evaluation import evaluate
from sktime.split import ExpandingWindowSplitter

from informer_sk import InformerForecaster
from tests.conftest import TINY as CONFTEST_TINY

# conftest's tiny network, with one torch thread set in every worker process
TINY = dict(CONFTEST_TINY, batch_size=16, n_threads=1)
FH = [1, 2, 3]


def _hourly(n=72, shift=0.0, name="load"):
    t = np.arange(n)
    values = 10 + np.sin(2 * np.pi * t / 24 + shift) + 0.1 * np.cos(t / 5.0)
    return pd.Series(values, index=pd.date_range("2021-03-01", periods=n, freq="h"), name=name)


def _evaluate(backend, backend_params=None, return_data=True):
    cv = ExpandingWindowSplitter(fh=FH, initial_window=48, step_length=9)  # 3 folds
    results = evaluate(
        InformerForecaster(**TINY), cv, _hourly(), return_data=return_data,
        backend=backend, backend_params=backend_params,
    )  # fmt: skip
    return results.sort_values("cutoff").reset_index(drop=True)


@pytest.fixture(scope="module")
def sequential():
    return _evaluate(None)


def _assert_same_results(results, sequential):
    assert len(results) == len(sequential) == 3
    score = [c for c in sequential.columns if c.startswith("test_")] + ["cutoff"]
    pd.testing.assert_frame_equal(results[score], sequential[score], check_exact=True)
    if "y_pred" not in results:
        return
    for ours, theirs in zip(results["y_pred"], sequential["y_pred"]):
        pd.testing.assert_series_equal(ours, theirs, check_exact=True)


def test_evaluate_with_loky_equals_the_sequential_backend(sequential):
    _assert_same_results(_evaluate("loky", {"n_jobs": 2}), sequential)


@pytest.fixture(scope="module")
def dask_cluster():
    """A 2-worker dask LocalCluster with a client connected, for the module's tests."""
    distributed = pytest.importorskip(
        "distributed", reason="dask is not installed: pip install 'dask[dataframe,distributed]'"
    )
    pytest.importorskip("dask.dataframe", reason="evaluate's dask backend needs dask.dataframe")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def test_evaluate_with_a_dask_local_cluster_equals_the_sequential_backend(sequential, dask_cluster):
    # sktime's dask path turns returned series into strings: compare the scores
    _assert_same_results(_evaluate("dask", return_data=False), sequential)


GRID = {"learning_rate": [1e-3, 1e-2]}


def _grid_search(backend, backend_params=None):
    cv = ExpandingWindowSplitter(fh=FH, initial_window=48, step_length=12)  # 2 folds
    search = ForecastingGridSearchCV(InformerForecaster(**TINY), cv, GRID, backend=backend,
                                     backend_params=backend_params)  # fmt: skip
    return search.fit(_hourly(), fh=FH)


@pytest.fixture(scope="module")
def sequential_search():
    return _grid_search(None)


def _assert_same_search(search, sequential):
    scores = [c for c in sequential.cv_results_.columns if "time" not in c]
    assert len(sequential.cv_results_) == 2
    pd.testing.assert_frame_equal(search.cv_results_[scores], sequential.cv_results_[scores],
                                  check_exact=True)  # fmt: skip
    assert search.best_params_ == sequential.best_params_
    pd.testing.assert_series_equal(search.predict(), sequential.predict(), check_exact=True)


def test_grid_search_with_a_dask_local_cluster_equals_the_sequential_backend(
    sequential_search, dask_cluster
):
    _assert_same_search(_grid_search("dask"), sequential_search)


@pytest.fixture(scope="module")
def ray_session():
    """A local ray session of 2 CPUs, kept for the module's tests (shutdown_ray=False)."""
    ray = pytest.importorskip("ray", reason="ray is not installed: pip install 'informer-sk[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_evaluate_with_ray_equals_the_sequential_backend(sequential, ray_session):
    _assert_same_results(_evaluate("ray", {"shutdown_ray": False}), sequential)


def test_grid_search_with_ray_equals_the_sequential_backend(sequential_search, ray_session):
    _assert_same_search(_grid_search("ray", {"shutdown_ray": False}), sequential_search)


def test_ray_workers_with_their_own_resources_through_joblibs_ray_backend(sequential, ray_session):
    # sktime's "ray" backend requests no GPU for its tasks; ray's joblib backend passes
    # ray_remote_args to the actors that run the folds, e.g. {"num_gpus": 1} on GPUs
    from ray.util.joblib.ray_backend import RayBackend

    backend = RayBackend(ray_remote_args={"num_cpus": 1})
    _assert_same_results(_evaluate("joblib", {"backend": backend, "n_jobs": 2}), sequential)


def _panel():
    """Two hourly series of different phase as a pd-multiindex panel."""
    frames = [_hourly(60, shift).to_frame() for shift in (0.0, 1.0)]
    return pd.concat(frames, keys=["a", "b"], names=["series", "time"])


def test_forecast_by_level_fits_one_model_per_series_in_loky_workers():
    y = _panel()
    sequential = ForecastByLevel(InformerForecaster(**TINY), groupby="local")
    expected = sequential.fit(y, fh=FH).predict()
    parallel = ForecastByLevel(InformerForecaster(**TINY), groupby="local")
    parallel.set_config(**{"backend:parallel": "loky", "backend:parallel:params": {"n_jobs": 2}})
    y_pred = parallel.fit(y, fh=FH).predict()
    pd.testing.assert_frame_equal(y_pred, expected, check_exact=True)
    assert list(y_pred.index.get_level_values(0).unique()) == ["a", "b"]
    # one fitted Informer per series, and they differ: each saw its own series
    fitted = [clone.forecaster_ for clone in parallel.forecasters_.iloc[:, 0]]
    assert len(fitted) == 2
    assert all(isinstance(f, InformerForecaster) and f.is_fitted for f in fitted)
    assert not np.array_equal(y_pred.loc["a"].to_numpy(), y_pred.loc["b"].to_numpy())


class _UnivariateInformer(InformerForecaster):
    """Univariate only, so sktime vectorises a multivariate y over its columns."""

    _tags = {**InformerForecaster._tags, "capability:multivariate": False}


def test_fits_vectorised_over_columns_run_in_loky_workers():
    y = pd.concat([_hourly(60), _hourly(60, 1.0, name="price")], axis=1)
    sequential = _UnivariateInformer(**TINY).fit(y, fh=FH)
    parallel = _UnivariateInformer(**TINY)
    parallel.set_config(**{"backend:parallel": "loky", "backend:parallel:params": {"n_jobs": 2}})
    parallel.fit(y, fh=FH)
    assert parallel._is_vectorized  # one clone per column, fitted by the backend
    assert all(f.is_fitted for f in parallel.forecasters_.iloc[0])
    pd.testing.assert_frame_equal(parallel.predict(), sequential.predict(), check_exact=True)
