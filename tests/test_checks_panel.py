"""The whole-panel fast path of the panel checks: it passes what the per-series checks pass."""

import numpy as np
import pytest

from informer_sk import _checks
from tests.conftest import hourly, panel


def _panel():
    return panel(a=hourly(30), b=hourly(40, seed=1, start="2021-03-02"))


def test_a_clean_panel_passes_at_once():
    y = _panel()
    assert _checks._panel_is_clean(y, y.rename(columns={"c0": "x"}), True)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e35, -1e35])
@pytest.mark.parametrize("where", ["y", "X"])
def test_a_value_not_finite_or_too_large_sends_the_panel_to_the_checks_that_name_its_series(bad, where):
    y = _panel()
    X = y.rename(columns={"c0": "x"})
    (y if where == "y" else X).iloc[35, 0] = bad  # a row of series 'b'
    assert not _checks._panel_is_clean(y, X, True)
    with pytest.raises(ValueError, match=f"{where} series 'b'"):
        _checks.check_panel_data(y, X, "fit")
