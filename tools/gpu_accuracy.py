"""ETTh2 accuracy runs on a CUDA machine: one process per (rule, task, horizon, seed).

Each process runs ``python -m informer_sk.benchmarks.accuracy`` for one seed
(``--first-seed K --seeds 1``) with the Informer on ``device="cuda"`` (``--device``), at most
``--jobs`` at a time, longest horizons first; each writes its markdown table to
``$OUT/accuracy/<rule>_<task>_<horizon>_<seed>.md``. ``--summarise DIR`` prints the
mean and spread over seeds of every rule, task and horizon found in DIR.

    OMP_NUM_THREADS=1 python tools/gpu_accuracy.py --jobs 16   # on the GPU machine
    python tools/gpu_accuracy.py --summarise gpu-out/accuracy

``--device cpu --jobs 2`` runs the same on a CPU, one thread a process; ``--tasks``,
``--horizons`` and ``--first-seed`` pick a part of the protocol.

The GPU machine needs this repository importable and sktime installed; on one without
network, install the wheels of ``tools/gpu_check.sh --fetch`` into a folder and put it
and the repository on ``PYTHONPATH``, as ``tools/gpu_check.sh`` does. Each rule's
settings are in ``RULES`` below.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REVIN = "revin=True"
RESIDUAL = 'revin=True,residual_sp=24,residual_periods="auto",learning_rate=1e-4'
HIGHWAY = "revin=True,highway=True"
HIGHWAY_FAST = "revin=True,highway=True,learning_rate=3e-3"
LSTSQ = 'revin=True,highway="least_squares"'
LSTSQ_FAST = 'revin=True,highway="least_squares",learning_rate=3e-3'

# rule name: (extra benchmark arguments, Informer settings)
RULES = {
    "recipe": (["--combine", "weighted"], [REVIN, RESIDUAL]),
    "recipe-highway": (["--combine", "weighted"], [REVIN, RESIDUAL, HIGHWAY, HIGHWAY_FAST]),
    "recipe-highway-seq336": (["--combine", "weighted", "--seq-len", "336"], [REVIN, RESIDUAL, HIGHWAY, HIGHWAY_FAST]),
    "recipe-lstsq-seq336": (["--combine", "weighted", "--seq-len", "336"], [REVIN, RESIDUAL, LSTSQ, LSTSQ_FAST]),
    "highway": ([], [HIGHWAY]),
    "highway-lr3e-3": ([], [HIGHWAY_FAST]),
    "highway-lr3e-3-seq336": (["--seq-len", "336"], [HIGHWAY_FAST]),
}
HORIZONS = (720, 336, 168, 48, 24)


def command(rule, task, horizon, seed, data, device):
    extra, settings = RULES[rule]
    informer = [arg for s in settings for arg in ("--informer", f'device="{device}",{s}')]
    return [
        sys.executable, "-m", "informer_sk.benchmarks.accuracy", data, "--size", "small",
        "--tasks", task, "--horizons", str(horizon), "--seeds", "1", "--first-seed", str(seed),
        "--models", "informer-prob", *extra, *informer,
    ]  # fmt: skip


def run(args):
    out = Path(os.environ.get("OUT", "gpu-out")) / "accuracy"
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        (rule, task, h, seed)
        for h in sorted(args.horizons, reverse=True) for rule in args.rules for task in args.tasks
        for seed in range(args.first_seed, args.first_seed + args.seeds)
    ]  # fmt: skip
    deadline = time.monotonic() + args.budget

    def one(job):
        name = "_".join(map(str, job))
        left = deadline - time.monotonic()
        if left < 30:
            return f"{name}: skipped, no time left"
        t = time.monotonic()
        with open(out / f"{name}.md", "w") as f:
            try:
                rc = subprocess.run(command(*job, args.data, args.device), stdout=f, stderr=subprocess.STDOUT,
                                    timeout=left).returncode  # fmt: skip
            except subprocess.TimeoutExpired:
                rc = "timeout"
        return f"{name}: rc {rc}, {time.monotonic() - t:.0f} s"

    with ThreadPoolExecutor(args.jobs) as pool:
        for line in pool.map(one, jobs):
            print(line, flush=True)


def summarise(folder):
    scores = {}
    for path in sorted(Path(folder).glob("*.md")):
        rule, task, horizon, seed = path.stem.rsplit("_", 3)
        for line in path.read_text().splitlines():
            m = re.match(rf"\| {task} \| {horizon} \| informer-prob[^|]* \| ([0-9.]+) \| ([0-9.]+) \|", line)
            if m:
                scores.setdefault((rule, task, int(horizon)), []).append(float(m.group(1)))
    print("| rule | task | horizon | MSE mean | seed sd | seeds |")
    print("|---|---|---|---|---|---|")
    for (rule, task, horizon), mse in sorted(scores.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        sd = statistics.stdev(mse) if len(mse) > 1 else float("nan")
        print(f"| {rule} | {task} | {horizon} | {statistics.mean(mse):.4f} | {sd:.4f} | {len(mse)} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="informer_sk/data/ETTh2.csv")
    parser.add_argument("--rules", nargs="+", default=list(RULES), choices=list(RULES))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds run from here")
    parser.add_argument("--tasks", nargs="+", default=["S", "M"], choices=["S", "M"])
    parser.add_argument("--horizons", nargs="+", type=int, default=list(HORIZONS))
    parser.add_argument("--jobs", type=int, default=16, help="processes at a time")
    parser.add_argument("--budget", type=float, default=480, help="seconds; later jobs are skipped")
    parser.add_argument("--summarise", metavar="DIR", help="print the seed means of a finished run")
    args = parser.parse_args()
    if args.summarise:
        summarise(args.summarise)
    else:
        run(args)


if __name__ == "__main__":
    main()
