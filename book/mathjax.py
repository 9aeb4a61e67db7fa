"""mkdocs hook: serve MathJax from the book itself, so that no page needs the network.

The TeX in the chapters (arithmatex's ``\\(...\\)`` and ``\\[...\\]``) is typeset in the reader's
browser by MathJax 3 with its SVG output. SVG output draws every glyph from data inside the
script, so it needs no web fonts, and the book reads the same opened from disk (``file://``)
as served. MathJax comes from PyPI (the ``django-static-mathjax`` distribution, import name
``mathjax``, listed in the ``docs`` extra); this hook adds the part of it the book uses to the
site under ``assets/mathjax/`` as if it were a file of the book. Why MathJax in the browser
rather than MathML rendered at build time: chapter 0, "How the formulas are drawn".
"""

from __future__ import annotations

import pathlib

try:
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File
except ImportError:  # the tests import this hook without mkdocs installed
    PluginError = RuntimeError
    File = None

SITE_DIR = "assets/mathjax"
# The combined TeX-to-SVG component, and what it may load later on demand: TeX extensions
# (autoload), the context menu, and the accessibility explorer with its speech rules.
PARTS = ("tex-svg.js", "input/tex/extensions", "ui", "a11y", "sre")


def mathjax_root() -> pathlib.Path:
    """The ``es5`` folder of the installed MathJax distribution."""
    try:
        import mathjax
    except ImportError:
        raise PluginError("MathJax is not installed: pip install django-static-mathjax "
                          "(it is in refopt's docs extra: pip install -e '.[docs]')") from None
    root = pathlib.Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (root / PARTS[0]).is_file():
        raise PluginError(f"MathJax found at {root.parent} but without es5/{PARTS[0]}")
    return root


def mathjax_files(root: pathlib.Path) -> list[pathlib.Path]:
    """Every file of PARTS, as paths relative to ``root``."""
    found = []
    for part in PARTS:
        path = root / part
        found += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return [p.relative_to(root) for p in found]


def on_files(files, config):
    root = mathjax_root()
    for rel in mathjax_files(root):
        files.append(File.generated(config, f"{SITE_DIR}/{rel.as_posix()}", abs_src_path=str(root / rel)))
    return files
