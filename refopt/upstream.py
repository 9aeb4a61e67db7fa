"""A reference project's own test suite, run against refopt by rewriting its imports.

``python -m refopt upstream asteval PATH`` takes asteval's test files (``PATH`` is a checkout
of https://github.com/lmfit/asteval, its ``tests`` folder, or one test file), rewrites
``from asteval import ...``, ``from asteval.astutils import ...`` and ``import asteval`` to
import :mod:`refopt.expr.compat` instead, runs them with pytest in a fresh process, and sorts
every test into

* ``passed``;
* ``differs on purpose``: a failure listed in :data:`SUITES` with the reason (the tests of a
  feature refopt leaves out, or of asteval's own message wording) -- chapter 30 explains each;
* ``FAILED``: any other failure; the command then exits 1.

A listed test that passes is reported too (the list is out of date). Nothing of the suite is
shipped with refopt: the suite is the project's own, read where the user keeps it.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

_REFOPT_ROOT = pathlib.Path(__file__).resolve().parent.parent  # the folder holding refopt/


@dataclass(frozen=True)
class Suite:
    """How to run one project's tests against refopt."""

    package: str                       # the name its tests import
    replacement: str                   # the refopt module that stands in for it
    pattern: str = "test_*.py"         # its test files
    differs: dict = field(default_factory=dict)  # test name -> why it cannot pass on refopt


_NO_IMPORT = ("refopt.expr never imports modules: `import` and `from ... import` cannot be "
              "switched on (asteval's `with_import`), so a constraint cannot reach the host")
_NO_FILES = ("refopt.expr has no `open` and refuses `with` when parsing: an expression cannot "
             "read the host's files (asteval offers a read-only `open`), and a constraint has "
             "nothing else for `with` to manage")
_PY_MESSAGES = ("a procedure binds its arguments as Python does and raises Python's TypeError "
                "with Python's message; the test matches asteval's own wording "
                "('takes at least 1 arguments', 'extra keyword arguments for')")

SUITES = {
    "asteval": Suite("asteval", "refopt.expr.compat", differs={
        "test_set_default_nodehandler": _NO_IMPORT,
        "test_interpreter_opts": _NO_IMPORT,
        "test_with": _NO_FILES,
        "test_safe_open": _NO_FILES,
        "test_function1": _PY_MESSAGES,
        "test_function_kwargs": _PY_MESSAGES,
    }),
}


def rewrite_imports(text: str, package: str, replacement: str) -> str:
    """``text`` with every import of ``package`` (or of its submodules) turned into one of
    ``replacement``; ``import package`` keeps the name (``import replacement as package``)."""
    name = re.escape(package)
    text = re.sub(rf"^(\s*)from {name}(\.\w+)* import ", rf"\1from {replacement} import ", text,
                  flags=re.MULTILINE)
    return re.sub(rf"^(\s*)import {name}(\.\w+)*\s*$", rf"\1import {replacement} as {package}",
                  text, flags=re.MULTILINE)


def test_files(path: pathlib.Path, suite: Suite) -> list[pathlib.Path]:
    """The test files under ``path`` (a checkout, its tests folder, or a file)."""
    if path.is_file():
        return [path]
    folder = path / "tests" if (path / "tests").is_dir() else path
    return sorted(folder.glob(suite.pattern))


def run_rewritten(files, suite: Suite, workdir: pathlib.Path, extra=()) -> dict[str, tuple[str, str]]:
    """Copy ``files`` into ``workdir`` with their imports rewritten, run pytest on them in a
    fresh process (with this refopt first on the path) and return ``{test id: (outcome,
    message)}``, outcome one of passed, failed, skipped."""
    for source in files:
        text = rewrite_imports(source.read_text(), suite.package, suite.replacement)
        (workdir / source.name).write_text(text)
    report = workdir / "report.xml"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(_REFOPT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
               f"--junitxml={report}", *extra, *[f.name for f in files]]
    subprocess.run(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    if not report.is_file():
        raise RuntimeError("pytest wrote no report: " + " ".join(command))
    return outcomes(ElementTree.parse(report).getroot())


def outcomes(root) -> dict[str, tuple[str, str]]:
    """``{test id: (outcome, first line of the failure)}`` from a JUnit XML report."""
    found = {}
    for case in root.iter("testcase"):
        problem = next((child for child in case if child.tag in ("failure", "error", "skipped")), None)
        outcome = "passed" if problem is None else ("skipped" if problem.tag == "skipped" else "failed")
        lines = [] if problem is None else (problem.get("message") or "").splitlines()
        found[case.get("name")] = (outcome, lines[0] if lines else "")
    return found


def base_name(test_id: str) -> str:
    """``test_with[True]`` -> ``test_with``."""
    return test_id.split("[", 1)[0]


def sort_results(results: dict, suite: Suite) -> dict[str, list]:
    """Group test ids into passed / differs on purpose / FAILED / skipped / listed but passed."""
    groups: dict[str, list] = {"passed": [], "differs on purpose": [], "FAILED": [], "skipped": [],
                               "listed but passed": []}
    for test_id, (outcome, message) in sorted(results.items()):
        listed = base_name(test_id) in suite.differs
        if outcome == "failed":
            groups["differs on purpose" if listed else "FAILED"].append((test_id, message))
        elif outcome == "skipped":
            groups["skipped"].append((test_id, message))
        else:
            groups["listed but passed" if listed else "passed"].append((test_id, message))
    return groups


def print_report(groups: dict, suite: Suite, out=None) -> None:
    out = sys.stdout if out is None else out
    total = sum(len(items) for items in groups.values())
    print(f"{suite.package}'s tests on {suite.replacement}: {total} tests, "
          + ", ".join(f"{len(items)} {name}" for name, items in groups.items() if items), file=out)
    for test_id, message in groups["FAILED"]:
        print(f"  FAILED {test_id}: {message}", file=out)
    shown = set()
    for test_id, _ in groups["differs on purpose"]:
        name = base_name(test_id)
        if name not in shown:
            shown.add(name)
            print(f"  differs on purpose: {name}: {suite.differs[name]}", file=out)
    for test_id, _ in groups["listed but passed"]:
        print(f"  listed as differing but passed (update refopt.upstream.SUITES): {test_id}", file=out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare this subcommand's options."""
    parser.add_argument("project", choices=sorted(SUITES), help="whose tests to run")
    parser.add_argument("path", help="a checkout of the project, its tests folder, or one test file")
    parser.add_argument("-k", metavar="EXPR", help="only tests matching this pytest -k expression")


def main(args: argparse.Namespace) -> int:
    """Run the suite; 0 when every failure is one listed as differing on purpose."""
    suite = SUITES[args.project]
    files = test_files(pathlib.Path(args.path), suite)
    if not files:
        print(f"no {suite.pattern} under {args.path}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="refopt-upstream-") as folder:
        results = run_rewritten(files, suite, pathlib.Path(folder), ("-k", args.k) if args.k else ())
    groups = sort_results(results, suite)
    print_report(groups, suite)
    return 1 if groups["FAILED"] or not results else 0
