"""Sphinx configuration of the informer_sk documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` after
``pip install -e ".[docs]"``. The pages' code examples are doctests, run by
``tests/test_docs.py`` (not by Sphinx), so the build itself executes no model.
"""

import sys
from pathlib import Path

# the repository root, so a checkout builds without installing the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import informer_sk  # noqa: E402

project = "informer_sk"
author = "informer_sk developers"
copyright = "informer_sk developers"
version = release = informer_sk.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax's files copied into the site (_static/mathjax), so the formulas render
    # without a network; it sets mathjax_path to them
    "sphinx-mathjax-offline",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"

autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False


html_theme = "pydata_sphinx_theme"
html_title = f"informer_sk {release}"
html_static_path = ["_static"]
templates_path = ["_templates"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# the guide's pages stand alone: no left sidebar; the API reference keeps its own
_here = Path(__file__).resolve().parent
html_sidebars = {
    page.stem: [] for page in [*_here.glob("*.rst"), *_here.glob("*.md")] if page.stem != "api"
}
