"""The book builds quietly: what a chapter's code prints is shown in the chapter, not on the
terminal of whoever runs ``mkdocs build``.

markdown-exec captures ``print`` called by the block's own code, not text that a library
function writes to ``sys.stdout`` itself -- ``report_fit``, ``disp=True``, ``verbose=`` -- so
such a call must sit inside ``contextlib.redirect_stdout`` (chapter 31's fit report once
went to the terminal).
"""

from __future__ import annotations

import pathlib
import re

import pytest

CHAPTERS = sorted((pathlib.Path(__file__).resolve().parent.parent / "chapters").glob("*.md"))
EXEC_BLOCK = re.compile(r"^```python[^\n]*exec=\"(?:on|true|1)\"[^\n]*\n(.*?)^```", re.M | re.S)
# verbose 1 and 2 print (3 is refused); disp prints a summary
PRINTS_ITSELF = re.compile(r"\breport_(?:fit|errors|ci)\(|\bverbose\s*=\s*[12]\b|"
                           r"\bdisp\s*=\s*(?:True|[1-9])|[\"']disp[\"']\s*:\s*(?:True|[1-9])|"
                           r"\bpretty_print\(")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_printing_calls_are_captured(chapter):
    for block in EXEC_BLOCK.findall(chapter.read_text()):
        if PRINTS_ITSELF.search(block):
            assert "redirect_stdout" in block, block[:200]


def test_the_rule_sees_a_bare_report():
    text = '```python exec="on" result="text"\nreport_fit(result)\n```\n'
    (block,) = EXEC_BLOCK.findall(text)
    assert PRINTS_ITSELF.search(block) and "redirect_stdout" not in block
