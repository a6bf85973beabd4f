"""The documentation: its examples run, the site builds with -W, its figures are ours.

Every ``>>>`` example of every page in ``docs/`` runs here as a doctest, one page per
test (the examples of a page share one namespace, top to bottom). The Sphinx build
runs when Sphinx and the ``docs`` extra are installed.
"""

import ast
import doctest
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FIGURES = DOCS / "_static" / "figures"
PAGES = sorted(p.name for p in DOCS.glob("*.rst"))
# the pages of the other issues' authors, in Markdown
MARKDOWN_PAGES = sorted(p.name for p in DOCS.glob("*.md"))
PAGES_WITHOUT_EXAMPLES = {"api.rst"}
# packages of the docs extra that a page's examples import
PAGE_NEEDS = {
    "quickstart.rst": ["matplotlib", "seaborn"],
    "how_informer_works.rst": ["matplotlib"],
    "user_guide.rst": ["matplotlib"],
    "sktime_integration.rst": ["statsmodels", "matplotlib", "seaborn"],
}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _env():
    """The environment for a child Python: this checkout importable, one torch thread."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}


@pytest.mark.parametrize("page", PAGES)
def test_the_examples_of_every_page_run(page, tmp_path, monkeypatch, capsys):
    for module in PAGE_NEEDS.get(page, []):
        pytest.importorskip(module, reason=f"{page} needs the docs extra")
    if "matplotlib" in PAGE_NEEDS.get(page, []):
        import matplotlib

        matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    try:
        result = doctest.testfile(
            str(DOCS / page), module_relative=False, optionflags=FLAGS, globs={}
        )
    finally:
        if "matplotlib" in sys.modules:
            import matplotlib.pyplot as plt

            plt.close("all")
    report = capsys.readouterr().out
    assert result.failed == 0, f"{result.failed} of {result.attempted} failed:\n{report}"
    if page not in PAGES_WITHOUT_EXAMPLES:
        assert result.attempted > 0, f"{page} has no runnable example"


def test_the_index_lists_every_page():
    index = (DOCS / "index.rst").read_text()
    listed = set(re.findall(r"^   (\w+)$", index, flags=re.MULTILINE))
    pages = {Path(p).stem for p in PAGES + MARKDOWN_PAGES} - {"index"}
    assert listed == pages


def test_the_reliability_and_benchmark_pages_exist():
    assert {"reliability.md", "benchmarks.md"} <= set(MARKDOWN_PAGES)


def _make_figures_settings():
    """make_figures.SETTINGS, read without importing the script (and matplotlib)."""
    tree = ast.parse((DOCS / "make_figures.py").read_text())
    names = {"TEST_START", "TEST_END", "SETTINGS"}
    assignments = [
        node for node in tree.body
        if isinstance(node, ast.Assign)
        and {getattr(t, "id", None) for t in ast.walk(node.targets[0])} & names
    ]  # fmt: skip
    namespace = {}
    exec(compile(ast.Module(body=assignments, type_ignores=[]), "make_figures.py", "exec"), namespace)
    return namespace["SETTINGS"]


def _png_source(path):
    from PIL import Image

    with Image.open(path) as image:
        return image.text.get("Source", "")


def test_the_figures_were_made_by_make_figures_with_its_current_settings():
    pytest.importorskip("PIL")
    settings = json.dumps(_make_figures_settings()["full"])
    figures = sorted(FIGURES.glob("*.png"))
    assert {f.name for f in figures} == {
        "active_queries.png", "attention_map.png", "forecast.png", "loss_history.png",
        "sparsity.png",
    }  # fmt: skip
    for figure in figures:
        source = _png_source(figure)
        assert source.startswith("docs/make_figures.py with informer_sk"), figure.name
        assert "diagnostics on ETTh2" in source
        # a figure older than the script's settings must be redrawn
        assert source.endswith(f"settings: {settings}"), f"{figure.name} is stale"


def test_every_figure_is_shown_and_every_shown_figure_exists():
    shown = set()
    for page in PAGES:
        shown |= set(re.findall(r"_static/figures/([\w.]+\.png)", (DOCS / page).read_text()))
    assert shown == {f.name for f in FIGURES.glob("*.png")}


def test_make_figures_runs(tmp_path):
    pytest.importorskip("seaborn")  # sktime's plot_series draws the forecast figure
    pytest.importorskip("PIL")
    result = subprocess.run(
        [sys.executable, str(DOCS / "make_figures.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=_env(), cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    made = sorted(p.name for p in tmp_path.glob("*.png"))
    assert made == sorted(p.name for p in FIGURES.glob("*.png"))
    assert all("make_figures.py --quick" in _png_source(tmp_path / name) for name in made)


def test_the_docs_extra_installs_what_the_build_and_examples_import():
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["docs"]
    names = {re.split(r"[<>=!~ \[]", requirement)[0].lower() for requirement in extra}
    assert {"sphinx", "pydata-sphinx-theme", "numpydoc", "myst-parser"} <= names
    assert "sphinx-mathjax-offline" in names  # the formulas render without a network
    assert {m for modules in PAGE_NEEDS.values() for m in modules} <= names


def test_the_configuration_serves_mathjax_from_the_site():
    pytest.importorskip("sphinx")
    from sphinx.config import Config
    from sphinx.util.tags import Tags

    config = Config.read(DOCS, overrides={}, tags=Tags())
    # the extension copies MathJax into the built site and points mathjax_path at that
    # copy; the build test below checks the pages
    assert "sphinx-mathjax-offline" in config.extensions


def _remote_mathjax(html):
    """The remote MathJax addresses a built page loads (a CDN, any scheme)."""
    return re.findall(r"""(?:https?:)?//[^"'\s]*mathjax[^"'\s]*""", html, flags=re.IGNORECASE)


def test_the_site_builds_with_warnings_as_errors(tmp_path):
    for module in ("sphinx", "pydata_sphinx_theme", "numpydoc", "myst_parser", "sphinx-mathjax-offline"):
        pytest.importorskip(module, reason="the Sphinx build needs the docs extra")
    html = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(html)],
        capture_output=True, text=True, timeout=600, env=_env(), cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-5000:]
    index = (html / "index.html").read_text()
    for page in PAGES + MARKDOWN_PAGES:
        stem = Path(page).stem
        assert (html / f"{stem}.html").exists(), stem
        if stem != "index":
            assert f'href="{stem}.html"' in index, f"the index does not link {stem}"
    model_page = (html / "how_informer_works.html").read_text()
    for figure in ("sparsity", "attention_map", "active_queries", "forecast"):
        assert f"_images/{figure}.png" in model_page
        assert (html / "_images" / f"{figure}.png").exists()
    # the formulas render offline: MathJax is served from the site, never a CDN
    for page in html.rglob("*.html"):
        assert not _remote_mathjax(page.read_text()), f"{page.name} loads MathJax remotely"
    assert 'src="_static/mathjax/tex-chtml.js"' in model_page  # the page with formulas
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    api = (html / "api.html").read_text()
    for name in ("InformerForecaster", "load_ett", "load_csv", "sparsity_distribution"):
        assert name in api
