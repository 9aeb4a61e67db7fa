"""The book's build-time scripts (``book/*.py``) loaded as modules, for the tests of the book.

``book/`` is not a package (mkdocs loads its hooks by path), so the tests load them the same
way.
"""

from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name: str):
    """``book/<name>.py`` as a fresh module named ``book_<name>``."""
    spec = importlib.util.spec_from_file_location(f"book_{name}", ROOT / "book" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
