"""``python -m refopt upstream``: a project's tests, imports rewritten, sorted by outcome.

asteval's suite itself is not shipped (it is asteval's); these tests write a small suite in
asteval's style and check the rewriting, the sorting against the list of tests that differ
on purpose, and the exit status.
"""

from __future__ import annotations

import textwrap

from refopt import upstream
from refopt.__main__ import main

# the upstream projects' names are put into the texts below by .format: these are test data
# for the import rewriting, and this module imports neither project
ASTEVAL, SCIPY = "asteval", "scipy"

SUITE_TEXT = textwrap.dedent('''
    import {pkg}
    from {pkg} import Interpreter
    from {pkg}.astutils import get_ast_names


    def test_arithmetic():
        assert Interpreter()("1 + 2 * 3") == 7
        assert {pkg}.Interpreter is Interpreter


    def test_names():
        assert get_ast_names(Interpreter().parse("a + b")) == ["a", "b"]


    def test_import_switch():
        Interpreter(with_import=True)


    def test_wrong_on_purpose():
        assert Interpreter()("2 ** 10") == 1000
''').format(pkg=ASTEVAL)


def test_rewrite_imports_keeps_everything_else():
    text = ("import {0}\nfrom {0} import Interpreter, NameFinder as NF\n"
            "    from {0}.astutils import get_ast_names\nimport {0}ish\nx = 'from {0} import y'\n"
            ).format(ASTEVAL)
    provide = "import refopt.upstream; {} = refopt.upstream.provide('refopt.expr.compat', {!r})"
    assert upstream.rewrite_imports(text, "asteval", "refopt.expr.compat").splitlines() == [
        "import refopt.expr.compat as asteval", provide.format("Interpreter", "Interpreter"),
        provide.format("NF", "NameFinder"), "    " + provide.format("get_ast_names", "get_ast_names"),
        f"import {ASTEVAL}ish", f"x = 'from {ASTEVAL} import y'"]


def test_rewrite_of_a_subpackage_and_its_parent():
    text = "from {0} import optimize, linalg\nfrom {0}.optimize._minpack_py import leastsq\n".format(SCIPY)
    assert upstream.rewrite_imports(text, f"{SCIPY}.optimize", "refopt").splitlines() == [
        f"from {SCIPY} import linalg",
        "import refopt.upstream; optimize = refopt.upstream.provide('refopt')",
        "import refopt.upstream; leastsq = refopt.upstream.provide('refopt', 'leastsq')"]


def test_names_refopt_lacks_raise_when_used():
    optimize = upstream.provide("refopt")
    assert optimize.least_squares is __import__("refopt").least_squares
    for missing in (optimize.fsolve, upstream.provide("refopt", "fixed_point")):
        try:
            missing(lambda x: x, [0.0])
        except NotImplementedError as exc:
            assert str(exc).startswith("refopt has no refopt.f")
        else:
            raise AssertionError("a missing name ran")


def test_suite_is_run_and_sorted(tmp_path, capsys, monkeypatch):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_small.py").write_text(SUITE_TEXT)
    listed = upstream.Suite("asteval", "refopt.expr.compat",
                            differs={"test_import_switch": "no imports", "test_names": "stale entry"})
    monkeypatch.setitem(upstream.SUITES, "asteval", listed)
    assert main(["upstream", "asteval", str(tmp_path)]) == 1  # test_wrong_on_purpose is not listed
    out = capsys.readouterr().out
    assert "4 tests, 1 passed, 1 differs on purpose, 1 FAILED" in out
    assert "FAILED test_wrong_on_purpose" in out and "differs on purpose: test_import_switch: no imports" in out
    assert "listed as differing but passed (update refopt.upstream.SUITES): test_names" in out
    assert main(["upstream", "asteval", str(tmp_path), "-k", "not wrong"]) == 0


def test_a_test_needing_what_refopt_lacks_is_not_a_failure(tmp_path, capsys):
    (tmp_path / "test_minpack.py").write_text(textwrap.dedent('''
        from {pkg} import optimize
        from {pkg}.optimize import leastsq


        class TestSolvers:
            def test_leastsq_line(self):
                x, ier = leastsq(lambda p: [p[0] - 2.0, p[0] + p[1]], [0.0, 0.0])
                assert abs(x[0] - 2.0) < 1e-8 and abs(x[1] + 2.0) < 1e-8

            def test_fsolve(self):
                optimize.fsolve(lambda x: x, [1.0])
    ''').format(pkg=SCIPY))
    assert main(["upstream", "scipy", str(tmp_path / "test_minpack.py")]) == 0
    out = capsys.readouterr().out
    assert "2 tests, 1 passed, 1 not in refopt" in out and "not in refopt: refopt.fsolve" in out


def test_every_listed_difference_has_a_reason():
    assert upstream.SUITES["asteval"].differs
    for suite in upstream.SUITES.values():
        assert all(len(why) > 40 for why in suite.differs.values())


def test_missing_tests_are_a_usage_error(tmp_path, capsys):
    assert main(["upstream", "asteval", str(tmp_path)]) == 2
    assert "no test_*.py" in capsys.readouterr().err
