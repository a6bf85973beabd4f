"""The README against the code: its quote of the main job, its flag table, its generator.

The quote of the main job's output is written by ``tools/update_readme.py``. Running
the job takes minutes, so the quote is checked through its first lines, which state
every setting of the run: rendered from the current defaults without training, they
must appear in it verbatim. A change of a default, of the model or of the split makes
the quote stale, and this test says so.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from informer_sk import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
GENERATOR = ROOT / "tools" / "update_readme.py"
QUOTE = re.compile(
    r"^<!-- main-job-output:start[^\n]*-->\n(.*?)^<!-- main-job-output:end -->$",
    re.DOTALL | re.MULTILINE,
)
STALE = "the README's quote of the main job is stale: run python tools/update_readme.py"


def _quote(text):
    quotes = QUOTE.findall(text)
    assert len(quotes) == 1, "the README needs one pair of main-job-output markers"
    return quotes[0]


def _header(argv):
    """The first lines the main job prints with ``argv``, rendered without training."""
    args = cli.build_parser().parse_args(argv)
    job = cli._prepare(args)
    model = cli.build_model(args, job.validation_size, cli.seasonal_period(job.y.index.freq))
    return "\n".join(cli._header(args, job, model))


def test_readme_quotes_the_current_main_job():
    quote = _quote(README.read_text())
    assert quote.startswith("`python -m informer_sk` printed this in "), STALE
    assert "```text\n" + _header([]) + "\n" in quote, STALE


def test_the_header_holds_the_settings_of_the_run():
    # a default that shapes the figures, changed, changes the lines checked above
    header = _header([])
    for argv in (["--d_model", "32"], ["--train_epochs", "7"], ["--test_size", "0.3"],
                 ["--threads", "2"], ["--model", "informer"], ["--channel_independent"]):  # fmt: skip
        assert _header(argv) != header, argv


def _table():
    """The README's flag table: {flag: (its first cell, its default cell)}."""
    rows = {}
    for line in README.read_text().splitlines():
        if line.startswith("| `--"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            invocation = cells[0].strip("`")
            flag = invocation.split()[0]
            assert flag not in rows, f"{flag} has two rows"
            rows[flag] = (invocation, cells[1])
    return rows


def _invocation(action):
    """A flag as ``--help`` shows it: its name and what it takes."""
    flag = action.option_strings[0]
    if action.nargs == 0:
        return flag
    if action.choices:
        takes = f"{{{','.join(action.choices)}}}"
    else:
        takes = action.metavar or action.dest.upper()
    return f"{flag} [{takes}]" if action.nargs == "?" else f"{flag} {takes}"


def _actions():
    return [a for a in cli.build_parser()._actions if a.option_strings[0] != "-h"]


def test_the_flag_table_lists_every_flag_once_as_help_does():
    table = _table()
    assert sorted(table) == sorted(a.option_strings[0] for a in _actions())
    for action in _actions():
        assert table[action.option_strings[0]][0] == _invocation(action)


def test_the_flag_table_states_the_defaults():
    table = _table()
    for action in _actions():
        flag = action.option_strings[0]
        default = table[flag][1]
        if action.nargs == 0 or action.default is False:
            expected = "off" if action.default is False else ""
            assert default == expected, flag
        elif action.default is None:
            # a default decided at run time, in words; never a value the flag could take
            assert default and not re.fullmatch(r"`[^`]*`", default), flag
        else:
            assert default == f"`{action.default}`", flag
    assert f"`{cli.DEFAULT_TEST_SIZE}`" in table["--test_size"][1]


def test_the_generator_quotes_a_run_with_the_flags_it_is_given(tmp_path):
    data = tmp_path / "hourly.csv"
    hours = [f"2024-01-{1 + i // 24:02d} {i % 24:02d}:00,{(i * 7) % 24 + 0.5}" for i in range(200)]
    data.write_text("\n".join(["date,load", *hours]) + "\n")
    flags = [
        "--data", str(data), "--seq_len", "24", "--label_len", "12", "--pred_len", "6",
        "--d_model", "16", "--n_heads", "2", "--d_ff", "32", "--train_epochs", "1",
    ]  # fmt: skip
    readme = tmp_path / "README.md"
    text = README.read_text()
    readme.write_text(text)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--readme", str(readme), *flags],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    written = readme.read_text()
    quote = _quote(written)
    assert quote.startswith(f"`python -m informer_sk {' '.join(flags)}` printed this in ")
    assert " of wall time, on " in quote.splitlines()[0]
    assert "```text\n" + _header(flags) + "\n" in quote
    assert "Best" in quote and "written to informer_forecast.csv" in quote
    # the rest of the README is as it was
    assert QUOTE.sub("", written) == QUOTE.sub("", text)
    assert not (tmp_path / "informer_forecast.csv").exists()


def test_the_generator_leaves_the_readme_when_the_job_fails(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text())
    before = readme.stat().st_mtime_ns
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--readme", str(readme), "--data", str(tmp_path / "a")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "unchanged" in result.stdout
    assert readme.stat().st_mtime_ns == before


@pytest.mark.parametrize("markers", [0, 2])
def test_the_generator_needs_one_pair_of_markers(tmp_path, markers):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# x\n" + markers * "<!-- main-job-output:start -->\nold\n<!-- main-job-output:end -->\n"
    )
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--readme", str(readme)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "needs exactly one pair" in result.stderr
