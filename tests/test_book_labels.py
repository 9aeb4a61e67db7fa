"""Equation numbers: every ``(N.k)`` the code cites is a ``\\tag`` of chapter N, and every tag is
cited by the code its chapter includes (book/labels.py states the rules)."""

from __future__ import annotations

import re

import pytest

from tests.book_modules import load

labels = load("labels")

# Breaches being fixed elsewhere would be listed here, one pattern per line of
# `labels.problems()`; the list can only shrink (`test_every_pending_entry_is_still_needed`).
PENDING: list[str] = []


def pending(problem: str) -> bool:
    return any(re.fullmatch(pattern, problem) for pattern in PENDING)


def test_book_and_code_agree_on_equation_numbers():
    assert [p for p in labels.problems() if not pending(p)] == []


def test_every_pending_entry_is_still_needed():
    found = labels.problems()
    assert [pattern for pattern in PENDING
            if not any(re.fullmatch(pattern, p) for p in found)] == []


# The checker itself, on a small book in a temporary directory.

@pytest.fixture
def book(tmp_path, monkeypatch):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "refopt").mkdir()
    monkeypatch.setattr(labels, "ROOT", tmp_path)

    def write(chapter: str, module: str):
        (tmp_path / "chapters" / "7-seven.md").write_text(chapter)
        (tmp_path / "refopt" / "mod.py").write_text(module)
        return labels.problems()
    return write


CHAPTER = "$$a = b \\tag{7.1}$$\n\n$$c = d \\tag{7.2}$$\n\n!source refopt.mod.f\n"


def test_a_book_whose_code_cites_every_tag_passes(book):
    module = '"""Cites (7.1)."""\n\n\ndef f(x):\n    return x * (1.0)  # (7.2): the literal is no label\n'
    assert book(CHAPTER, module) == []


def test_a_cited_label_that_is_no_tag_fails(book):
    module = "def f(x):\n    return x  # (7.1) (7.2) (7.3)\n"
    assert book(CHAPTER, module) == ["refopt/mod.py:2: (7.3) is not a \\tag of 7-seven.md"]


def test_a_tag_no_code_cites_fails_unless_marked(book):
    module = "def f(x):\n    return x  # (7.1)\n"
    assert book(CHAPTER, module) == ["7-seven.md: (7.2) is cited by no module the chapter "
                                     "includes (and not marked <!-- no code: ... -->)"]
    assert book(CHAPTER + "<!-- no code: (7.2) -->\n", module) == []


def test_a_paper_number_in_brackets_is_not_a_label(book):
    module = "def f(x):\n    return x  # (7.1) (7.2) [Moré (5.5)]\n"
    assert book(CHAPTER, module) == []


def test_tags_out_of_order_fail(book):
    chapter = CHAPTER.replace("7.1", "7.x").replace("7.2", "7.1").replace("7.x", "7.2")
    module = "def f(x):\n    return x  # (7.1) (7.2)\n"
    assert book(chapter, module) == ["7-seven.md: tags run 7.2, 7.1; expected 7.1, 7.2"]
