"""``python -m refopt upstream``: a project's tests, imports rewritten, sorted by outcome.

asteval's suite itself is not shipped (it is asteval's); these tests write a small suite in
asteval's style and check the rewriting, the sorting against the list of tests that differ
on purpose, and the exit status.
"""

from __future__ import annotations

import textwrap

from refopt import upstream
from refopt.__main__ import main

SUITE_TEXT = textwrap.dedent('''
    import asteval
    from asteval import Interpreter
    from asteval.astutils import get_ast_names


    def test_arithmetic():
        assert Interpreter()("1 + 2 * 3") == 7
        assert asteval.Interpreter is Interpreter


    def test_names():
        assert get_ast_names(Interpreter().parse("a + b")) == ["a", "b"]


    def test_import_switch():
        Interpreter(with_import=True)


    def test_wrong_on_purpose():
        assert Interpreter()("2 ** 10") == 1000
''')


def test_rewrite_imports_keeps_everything_else():
    text = ("import asteval\nfrom asteval import Interpreter, NameFinder\n"
            "    from asteval.astutils import get_ast_names\nimport astevalish\nx = 'from asteval import y'\n")
    assert upstream.rewrite_imports(text, "asteval", "refopt.expr.compat") == (
        "import refopt.expr.compat as asteval\nfrom refopt.expr.compat import Interpreter, NameFinder\n"
        "    from refopt.expr.compat import get_ast_names\nimport astevalish\nx = 'from asteval import y'\n")


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


def test_every_listed_difference_has_a_reason():
    for suite in upstream.SUITES.values():
        assert suite.differs and all(len(why) > 40 for why in suite.differs.values())


def test_missing_tests_are_a_usage_error(tmp_path, capsys):
    assert main(["upstream", "asteval", str(tmp_path)]) == 2
    assert "no test_*.py" in capsys.readouterr().err
