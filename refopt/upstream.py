"""A reference project's own test suite, run against refopt by rewriting its imports.

The suites are asteval's (Newville et al., 2014–2025) and scipy's (Virtanen et al., Nature
Methods 17, 2020).

``python -m refopt upstream asteval PATH`` takes asteval's test files (``PATH`` is a checkout
of https://github.com/lmfit/asteval, its ``tests`` folder, or one test file);
``python -m refopt upstream scipy PATH`` takes scipy's ``optimize/tests/test_minpack.py``
(leastsq and curve_fit). Every import of the project's tested package -- ``from asteval import
...``, ``from scipy.optimize._minpack_py import ...``, ``from scipy import optimize`` -- is
rewritten to take the names from refopt instead (:func:`provide`); a name refopt does not
have becomes a stand-in that raises ``NotImplementedError("refopt has no ...")`` when used.
The files then run with pytest in a fresh process, and every test is sorted into

* ``passed``;
* ``not in refopt``: it needs a function refopt does not have (scipy's ``fsolve``, ``root``);
* ``differs on purpose``: a failure listed in :data:`SUITES` with the reason (a feature refopt
  leaves out, or the reference's own message wording) -- the chapters explain each;
* ``FAILED``: any other failure; the command then exits 1.

A listed test that passes is reported too (the list is out of date). Nothing of a suite is
shipped with refopt: the suite is the project's own, read where the user keeps it, and its
other imports (numpy, scipy.linalg ...) are left as they are.
"""

from __future__ import annotations

import argparse
import importlib
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

    package: str                       # the module its tests exercise (and its submodules)
    replacement: str                   # the refopt module that stands in for it
    pattern: str = "test_*.py"         # its test files
    folders: tuple = ("tests",)        # where they are in a checkout
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
    "scipy": Suite("scipy.optimize", "refopt", "test_minpack.py",
                   ("scipy/optimize/tests", "optimize/tests", "tests"), differs={}),
    "asteval": Suite("asteval", "refopt.expr.compat", differs={
        "test_set_default_nodehandler": _NO_IMPORT,
        "test_interpreter_opts": _NO_IMPORT,
        "test_with": _NO_FILES,
        "test_safe_open": _NO_FILES,
        "test_function1": _PY_MESSAGES,
        "test_function_kwargs": _PY_MESSAGES,
    }),
}


_FROM_IMPORT = re.compile(r"^(?P<indent>[ \t]*)from (?P<module>[\w.]+) import (?P<names>[^()\n]+?)[ \t]*$",
                          re.MULTILINE)
_IMPORT = re.compile(r"^(?P<indent>[ \t]*)import (?P<module>[\w.]+)[ \t]*$", re.MULTILINE)


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def rewrite_imports(text: str, package: str, replacement: str) -> str:
    """``text`` with every import of ``package`` (its submodules, and ``from parent import
    package``) taking its names from ``replacement`` through :func:`provide`; other imports
    are kept. One-line imports only: a parenthesised import of ``package`` stays as it is."""
    parent, _, leaf = package.rpartition(".")

    def from_import(match) -> str:
        indent, module = match["indent"], match["module"]
        pairs = [(n.split(" as ")[0].strip(), n.split(" as ")[-1].strip())
                 for n in match["names"].split(",") if n.strip()]
        if _inside(module, package):
            provided = pairs
        elif parent and module == parent:
            provided = [(name, alias) for name, alias in pairs if name == leaf]
        else:
            return match[0]
        kept = [p for p in pairs if p not in provided]
        lines = [f"{indent}from {module} import " + ", ".join(
            name if name == alias else f"{name} as {alias}" for name, alias in kept)] if kept else []
        for name, alias in provided:
            what = "" if (module == parent and name == leaf) else repr(name)
            lines.append(f"{indent}import refopt.upstream; {alias} = refopt.upstream.provide("
                         f"{replacement!r}{', ' + what if what else ''})")
        return "\n".join(lines)

    def plain_import(match) -> str:
        if match["module"] != package:
            return match[0]
        return f"{match['indent']}import {replacement} as {package}" if "." not in package else match[0]

    return _IMPORT.sub(plain_import, _FROM_IMPORT.sub(from_import, text))


class Missing:
    """What a suite gets for a name refopt does not have: using it raises NotImplementedError."""

    def __init__(self, label: str) -> None:
        self._label = label

    def __call__(self, *args, **kwargs):
        raise NotImplementedError(f"refopt has no {self._label}")

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return Missing(f"{self._label}.{name}")


class Module:
    """A module of refopt seen through a suite's eyes: a missing attribute is a :class:`Missing`."""

    def __init__(self, module) -> None:
        self._module = module

    def __getattr__(self, name: str):
        try:
            return getattr(self._module, name)
        except AttributeError:
            if name.startswith("__"):
                raise
            return Missing(f"{self._module.__name__}.{name}")


def provide(module_name: str, name: str | None = None):
    """The object a rewritten import binds: ``module_name``'s attribute ``name`` (a
    :class:`Missing` if there is none), or the module itself (as a :class:`Module`)."""
    module = importlib.import_module(module_name)
    if name is None:
        return Module(module)
    return getattr(module, name, Missing(f"{module_name}.{name}"))


def test_files(path: pathlib.Path, suite: Suite) -> list[pathlib.Path]:
    """The test files under ``path`` (a checkout, its tests folder, or a file)."""
    if path.is_file():
        return [path]
    folder = next((path / f for f in suite.folders if (path / f).is_dir()), path)
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
        found[test_id(case.get("classname") or "", case.get("name"))] = (outcome, lines[0] if lines else "")
    return found


def test_id(classname: str, name: str) -> str:
    """``TestCurveFit::test_one_argument`` for a test in a class (JUnit's classname is
    ``module.Class``), the bare name for a module-level test."""
    module, _, cls = classname.rpartition(".")
    return f"{cls}::{name}" if module and cls[:1].isupper() else name


def base_name(test_id: str) -> str:
    """``test_with[True]`` -> ``test_with``; ``TestX::test_y[1]`` -> ``TestX::test_y``."""
    return test_id.split("[", 1)[0]


def is_listed(test_id: str, suite: Suite) -> bool:
    """Whether the test (by ``Class::name`` or by its bare name) differs on purpose."""
    name = base_name(test_id)
    return name in suite.differs or name.rpartition("::")[2] in suite.differs


def reason(test_id: str, suite: Suite) -> str:
    name = base_name(test_id)
    return suite.differs.get(name) or suite.differs[name.rpartition("::")[2]]


def sort_results(results: dict, suite: Suite) -> dict[str, list]:
    """Group test ids into passed / differs on purpose / FAILED / skipped / listed but passed."""
    groups: dict[str, list] = {"passed": [], "not in refopt": [], "differs on purpose": [],
                               "FAILED": [], "skipped": [], "listed but passed": []}
    for test_id, (outcome, message) in sorted(results.items()):
        listed = is_listed(test_id, suite)
        if outcome == "failed" and "refopt has no " in message:
            groups["not in refopt"].append((test_id, message))
        elif outcome == "failed":
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
            print(f"  differs on purpose: {name}: {reason(test_id, suite)}", file=out)
    missing = sorted({m.partition("refopt has no ")[2] for _, m in groups["not in refopt"]})
    if missing:
        print(f"  not in refopt: {', '.join(missing)}", file=out)
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
