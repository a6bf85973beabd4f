"""Rewrite the README's quote of the main job's output from a fresh run of it.

::

    python tools/update_readme.py                     # the README's command, ~5 min
    python tools/update_readme.py --readme COPY.md --train_epochs 1 --d_model 16

runs ``python -m informer_sk`` with the flags given (none: the README's own command)
in a temporary directory, on this checkout's package, shows its output as it comes,
and replaces the text between the README's markers ``<!-- main-job-output:start ...
-->`` and ``<!-- main-job-output:end -->`` with the command, its wall time, a
description of the machine and the output. A failed run leaves the README as it was.
Paths among the flags (``--data``, ``--output``) must be absolute, as the job runs
elsewhere. ``tests/test_readme.py`` fails when the quote no longer matches the job's
current settings.
"""

import argparse
import importlib.metadata
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the marker lines and what lies between them
BLOCK = re.compile(
    r"(?P<start>^<!-- main-job-output:start[^\n]*-->\n)(?P<body>.*?)"
    r"(?P<end>^<!-- main-job-output:end -->$)",
    re.DOTALL | re.MULTILINE,
)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Other flags go to python -m informer_sk.",
        allow_abbrev=False,  # a prefix of a main-job flag must reach the main job
    )
    parser.add_argument(
        "--readme",
        type=Path,
        default=ROOT / "README.md",
        help="the file to rewrite (default: this checkout's README.md)",
    )
    args, flags = parser.parse_known_args(argv)
    text = args.readme.read_text()
    if len(BLOCK.findall(text)) != 1:
        parser.error(
            f"{args.readme} needs exactly one pair of lines '<!-- main-job-output:start -->' "
            "... '<!-- main-job-output:end -->' around the quoted output"
        )
    command = " ".join(["python -m informer_sk", *map(shlex.quote, flags)])
    machine = describe_machine()  # the load before the job adds to it
    print(f"Running {command} on {machine}", flush=True)
    start = time.perf_counter()
    returncode, output = run(flags)
    seconds = time.perf_counter() - start
    if returncode:
        print(f"{command} failed (exit status {returncode}): {args.readme} unchanged")
        return returncode
    block = (
        f"`{command}` printed this in {format_duration(seconds)} of wall time, on {machine}:\n"
        f"\n```text\n{output.rstrip()}\n```\n"
    )
    text = BLOCK.sub(lambda m: m["start"] + block + m["end"], text)
    args.readme.write_text(text)
    print(f"Wrote the output of {command} ({format_duration(seconds)}) to {args.readme}")
    return 0


def run(flags):
    """Run the main job with ``flags``; its exit status and everything it printed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        # the forecast file lands in the temporary folder, under its default name
        with subprocess.Popen(
            [sys.executable, "-m", "informer_sk", *flags],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        ) as job:
            for line in job.stdout:
                print(line, end="", flush=True)
                lines.append(line)
    return job.returncode, "".join(lines)


def describe_machine():
    """The operating system, CPUs, load and versions, in one line."""
    cpus = os.cpu_count()
    description = f"{platform.system()} with {cpus} logical CPU{'s' * (cpus != 1)}"
    model = cpu_model()
    if model:
        description += f" ({model})"
    if hasattr(os, "getloadavg"):
        description += f", load average {os.getloadavg()[0]:.2f} at the start"
    return (
        f"{description}; Python {platform.python_version()}, "
        f"torch {importlib.metadata.version('torch')}"
    )


def cpu_model():
    """The CPU's model name where the system says it, else ''."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor()


def format_duration(seconds):
    """``seconds`` as "4 min 52 s", or "38 s" under a minute."""
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


if __name__ == "__main__":
    sys.exit(main())
