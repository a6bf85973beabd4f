#!/usr/bin/env bash
# The GPU checks in one run, for a CUDA machine that has Python and PyTorch but no
# network: the tests that run on CUDA when it is there, then the speed program's GPU
# tables (python -m informer_sk.benchmarks.speed --device cuda).
#
#   tools/gpu_check.sh --fetch   # beforehand, where PyPI is reachable: wheels into .whl/
#   tools/gpu_check.sh           # on the GPU machine, from the repository's root
#
# --fetch downloads the dependencies a PyTorch image usually lacks (sktime and what it
# needs, and the pandas and scikit-learn this package asks for) as wheels for the GPU
# machine's Python (GPU_PYTHON, default 3.12; x86-64 Linux). The run installs them
# into a temporary folder with no network, and writes its output to $OUT (default
# ./gpu-out): the tests' log and the speed tables as markdown. Each step has a time
# limit, so the whole run stays within about 9 minutes.
set -uo pipefail
cd "$(dirname "$0")/.."

WHEELS=(sktime==1.2.0 scikit-base==1.1.1 skpro==2.15.1 pandas==3.0.6 scikit-learn==1.9.1)

if [[ "${1:-}" == "--fetch" ]]; then
    rm -rf .whl && mkdir .whl
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d .whl \
        --python-version "${GPU_PYTHON:-3.12}" --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 "${WHEELS[@]}"
    ls -l .whl
    exit
fi

OUT="${OUT:-gpu-out}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
site="$(mktemp -d)"
python3 -m pip install --quiet --no-index --no-deps --no-compile --target "$site" .whl/*.whl || exit
export PYTHONPATH="$site:$PWD"
python3 - <<'EOF' | tee "$OUT/environment.txt"
import pandas, sktime, torch
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, pandas {pandas.__version__}, sktime {sktime.__version__}")
print(torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA device")
EOF

# the device tests (every public path on CUDA), the persistence test of a CUDA fit, the
# speed program's own tests
timeout 120 python3 -m pytest -q -p no:cacheprovider -o addopts="" -n 4 \
    tests/test_device.py tests/test_persistence.py tests/test_speed.py \
    2>&1 | tee "$OUT/tests.txt"

# batch 32 and 256; fp32, tf32 and bf16; eager, then compiled
timeout 300 python3 -m informer_sk.benchmarks.speed --device cuda --quick 2>&1 | tee "$OUT/speed_cuda.md"
