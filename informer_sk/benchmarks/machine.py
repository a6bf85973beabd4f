"""What the benchmarks print about the machine they ran on, beside their figures."""

__all__ = ["cpu_model", "load_average"]

import os
import platform


def cpu_model():
    """The CPU's model name from ``/proc/cpuinfo``, else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def load_average():
    """The 1, 5 and 15-minute load averages, as printed: other work skews timings."""
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
