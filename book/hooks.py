"""mkdocs hook: include real source code from ``refopt/`` into the book at build time.

In a chapter, a line of its own

    !source refopt.lsq.lm.lmpar            (a function, class or Class.method)
    !source refopt.lsq.lm#lmpar-newton     (a region marked in the source)

becomes a fenced code block holding that object's current source, with its file and line
numbers. A region is the lines between the comments ``# [name]`` and ``# [/name]``. A name
that no longer resolves fails the build, so the book cannot drift from the code.
"""

from __future__ import annotations

import ast
import pathlib
import re

try:
    from mkdocs.exceptions import PluginError
except ImportError:  # the tests import this hook without mkdocs installed
    class PluginError(Exception):
        """Stands in for mkdocs' PluginError."""

ROOT = pathlib.Path(__file__).resolve().parents[1]
DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)!source[ \t]+(?P<target>[\w.]+(?:#[\w.-]+)?)[ \t]*$", re.M)


def module_file(parts: list[str]) -> tuple[pathlib.Path, list[str]]:
    """Split a dotted name into the longest module path that exists and the rest."""
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path, parts[cut:]
    raise PluginError(f"!source: no module for {'.'.join(parts)!r}")


def object_lines(path: pathlib.Path, qualname: list[str]) -> tuple[int, int]:
    """First and last line (1-based) of a function or class, decorators included."""
    body = ast.parse(path.read_text()).body
    node = None
    for name in qualname:
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == name), None)
        if node is None:
            raise PluginError(f"!source: {'.'.join(qualname)!r} is not defined in {path.relative_to(ROOT)}")
        body = node.body
    start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return start, node.end_lineno


def region_lines(path: pathlib.Path, region: str) -> tuple[int, int]:
    """Lines strictly between ``# [region]`` and ``# [/region]``."""
    lines = path.read_text().splitlines()
    marks = {line.strip(): i for i, line in enumerate(lines, start=1)}
    start, end = marks.get(f"# [{region}]"), marks.get(f"# [/{region}]")
    if start is None or end is None or end <= start + 1:
        raise PluginError(f"!source: region [{region}] not found in {path.relative_to(ROOT)}")
    return start + 1, end - 1


def render(target: str, indent: str) -> str:
    dotted, _, region = target.partition("#")
    path, qualname = module_file(dotted.split("."))
    if region:
        start, end = region_lines(path, region)
    elif qualname:
        start, end = object_lines(path, qualname)
    else:
        start, end = 1, len(path.read_text().splitlines())
    code = path.read_text().splitlines()[start - 1:end]
    common = min((len(l) - len(l.lstrip()) for l in code if l.strip()), default=0)
    code = [l[common:] for l in code]
    title = f"{path.relative_to(ROOT).as_posix()}, lines {start}–{end}"
    fence = [f'```python linenums="{start}" title="{title}"', *code, "```"]
    return "\n".join(indent + line if line else line for line in fence)


def on_page_markdown(markdown: str, page, config, files) -> str:
    return DIRECTIVE.sub(lambda m: render(m["target"], m["indent"]), markdown)
