"""sktime's own conformance suite, in full: nothing skipped or excluded.

One pytest test per sktime check (``parametrize_with_checks``), so that pytest-xdist
spreads the suite over the workers instead of running it as one long test.
"""

from sktime.utils.estimator_checks import check_estimator, parametrize_with_checks

from informer_sk import InformerEnsemble, InformerForecaster


@parametrize_with_checks([InformerForecaster, InformerEnsemble])
def test_sktime_check_passes(obj, test_name):
    results = check_estimator(obj, tests_to_run=test_name, raise_exceptions=True)
    assert results, f"sktime ran no fixture of {test_name}"
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert not failed, failed
