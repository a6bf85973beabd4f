"""Where and how the arithmetic runs: device, precision, threads, seeding, determinism.

Each setting is a context manager that sets torch's process-wide state for one block
and puts the caller's back afterwards, so a forecaster never leaves torch changed:
:func:`seeded` (the RNG of the CPU and of every CUDA and MPS device),
:func:`torch_threads`, :func:`precision` (fp32, TF32 matrix products on CUDA, or
bf16 autocast) and :func:`deterministic`. :func:`restored_on_error` puts an
estimator's own state back when a call fails.
"""

__all__ = [
    "PRECISIONS",
    "autocast",
    "available",
    "check_device",
    "check_precision",
    "cpu_bf16_support",
    "deterministic",
    "resolve_device",
    "restored_on_error",
    "seeded",
    "torch_threads",
]

import contextlib
import os
import warnings

import torch

PRECISIONS = ("fp32", "tf32", "bf16")
# the CPU flags of native bf16 matrix products: x86 AVX-512 BF16 and AMX, ARM's BF16
_CPU_BF16_FLAGS = {"avx512_bf16", "amx_bf16", "bf16"}


def resolve_device(device):
    """``"auto"`` picks CUDA, then Apple's MPS, then the CPU."""
    if device != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


@contextlib.contextmanager
def seeded(seed, device=None):
    """Run a block with torch's RNG seeded, restoring the caller's RNG state after.

    ``torch.manual_seed`` seeds the CPU and every CUDA device (and MPS): the state of
    each is saved and put back, so the caller's RNG is untouched whichever device the
    block used.
    """
    cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    mps = getattr(torch, "mps", None)
    mps_state = mps.get_rng_state() if _mps_available() else None
    try:
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            yield
    finally:
        if mps_state is not None:
            mps.set_rng_state(mps_state)


def _mps_available():
    mps = getattr(torch.backends, "mps", None)
    return mps is not None and mps.is_available()


@contextlib.contextmanager
def torch_threads(n_threads):
    """Run a block with ``n_threads`` intra-op torch threads, then restore the caller's.

    ``None`` leaves the thread count alone. The count is process-wide: run parallel
    workers in processes (loky, dask), not threads, when each sets its own.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def cpu_bf16_support(cpuinfo="/proc/cpuinfo"):
    """The flags of native bf16 arithmetic this CPU reports, sorted; empty if none.

    Reads ``/proc/cpuinfo`` (Linux): ``avx512_bf16`` and ``amx_bf16`` on x86, ``bf16``
    on ARM. Elsewhere the file is missing and nothing is claimed.
    """
    try:
        with open(cpuinfo) as f:
            lines = [line for line in f if line.startswith(("flags", "Features"))]
    except OSError:
        return []
    flags = set(lines[0].split(":", 1)[1].split()) if lines else set()
    return sorted(_CPU_BF16_FLAGS & flags)


def check_precision(precision, device):
    """Raise a ValueError unless ``precision`` can run on ``device``."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r} is not one of {PRECISIONS}.")
    if precision == "tf32" and device.type != "cuda":
        raise ValueError(
            f"precision='tf32' is a mode of CUDA GPUs' matrix products, not of device "
            f"{str(device)!r}; pass precision='fp32' (or 'bf16' on a CPU with native bf16)."
        )
    if precision == "bf16" and device.type not in ("cpu", "cuda"):
        raise ValueError(
            f"precision='bf16' runs on the CPU and on CUDA, not on device {str(device)!r}; "
            "pass precision='fp32', or device='cpu' to use bf16 on the CPU."
        )


_warned_slow_bf16 = set()  # device types already warned about, once per process


def _warn_if_slow_bf16(device):
    """Warn, once per device type, where bf16 works but is emulated, hence slow."""
    if device.type in _warned_slow_bf16:
        return
    if device.type == "cpu" and not cpu_bf16_support():
        reason = (
            "this CPU reports neither AVX-512 BF16 nor AMX (nor ARM BF16), so bf16 matrix "
            "products are emulated"
        )
    elif device.type == "cuda" and not torch.cuda.is_bf16_supported(including_emulation=False):
        reason = f"{torch.cuda.get_device_name(device)} emulates bf16"
    else:
        return
    _warned_slow_bf16.add(device.type)
    warnings.warn(
        f"precision='bf16': {reason}; it works, but is likely "
        "slower than precision='fp32'.",
        stacklevel=3,
    )


@contextlib.contextmanager
def autocast(precision, device):
    """The arithmetic of a forward pass: fp32, TF32 matrix products, or bf16 autocast.

    "fp32" changes nothing. "tf32" (CUDA only) lets float32 matrix products run on
    the tensor cores' TF32 format, 10 bits of mantissa, for the block; the caller's
    setting is restored after. Under "bf16", matrix products run in bfloat16 and the
    rest as torch's autocast decides; callers cast the network's output back to
    float32, so losses, gradients of the (float32) weights and the optimiser stay in
    float32.
    """
    if precision == "fp32":
        yield
        return
    check_precision(precision, device)
    if precision == "tf32":
        matmul = torch.backends.cuda.matmul
        previous, matmul.fp32_precision = matmul.fp32_precision, "tf32"
        try:
            yield
        finally:
            matmul.fp32_precision = previous
        return
    _warn_if_slow_bf16(device)
    with torch.autocast(device.type, dtype=torch.bfloat16):
        yield


@contextlib.contextmanager
def deterministic(enabled):
    """Run a block with torch's deterministic algorithms, if ``enabled``.

    On CUDA this also needs cuBLAS's fixed workspace (``CUBLAS_WORKSPACE_CONFIG``),
    which cuBLAS reads when a process first uses it: the variable is set here if the
    caller has not set it, which takes effect in a process whose first CUDA matrix
    product runs inside this block. Deterministic kernels are slower (some scatter and
    index operations run serially); CPU results are deterministic without it.
    """
    if not enabled:
        yield
        return
    previous = torch.are_deterministic_algorithms_enabled()
    previous_cudnn = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # stays: cuBLAS reads it once
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = previous_cudnn


def check_device(device):
    """Raise a ValueError unless torch can run a forecaster on ``device`` here.

    "auto", "cpu", and "cuda" / "mps" (with an index or not) where this machine has
    them. A string torch parses but cannot compute on (e.g. "meta", "hpu") is refused
    here rather than deep inside torch.
    """
    if device == "auto":
        return
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(
            f"device={device!r} is not a torch device; pass 'auto', 'cpu', 'cuda' or 'mps'."
        ) from None
    here = _devices_here()
    if parsed.type not in ("cpu", "cuda", "mps"):
        raise ValueError(
            f"device={device!r} is a torch device type this package does not run on; pass "
            f"'auto' or one of this machine's devices: {here}."
        )
    if available(parsed) != parsed:
        raise ValueError(
            f"device={device!r} is not available on this machine; pass device='auto' to "
            f"use the best device present, or one of {here}."
        )
    if parsed.type == "cuda" and parsed.index is not None and parsed.index >= torch.cuda.device_count():
        raise ValueError(
            f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA "
            f"device(s); pass one of {here}."
        )


def available(device):
    """``device`` if this machine has it, else the CPU (how a pickle is loaded)."""
    if device.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    if device.type == "mps" and not _mps_available():
        return torch.device("cpu")
    return device


def _devices_here():
    cuda = ["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    return ["cpu", *cuda, *(["mps"] if _mps_available() else [])]


@contextlib.contextmanager
def restored_on_error(forecaster):
    """Put back every attribute of an estimator if the block raises, Ctrl-C included.

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
