"""The fit loop: seeding, device, Adam, early stopping, learning-rate schedule; the losses.

Knows tensors and modules only; the estimator hands it windows and reads back the
loss history. The caller's global torch RNG state is never touched: every random
draw (initialisation, shuffling, dropout, ProbSparse key sampling) happens inside
:func:`seeded`, which forks the RNG. Likewise the caller's torch thread count:
:func:`torch_threads` sets it for a block and puts it back. Forward passes run under
:func:`autocast`: fp32 as they are, or bf16 autocast with fp32 losses and optimiser.
Given the :class:`~informer_sk.distributed.Ranks` of a torch.distributed run, the
epochs run data-parallel (see :func:`train_network`).
"""

__all__ = [
    "TrainingDiverged",
    "adam",
    "best_residual_periods",
    "compile_network",
    "fit_highway",
    "gaussian_nll",
    "loss_function",
    "pinball_loss",
    "train_network",
]

import contextlib
import copy
import functools
import logging
import math
import time
import warnings

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from informer_sk import distributed
from informer_sk.nn.informer import seasonal_baseline
from informer_sk.runtime import autocast, seeded

logger = logging.getLogger(__name__)

class TrainingDiverged(FloatingPointError):
    """The training loss, or the trained network's forecast, became NaN or infinite."""


def pinball_loss(out, target, quantiles):
    """Mean pinball (quantile) loss of ordered quantile forecasts.

    Parameters
    ----------
    out : torch.Tensor
        (..., Q) forecasts at the levels ``quantiles``.
    target : torch.Tensor
        (...) observed values.
    quantiles : sequence of float
        The Q levels, in (0, 1).

    Returns
    -------
    torch.Tensor
        Scalar: ``max(a * e, (a - 1) * e)``, ``e = target - forecast``, averaged over
        levels and elements; minimised by the true a-quantile.

    Examples
    --------
    >>> import torch
    >>> out = torch.tensor([[0.0, 1.0]])  # quantiles 0.1 and 0.9 of one value
    >>> round(float(pinball_loss(out, torch.tensor([2.0]), (0.1, 0.9))), 4)
    0.55
    """
    levels = torch.as_tensor(quantiles, dtype=out.dtype, device=out.device)  # (Q,)
    error = target.unsqueeze(-1) - out  # (..., Q)
    return torch.maximum(levels * error, (levels - 1) * error).mean()


def gaussian_nll(out, target):
    """Mean negative log-likelihood of ``target`` under Normals, in nats.

    Parameters
    ----------
    out : torch.Tensor
        (..., 2): mean, then a positive scale (standard deviation).
    target : torch.Tensor
        (...) observed values.

    Returns
    -------
    torch.Tensor
        Scalar ``log(scale) + (target - mean)**2 / (2 scale**2) + log(2 pi) / 2``,
        averaged over elements.

    Examples
    --------
    >>> import torch
    >>> round(float(gaussian_nll(torch.tensor([[0.0, 1.0]]), torch.tensor([0.0]))), 4)
    0.9189
    """
    mean, scale = out[..., 0], out[..., 1]
    z = (target - mean) / scale
    return (torch.log(scale) + 0.5 * z**2).mean() + 0.5 * math.log(2 * math.pi)


def loss_function(loss, levels):
    """The training loss for the head that the forecaster's ``loss`` parameter names."""
    if loss == "quantile":
        return functools.partial(pinball_loss, quantiles=levels)
    return gaussian_nll if loss == "normal" else torch.nn.functional.mse_loss


def _float64_device(device):
    """Where sums of many squares accumulate in float64: ``device``, or the CPU for MPS,
    which has no float64."""
    return torch.device("cpu") if device.type == "mps" else device


def best_residual_periods(windows, sp, batch_size=1024):
    """The number of seasons whose mean, alone, forecasts ``windows`` with the lowest MSE."""
    device = windows.series.values.device
    n_max = windows.seq_len // sp
    errors = torch.zeros(n_max, dtype=torch.float64, device=_float64_device(device))
    for idx in torch.arange(len(windows), device=device).split(batch_size):
        x_enc, _, _, _, target = windows.batch(idx)
        for k in range(1, n_max + 1):
            baseline = seasonal_baseline(x_enc, sp, k, target.shape[1], target.shape[2])
            errors[k - 1] += ((baseline - target) ** 2).sum().to(errors.device, torch.float64)
    return int(errors.argmin()) + 1


def fit_highway(network, windows, ridge=1e-3, batch_size=1024):
    """Set ``network.highway`` to the ridge least-squares linear forecast of ``windows``.

    The map is fitted where the network applies it: on each target column's input
    window after instance normalisation (with ``revin``), to the target on the same
    scale less the seasonal baseline (with ``residual_sp``). The network's other
    outputs start at zero, so the untrained network forecasts with this map alone.
    ``ridge`` is the penalty on the weights relative to the mean input energy (the
    bias is not penalised): instance normalisation makes the inputs of a window sum
    to zero, so the unpenalised problem has no unique solution.
    """
    config, k = network.config, network.config.c_out
    device = windows.series.values.device
    exact = _float64_device(device)
    n = config.seq_len + 1  # the weights and the bias
    gram = torch.zeros(n, n, dtype=torch.float64, device=exact)
    cross = torch.zeros(n, config.pred_len, dtype=torch.float64, device=exact)
    with torch.no_grad():
        for idx in torch.arange(len(windows), device=device).split(batch_size):
            x_enc, _, x_dec, _, target = windows.batch(idx)
            if network.instance_norm is not None:
                x_enc, _, (mean, std) = network.instance_norm.normalise(x_enc, x_dec)
                target = (target - mean[..., :k]) / std[..., :k]
            if config.residual_sp:
                target = target - seasonal_baseline(x_enc, config.residual_sp, config.residual_periods,
                                                    config.pred_len, k)  # fmt: skip
            inputs = x_enc[..., :k].transpose(1, 2).reshape(-1, config.seq_len).to(exact, torch.float64)
            inputs = torch.cat([inputs, torch.ones_like(inputs[:, :1])], dim=1)  # (B * k, n)
            gram += inputs.T @ inputs
            cross += inputs.T @ target.transpose(1, 2).reshape(-1, config.pred_len).to(exact, torch.float64)
        penalty = torch.zeros(n, dtype=torch.float64, device=exact)
        penalty[:-1] = ridge * gram.diagonal()[:-1].mean()
        solution = torch.linalg.solve(gram + torch.diag(penalty), cross).to(network.highway.weight.dtype)
        network.highway.weight.copy_(solution[:-1].T)
        network.highway.bias.copy_(solution[-1])


def _forward_loss(network, windows, idx, loss=F.mse_loss, ranks=None):
    """The batch's MSE; callers run it under :func:`autocast`, the loss stays float32.

    With ``ranks``, the ranks meet after gathering the batch, before DDP's forward pass
    communicates.
    """
    x_enc, mark_enc, x_dec, mark_dec, target = windows.batch(idx)
    if ranks is not None:
        ranks.check()
    out = network(x_enc, mark_enc, x_dec, mark_dec, series_id=windows.series_ids(idx))
    return loss(out.float(), target)  # out is bf16 under autocast


def _bar_losses(record):
    """An epoch's losses as the progress bar shows them."""
    losses = {"train_loss": f"{record['train_loss']:.4f}"}
    if record["val_loss"] is not None:
        losses["val_loss"] = f"{record['val_loss']:.4f}"
    return losses


@torch.no_grad()
def _evaluate(network, windows, batch_size, loss, precision="fp32", ranks=None):
    """Mean loss over ``windows``, in batches; one host sync at the end.

    With ``ranks``, each rank evaluates its share of the windows and the sum is
    all-reduced, so every rank gets the same loss.
    """
    network.eval()
    device = windows.series.values.device
    total = torch.zeros((), device=device)
    indices = torch.arange(len(windows), device=device)
    error = None
    try:
        for idx in (indices if ranks is None else ranks.shard(indices)).split(batch_size):
            with autocast(precision, device):
                total += _forward_loss(network, windows, idx, loss) * len(idx)
    except Exception as e:
        if ranks is None:
            raise
        error = e
    if ranks is not None:
        ranks.check(error, "in validation")
        ranks.all_sum(total)
    return total.item() / len(windows)


def compile_network(network, device):
    """``torch.compile`` of ``network`` as ``compile=True`` trains it: with CUDA graphs
    (mode "reduce-overhead") on CUDA, torch's default mode elsewhere."""
    return torch.compile(network, mode="reduce-overhead" if device.type == "cuda" else None)


def train_network(network, train_windows, val_windows=None, **settings):
    """Train ``network`` in place on ``train_windows``; return the loss history.

    With ``val_windows``, training stops after ``patience`` epochs without a lower
    validation loss and the weights of the best epoch are restored (the original's
    early stopping). ``lradj="type1"`` halves the learning rate after every epoch, as
    the original does by default; ``"constant"`` keeps it. ``gradient_clip``, if not
    None, caps the global norm of the gradients before every step. ``precision="bf16"``
    runs the forward passes under bf16 autocast (see :func:`autocast`).

    A KeyboardInterrupt (Ctrl-C) after the first validated epoch ends training like
    early stopping does: the best epoch's weights are restored, a warning says so, and
    the function returns. Without validation, or before any epoch was validated, the
    KeyboardInterrupt propagates and ``network`` is left half-trained: callers train a
    fresh network or a copy.

    Parameters
    ----------
    network : torch.nn.Module
    train_windows, val_windows : informer_sk.windows.Windows
    epochs, batch_size, learning_rate, patience, lradj, gradient_clip, precision, verbose
        Keyword-only; as the forecaster's parameters of the same names.
    inference_batch_size : int, optional
        Keyword-only; windows per forward pass of the validation; ``batch_size`` if None.
    compile : bool, default=False
        Keyword-only; train ``torch.compile(network)`` (CUDA graphs on a GPU), on whole
        batches only.
    loss : callable, default=torch.nn.functional.mse_loss
        Keyword-only; ``loss(network_output, target)`` gives the scalar to minimise,
        in training and validation: e.g. :func:`pinball_loss` or :func:`gaussian_nll`
        for the network's quantile or Normal head.
    activation_checkpointing : bool, default=False
        Keyword-only; set ``network.recompute`` while training: each encoder and
        decoder layer runs again in the backward pass instead of keeping its
        activations (less memory, more time; the same gradients).
    windows_per_epoch : int, optional
        Keyword-only; train each epoch on this many training windows, drawn without
        replacement (a new draw every epoch), instead of all of them. Validation
        always uses every validation window.
    validate_start : bool, default=False
        Keyword-only; with ``val_windows``, validate the starting weights as epoch 0,
        for a network that starts from a forecast of its own (a least-squares highway,
        a pretrained network): training then keeps them unless an epoch beats them on
        the validation windows, and the epochs that do not count towards ``patience``.
    ranks : informer_sk.distributed.Ranks, optional
        Keyword-only; train data-parallel with the other ranks of a torch.distributed
        run (see Notes).

    Returns
    -------
    history : list of dict
        One dict per epoch: ``epoch``, ``train_loss``, ``val_loss`` (None without
        validation), ``learning_rate``, ``seconds`` (the epoch's wall time).
    best_epoch : int
        The epoch whose weights the network holds on return; 0 when ``validate_start``
        kept the starting weights.

    Raises
    ------
    TrainingDiverged
        The training or validation loss became NaN or infinite.
    informer_sk.distributed.DistributedTrainingError
        With ``ranks``: another rank failed, or the ranks disagree.

    Notes
    -----
    The windows of an epoch are shuffled by a generator of their own, seeded from
    torch's RNG, so the order does not depend on the other random draws (dropout,
    key sampling) nor on the number of ranks. With ``ranks``, every rank (each holding
    all the windows, on its own device) draws that same order and takes its
    contiguous share of every batch: ``batch_size`` is the global batch, split over
    the ranks. Each rank scales its loss by its share of the batch, and DDP averages
    the gradients, so every step takes the gradient of the whole batch's mean loss, as
    one process would; the distilling layers' BatchNorm is synchronised
    (:class:`~informer_sk.distributed.SyncBatchNorm`) so it normalises with the whole
    batch's statistics. The training and validation losses are all-reduced, so every
    rank stops early at the same epoch, and rank 0's final weights are broadcast, so
    every rank returns the same network. An epoch's last batch must have a window for
    every rank: when fewer windows are left, they wait for the next epoch's shuffle.
    Each rank draws its own dropout masks and ProbSparse key samples (from the same
    seed plus its rank), so with dropout, or sequences long enough that ProbSparse
    samples keys, the result follows the same distribution as a single process's but
    is not the same numbers; without them it matches within float rounding.
    A KeyboardInterrupt in a distributed run propagates.
    """
    history, best = [], {}
    ranks = settings.pop("ranks", None)
    trained = network
    # the order of windows comes from a generator of its own: the same on every rank
    settings["shuffle_seed"] = int(torch.randint(2**62, (), device="cpu"))
    with contextlib.ExitStack() as stack:
        if ranks is not None:
            if settings.get("compile"):
                raise ValueError(
                    "compile=True is not supported in a torch.distributed fit; set "
                    "compile=False."
                )
            trained = distributed.synced_copy(network, ranks)
            # dropout masks and key samples: a stream per rank, or the ranks would draw
            # the same masks for different windows
            stack.enter_context(seeded(int(torch.randint(2**62, (), device="cpu")) + ranks.rank,
                                       train_windows.series.values.device))  # fmt: skip
        stack.callback(setattr, trained, "recompute", trained.recompute)
        trained.recompute = bool(settings.pop("activation_checkpointing", False))
        try:
            _train_epochs(trained, train_windows, val_windows, history, best, ranks=ranks, **settings)
        except KeyboardInterrupt:
            if "state" not in best or ranks is not None:
                raise
            warnings.warn(
                f"Training interrupted in epoch {len(history) + 1}; keeping the weights of "
                f"epoch {best['epoch']}, the best validation loss so far "
                f"({best['loss']:.5g}). Fit again to train the full train_epochs.",
                stacklevel=2,
            )
    if "state" in best or ranks is not None:
        network.load_state_dict(best["state"] if "state" in best else trained.state_dict())
    if ranks is not None:
        ranks.broadcast_state(network)
    if "state" in best:
        if best["epoch"] != len(history) and (ranks is None or ranks.rank == 0):
            kept = f"the weights of epoch {best['epoch']}" if best["epoch"] else "the starting weights (epoch 0)"
            message = (
                f"kept {kept}, the lowest validation loss "
                f"({best['loss']:.5g}); the last epoch trained was {len(history)}"
            )
            logger.info(message)
            if settings.get("verbose"):
                tqdm.write(message)
    network.eval()
    return history, best.get("epoch", len(history))


def adam(parameters, learning_rate, device):
    """The original's Adam, as one fused kernel where torch has it (CPU, CUDA).

    The same update as ``torch.optim.Adam``'s default per-tensor loop, which on the CPU
    takes 48 ms per step at the paper's size (11 M parameters) against 11 ms fused.
    """
    fused = True if torch.device(device).type in ("cpu", "cuda") else None  # None: torch's default
    return torch.optim.Adam(parameters, lr=learning_rate, fused=fused)


# steps between two checks of the running loss on the host: each check waits for the
# device to finish its queue, so checking every step would starve a GPU
CHECK_EVERY = 50


def _diverged(what, value, epoch, settings):
    return TrainingDiverged(
        f"Training diverged: the {what} became {value} in epoch {epoch}. Lower "
        f"learning_rate (now {settings['learning_rate']:g}), set gradient_clip (now "
        f"{settings['gradient_clip']}; e.g. 1.0), or keep scale=True so the network sees "
        "standardised data."
    )


def _train_epochs(
    network,
    train_windows,
    val_windows,
    history,
    best,
    *,
    epochs,
    batch_size,
    learning_rate,
    patience,
    shuffle_seed,
    lradj="type1",
    gradient_clip=None,
    precision="fp32",
    verbose=False,
    loss=F.mse_loss,
    inference_batch_size=None,
    compile=False,
    windows_per_epoch=None,
    validate_start=False,
    ranks=None,
):
    """The epochs of :func:`train_network`; appends to ``history``, fills ``best``.

    ``best`` holds the best validated epoch so far (``epoch``, ``loss``, ``state``),
    so an interrupted run can still return it. The running loss stays on the device
    and is read every :data:`CHECK_EVERY` steps and at the end of each epoch.
    """
    settings = {"learning_rate": learning_rate, "gradient_clip": gradient_clip}
    n = len(train_windows) if windows_per_epoch is None else min(windows_per_epoch, len(train_windows))
    device = train_windows.series.values.device
    shuffle = torch.Generator().manual_seed(shuffle_seed)
    main = ranks is None or ranks.rank == 0  # the rank that shows the progress and logs
    model = network
    if compile:
        # CUDA graphs replay one shape: every step takes a whole batch (the rest of an
        # epoch's shuffled order waits for the next epoch)
        model = compile_network(network, device)
        n = n - n % batch_size if n >= batch_size else n
    if ranks is not None:
        if 0 < n % batch_size < ranks.world_size:  # a rank would get an empty batch
            n -= n % batch_size
        if n == 0:
            raise ValueError(
                f"{len(train_windows)} training windows cannot be shared out over "
                f"{ranks.world_size} processes; run fewer processes, or give each "
                "series more points."
            )
        model = ranks.wrap(network)
    optimizer = adam(network.parameters(), learning_rate, device)
    validation_loss = functools.partial(_evaluate, model if ranks is None else network, val_windows,
                                        inference_batch_size or batch_size, loss, precision, ranks)  # fmt: skip
    if validate_start and val_windows is not None:
        # ProbSparse samples keys in validation too: a forked RNG leaves training's draws
        # as they would be without this pass
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            start_loss = validation_loss()
        if math.isfinite(start_loss):  # else the first finite epoch replaces it
            best.update(epoch=0, loss=start_loss, state=copy.deepcopy(network.state_dict()))
        if main:
            logger.info("epoch 0 (the starting weights): validation loss %.5f", start_loss)
    stale, started = 0, time.perf_counter()
    for epoch in range(1, epochs + 1):
        epoch_started = time.perf_counter()
        lr = learning_rate * (0.5 ** (epoch - 1) if lradj == "type1" else 1.0)
        for group in optimizer.param_groups:
            group["lr"] = lr
        network.train()
        # int32 halves the order's memory (14 M windows: 54 MiB, not 107) for the same permutation
        index_dtype = torch.int32 if len(train_windows) < 2**31 else torch.int64
        order = torch.randperm(len(train_windows), generator=shuffle, device="cpu", dtype=index_dtype)
        order = order[:n].to(device)
        batches = order.split(batch_size)
        # one bar per epoch, kept on screen, ending with the epoch's losses and time
        bar = tqdm(total=len(batches), desc=f"epoch {epoch}/{epochs}", disable=not (verbose and main))
        total = torch.zeros((), device=device)
        for step, idx in enumerate(batches, start=1):
            local, error = idx if ranks is None else ranks.shard(idx), None
            try:
                with autocast(precision, device):  # backward runs outside, as torch advises
                    batch_loss = _forward_loss(model, train_windows, local, loss, ranks)
            except distributed.DistributedTrainingError:
                raise  # another rank's, already known to every rank
            except Exception as e:
                if ranks is None:
                    raise
                error = e
            optimizer.zero_grad(set_to_none=True)
            if ranks is None:
                batch_loss.backward()
            else:
                # a rank that failed in this step meets the others at their next meeting
                ranks.check(error, f"in step {step} of epoch {epoch}")
                # DDP averages over the ranks: weighted by its share, each rank's mean
                # loss gives the gradient of the whole batch's mean loss
                (batch_loss * (len(local) * ranks.world_size / len(idx))).backward()
            if gradient_clip is not None:
                torch.nn.utils.clip_grad_norm_(network.parameters(), gradient_clip)
            optimizer.step()
            total += batch_loss.detach() * len(local)
            if step % CHECK_EVERY == 0 or step == len(batches):
                summed = total if ranks is None else ranks.all_sum(total.clone())
                running = summed.item() / min(step * batch_size, n)  # the host waits here
                if not math.isfinite(running):
                    raise _diverged("training loss", running, epoch, settings)
                bar.set_postfix(train_loss=f"{running:.4f}", refresh=False)
            bar.update()
        record = {"epoch": epoch, "train_loss": running, "val_loss": None, "learning_rate": lr}
        if val_windows is not None:
            record["val_loss"] = validation_loss()
            if not math.isfinite(record["val_loss"]):
                raise _diverged("validation loss", record["val_loss"], epoch, settings)
        record["seconds"] = time.perf_counter() - epoch_started
        history.append(record)
        elapsed = time.perf_counter() - started
        left = elapsed / epoch * (epochs - epoch)  # at most: early stopping may end sooner
        bar.set_postfix({**_bar_losses(record), "s": f"{record['seconds']:.1f}", "left": f"<{left:.0f}s"})
        bar.close()
        if main:
            logger.info(
                "epoch %d/%d: train loss %.5f, validation loss %s, %.1f s (at most %.0f s left)",
                epoch,
                epochs,
                record["train_loss"],
                "-" if record["val_loss"] is None else f"{record['val_loss']:.5f}",
                record["seconds"],
                left,
            )
        if val_windows is None:
            continue
        if record["val_loss"] < best.get("loss", math.inf):
            state = copy.deepcopy(network.state_dict())
            best.update(epoch=epoch, loss=record["val_loss"], state=state)
            stale = 0
        else:
            stale += 1
            if stale >= patience:
                if main:
                    logger.info("early stopping after epoch %d", epoch)
                break
