"""Data-parallel fit under torch.distributed: 2 CPU processes (gloo) launched by torchrun.

One torchrun launch runs this file as a script on 2 ranks (see ``_worker``); every rank
writes what it got to ``rank<r>.pt``, and the tests compare that with a fit in this
process, with the same global batch. The network has no dropout and sequences short
enough that ProbSparse samples no keys, so the two must agree to float rounding.
"""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from tests.conftest import hourly, panel

# factor=6: ProbSparse's 6 * ceil(ln L) keys and queries cover every length here (16, 8,
# 11), so it samples nothing, and dropout=0: no random draw differs between the ranks
PARAMS = dict(
    seq_len=16, label_len=8, d_model=16, n_heads=2, d_ff=32, e_layers=2, factor=6, dropout=0.0,
    train_epochs=3, batch_size=16, validation_size=0.25, patience=1, series_embedding=True,
    learning_rate=1e-3, random_state=0, device="cpu", n_threads=1,
)  # fmt: skip
FH = [1, 2, 3]
PRETRAIN = {**PARAMS, "train_epochs": 1, "validation_size": 0.0}


def _data():
    # 2 x 126 training windows: the last batch of 12 splits 6 + 6 over the ranks
    return panel(a=hourly(24 * 8, seed=0), b=hourly(24 * 8, seed=1, level=5.0))


def _worker(out):
    """The script each rank runs: a fit, then the ways a rank can fail."""
    import torch.distributed as dist

    from informer_sk import InformerForecaster, training

    result = {}
    forecaster = InformerForecaster(**PARAMS).fit(_data(), fh=FH)
    rank = dist.get_rank()  # the fit initialised the process group
    result["predict"] = forecaster.predict()
    result["state"] = forecaster.network_.state_dict()
    result["history"] = [{k: v for k, v in r.items() if k != "seconds"} for r in forecaster.history_]
    result["best_epoch"] = forecaster.best_epoch_
    recomputed = InformerForecaster(**PARAMS, activation_checkpointing=True).fit(_data(), fh=FH)
    result["recomputed_history"] = [r["train_loss"] for r in recomputed.history_]
    result["recomputed_predict"] = recomputed.predict()
    pretrained = InformerForecaster(**PRETRAIN).pretrain(_data(), fh=FH)
    result["pretrained_state"] = pretrained.pretrained_network_.state_dict()
    result["pretrained_losses"] = [r["train_loss"] for r in pretrained.pretrained_history_]

    def caught(fit):
        try:
            fit()
        except Exception as error:  # recorded for the test to read
            return type(error).__name__, str(error)
        return None

    # bad data on rank 1 only: its own check raises, rank 0 must not wait for it
    y = _data()
    if rank == 1:
        y.iloc[5, 0] = np.nan
    result["bad_data"] = caught(lambda: InformerForecaster(**PARAMS).fit(y, fh=FH))

    # different (valid) data on the two ranks
    y = _data() + rank
    result["other_data"] = caught(lambda: InformerForecaster(**PARAMS).fit(y, fh=FH))

    # an exception in rank 1's third training step, in a refit of the fitted forecaster
    forward, calls = training._forward_loss, []

    def failing(*args, **kwargs):
        calls.append(1)
        if rank == 1 and len(calls) == 3:
            raise RuntimeError("injected failure")
        return forward(*args, **kwargs)

    training._forward_loss = failing
    result["step"] = caught(lambda: forecaster.fit(_data(), fh=FH))
    training._forward_loss = forward
    result["predict_after_failure"] = forecaster.predict()
    torch.save(result, os.path.join(out, f"rank{rank}.pt"))


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """What each of the 2 ranks wrote, after one torchrun launch of ``_worker``."""
    out = tmp_path_factory.mktemp("ddp")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
           "OMP_NUM_THREADS": "1"}  # fmt: skip
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
               os.path.abspath(__file__), str(out)]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(2)]


@pytest.fixture(scope="module")
def single():
    """The same fit in one process."""
    from informer_sk import InformerForecaster

    return InformerForecaster(**PARAMS).fit(_data(), fh=FH)


# parameters whose exact gradient is 0 (a bias that BatchNorm or the softmax cancels):
# their float-rounding gradients, ~1e-9, are all Adam sees, and it scales them up to
# steps of about learning_rate / 10, so no two summation orders train them alike; the
# distilling BatchNorm's running mean follows the conv bias
ZERO_GRADIENT = ("key_projection.bias", "encoder.layers.0.norm2.bias",
                 "distil_layers.0.conv.bias", "distil_layers.0.norm.running_mean")  # fmt: skip


def test_two_ranks_fit_what_one_process_fits_with_the_same_global_batch(ranks, single):
    expected = single.network_.state_dict()
    for result in ranks:
        assert result["best_epoch"] == single.best_epoch_
        assert len(result["history"]) == len(single.history_) == PARAMS["train_epochs"]
        for theirs, ours in zip(result["history"], single.history_):
            # training normalises with the batch's statistics: the noise above is invisible
            assert theirs["train_loss"] == pytest.approx(ours["train_loss"], rel=1e-5)
            assert theirs["val_loss"] == pytest.approx(ours["val_loss"], rel=2e-3)
        assert result["state"].keys() == expected.keys()
        for name, tensor in expected.items():
            if not name.endswith(ZERO_GRADIENT):
                torch.testing.assert_close(result["state"][name], tensor, rtol=1e-4, atol=1e-5,
                                           msg=name)  # fmt: skip
        pd.testing.assert_frame_equal(result["predict"], single.predict(), rtol=1e-3)
    # the distilling layer's BatchNorm trained on the whole batch's statistics
    assert int(expected["encoder.distil_layers.0.norm.num_batches_tracked"]) > 0


def test_activation_checkpointing_under_ddp_fits_what_the_plain_ddp_fit_does(ranks):
    for result in ranks:
        plain = [r["train_loss"] for r in result["history"]]
        assert result["recomputed_history"] == pytest.approx(plain, rel=1e-6)
        pd.testing.assert_frame_equal(result["recomputed_predict"], result["predict"], rtol=1e-5)


def test_two_ranks_pretrain_what_one_process_pretrains(ranks):
    from informer_sk import InformerForecaster

    single = InformerForecaster(**PRETRAIN).pretrain(_data(), fh=FH)
    expected = single.pretrained_network_.state_dict()
    for result in ranks:
        assert result["pretrained_losses"] == pytest.approx(
            [r["train_loss"] for r in single.pretrained_history_], rel=1e-5
        )
        for name, tensor in expected.items():
            if not name.endswith(ZERO_GRADIENT):
                torch.testing.assert_close(result["pretrained_state"][name], tensor, rtol=1e-4,
                                           atol=1e-5, msg=name)  # fmt: skip


def test_every_rank_ends_with_the_same_weights_bit_for_bit(ranks):
    for key in ("state", "pretrained_state"):
        for name, tensor in ranks[0][key].items():
            assert torch.equal(ranks[1][key][name], tensor), name
    assert "SyncBatchNorm" not in repr(ranks[0]["state"].keys())  # plain BatchNorm state


def test_bad_data_on_one_rank_raises_on_every_rank(ranks):
    assert ranks[1]["bad_data"][0] == "ValueError"  # its own check's error
    kind, message = ranks[0]["bad_data"]
    assert kind == "DistributedTrainingError"
    assert message.startswith("rank 1 failed before training with ValueError")


def test_ranks_holding_different_data_refuse_to_train(ranks):
    for result in ranks:
        kind, message = result["other_data"]
        assert kind == "DistributedTrainingError"
        assert "rank 1's checksum" in message and "Pass the same y, X, fh" in message


def test_an_error_in_one_ranks_step_stops_every_rank_and_keeps_the_fitted_state(ranks):
    assert ranks[1]["step"] == ("RuntimeError", "injected failure")
    kind, message = ranks[0]["step"]
    assert kind == "DistributedTrainingError"
    assert message.startswith("rank 1 failed in step 3 of epoch 1 with RuntimeError: injected failure")
    for result in ranks:  # the refit failed: the first fit is still there, untouched
        pd.testing.assert_frame_equal(result["predict_after_failure"], result["predict"])


if __name__ == "__main__":  # run by torchrun, one process per rank
    torch.set_num_threads(1)
    _worker(sys.argv[1])
