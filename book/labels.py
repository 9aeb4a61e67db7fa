"""The book's equation numbers against the code's comments.

Chapter ``N`` (the file ``chapters/N-*.md``) numbers its displayed equations ``\\tag{N.1}``,
``\\tag{N.2}``, ... in the order they appear. The code cites them in comments and docstrings
as ``(N.k)``; a paper's own number is written in square brackets with its author,
``[Moré (5.3)]``, and is not a citation of the book. The rules, each exact:

1. every ``(N.k)`` in a comment or docstring of a module under ``refopt/`` is a ``\\tag{N.k}``
   of chapter ``N`` (so chapter ``N`` exists), and the module is included (``!source``) by
   some chapter;
2. every ``\\tag{N.k}`` of chapter ``N`` is cited in a comment or docstring of a module that
   chapter ``N`` includes, unless the chapter marks it as an equation without code, by an HTML
   comment ``<!-- no code: (N.1) (N.3) -->`` (invisible in the built book);
3. chapter ``N``'s tags are ``N.1, N.2, ...`` with no gap, repeat or other chapter's number,
   in the order they appear.

Only the text of comments (``tokenize``) and docstrings (``ast``) is read, never code, so a
literal ``(1.0)`` in an expression is not a label. Run ``python book/labels.py`` to list what
breaks the rules.
"""

from __future__ import annotations

import ast
import io
import pathlib
import re
import tokenize
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parents[1]
CITATION = re.compile(r"\((\d+)\.(\d+)\)")
BRACKETED = re.compile(r"\[[^\[\]]*\]")      # a paper's number: [Moré (5.3)]
TAG = re.compile(r"\\tag\{([^}]*)\}")
NO_CODE = re.compile(r"<!--\s*no code:(.*?)-->", re.S)
SOURCE = re.compile(r"^[ \t]*!source[ \t]+([\w.]+)", re.M)


def chapter_number(path: pathlib.Path) -> int | None:
    head = path.name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def chapters() -> dict[int, pathlib.Path]:
    """Chapter number -> its file (index.md, chapter 0, has no number in its name)."""
    found = {}
    for path in sorted((ROOT / "chapters").glob("*.md")):
        number = chapter_number(path)
        if number is not None:
            found[number] = path
    return found


def module_of(dotted: str) -> pathlib.Path:
    """The file a ``!source`` target lives in (the longest dotted prefix that is a module)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path.relative_to(ROOT)
    raise ValueError(f"!source {dotted}: no such module")


def included_modules(text: str) -> set[pathlib.Path]:
    return {module_of(target.partition("#")[0]) for target in SOURCE.findall(text)}


def tags(text: str) -> list[str]:
    return [t.strip() for t in TAG.findall(text)]


def no_code(text: str) -> set[str]:
    marked = set()
    for body in NO_CODE.findall(text):
        marked.update(f"{a}.{b}" for a, b in CITATION.findall(body))
    return marked


def prose(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring line of a Python file."""
    source = path.read_text()
    lines = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            lines.append((token.start[0], token.string))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                first = body[0].value.lineno
                lines.extend((first + i, text) for i, text in
                             enumerate(body[0].value.value.splitlines()))
    return lines


def citations(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, "N.k") of every book equation cited in a module's comments and docstrings."""
    found = []
    for line, text in prose(path):
        for a, b in CITATION.findall(BRACKETED.sub("", text)):
            found.append((line, f"{a}.{b}"))
    return found


def problems() -> list[str]:
    """Every breach of the three rules, one readable line each (empty: all agree)."""
    book = chapters()
    texts = {n: p.read_text() for n, p in book.items()}
    includes = {n: included_modules(t) for n, t in texts.items()}
    included_anywhere = set().union(*includes.values())
    labels = {n: tags(t) for n, t in texts.items()}
    cited_by = defaultdict(set)        # "N.k" -> modules citing it
    out = []
    for path in sorted((ROOT / "refopt").rglob("*.py")):
        module = path.relative_to(ROOT)
        cites = citations(path)
        if cites and module not in included_anywhere:
            out.append(f"{module}: cites {cites[0][1]} (line {cites[0][0]}) "
                       "but no chapter includes this module")
        for line, label in cites:
            cited_by[label].add(module)
            number = int(label.split(".")[0])
            if number not in book:
                out.append(f"{module}:{line}: ({label}) cites chapter {number}, which does not exist")
            elif label not in labels[number]:
                out.append(f"{module}:{line}: ({label}) is not a \\tag of {book[number].name}")
    for number, path in book.items():
        marked = no_code(texts[number])
        expected = [f"{number}.{k}" for k in range(1, len(labels[number]) + 1)]
        if labels[number] != expected:
            out.append(f"{path.name}: tags run {', '.join(labels[number])}; "
                       f"expected {', '.join(expected)}")
        for label in labels[number]:
            own = cited_by[label] & includes[number]
            if label in marked and own:
                out.append(f"{path.name}: ({label}) is marked 'no code' but "
                           f"{sorted(map(str, own))[0]} cites it")
            elif label not in marked and not own:
                out.append(f"{path.name}: ({label}) is cited by no module the chapter includes "
                           "(and not marked <!-- no code: ... -->)")
        for label in sorted(marked - set(labels[number])):
            out.append(f"{path.name}: 'no code' names ({label}), which is not a tag")
    return out


if __name__ == "__main__":
    found = problems()
    print("\n".join(found) if found else "equation labels: book and code agree")
    raise SystemExit(1 if found else 0)
