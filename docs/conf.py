"""Sphinx configuration for refopt's API reference (numpydoc-style docstrings)."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

project = "refopt"
author = "the refopt developers"
copyright = "2026, the refopt developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
exclude_patterns = ["_build"]
html_theme = "alabaster"
# Two classes are called Problem (refopt.lsq.options, refopt.problems); a bare "Problem" in a
# type hint resolves within its own module, so the ambiguity warning is noise, not an error.
suppress_warnings = ["ref.python"]
