"""sktime's own conformance suite, in full: nothing skipped or excluded."""

from sktime.utils.estimator_checks import check_estimator

from informer_sk import InformerForecaster


def test_check_estimator_passes_in_full():
    results = check_estimator(InformerForecaster, raise_exceptions=True)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert not failed, failed
    assert len(results) > 100
