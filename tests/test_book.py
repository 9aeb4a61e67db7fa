"""The book's ``!source`` directive (book/hooks.py) and every chapter's use of it."""

from __future__ import annotations

import pathlib

import pytest

from tests.book_modules import load

ROOT = pathlib.Path(__file__).resolve().parents[1]


hooks = load("hooks")


def test_a_function_is_included_with_its_file_and_line_numbers():
    text = hooks.on_page_markdown("Intro\n\n!source refopt._callback.wrap_callback\n", None, None, None)
    source = (ROOT / "refopt" / "_callback.py").read_text().splitlines()
    first = next(i for i, line in enumerate(source, 1) if line.startswith("def wrap_callback"))
    assert f'linenums="{first}"' in text
    assert 'title="refopt/_callback.py, lines' in text
    assert "def wrap_callback(" in text and "!source" not in text


def test_a_method_is_included_dedented():
    text = hooks.render("refopt._result.OptimizeResult.__repr__", "")
    assert "\ndef __repr__(self) -> str:" in text


def test_a_region_is_included_without_its_markers(tmp_path, monkeypatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text("a = 1\n# [step]\nb = 2\n# [/step]\n")
    monkeypatch.setattr(hooks, "ROOT", tmp_path)
    text = hooks.render("pkg.mod#step", "")
    assert "b = 2" in text and "[step]" not in text and "a = 1" not in text


@pytest.mark.parametrize("target", ["refopt._callback.no_such_function", "refopt.no_such_module.f",
                                    "refopt._callback#no-such-region"])
def test_a_missing_target_fails_the_build(target):
    with pytest.raises(hooks.PluginError, match="!source"):
        hooks.render(target, "")


@pytest.mark.parametrize("chapter", sorted((ROOT / "chapters").glob("*.md")), ids=lambda p: p.name)
def test_every_chapter_directive_resolves(chapter):
    text = chapter.read_text()
    rendered = hooks.on_page_markdown(text, None, None, None)
    assert hooks.DIRECTIVE.search(rendered) is None
