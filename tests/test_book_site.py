"""The built book's checker (book/check_site.py) and the MathJax hook (book/mathjax.py).

The checks must fail on the faults they are there for: a script or a font from a CDN, TeX that
arithmatex did not pick up, a formula MathJax did not typeset, an ``\\eqref`` with no label.
The browser half runs on a tiny page when Chromium is installed (CI installs it).
"""

from __future__ import annotations

import json
import pathlib
import shutil

import pytest

from tests.book_modules import load

ROOT = pathlib.Path(__file__).resolve().parents[1]


check = load("check_site")
mathjax_hook = load("mathjax")

BUILT = """<html><head><link rel="stylesheet" href="assets/main.css"><link rel="next" href="https://x.org/b.html">
<script src="assets/mathjax/tex-svg.js"></script></head><body>
<p>Let <span class="arithmatex">\\(x\\)</span> be <code>$a$ \\(b\\)</code>.</p>
<div class="arithmatex">\\[ f(x) = 0 \\tag{1.1} \\]</div>
<a href="https://example.org/paper">a link is not a resource</a></body></html>"""


def test_a_page_from_local_files_with_all_math_in_arithmatex_passes():
    assert check.check_built_page(BUILT) == []


@pytest.mark.parametrize("tag", [
    '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>',
    '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto">',
    '<link rel="preload" as="font" href="http://x.org/f.woff2">',
    '<style>@import "https://cdn.example.org/theme.css";</style>',
    '<div style="background: url(https://x.org/a.png)"></div>',
])
def test_a_resource_from_another_host_fails(tag):
    problems = check.check_built_page(BUILT.replace("<body>", "<body>" + tag))
    assert len(problems) == 1 and "from outside the book" in problems[0]


def test_css_with_an_outside_font_fails_and_data_uris_pass():
    assert check.check_css("a{background:url(\"data:image/svg+xml;<svg xmlns='http://www.w3.org/2000/svg'/>\")}") == []
    assert check.check_css("@font-face{src:url(https://fonts.gstatic.com/r.woff2)}") != []


@pytest.mark.parametrize("text", ["in \\(x\\) here", "so $x_1$ is", "$$ a = b $$", "see \\frac{a}{b}"])
def test_tex_outside_arithmatex_fails(text):
    problems = check.check_built_page(BUILT.replace("a link is not", f"{text}; a link is not"))
    assert problems and "TeX outside the math" in problems[0]


def test_money_and_code_are_not_tex():
    page = BUILT.replace("a link is not", "it costs $5 and $6; <pre>\\(x\\) $$</pre> a link is not")
    assert check.check_built_page(page) == []


def test_an_eqref_needs_a_label_on_the_same_page():
    page = BUILT.replace("\\tag{1.1}", "\\label{eq:f}").replace("be <code>", "be \\(\\eqref{eq:g}\\) <code>")
    assert check.dangling_eqrefs(page) == ["eq:g"]
    assert check.dangling_eqrefs(page.replace("eq:g", "eq:f")) == []


RENDERED = BUILT.replace(
    '<span class="arithmatex">\\(x\\)</span>',
    '<span class="arithmatex"><mjx-container jax="SVG"><svg><g data-mml-node="mi"></g></svg></mjx-container></span>',
).replace(
    '<div class="arithmatex">\\[ f(x) = 0 \\tag{1.1} \\]</div>',
    '<div class="arithmatex"><mjx-container jax="SVG" display="true"><svg><g data-mml-node="mlabeledtr">'
    '</g></svg><mjx-assistive-mml><math></math></mjx-assistive-mml></mjx-container></div>')


def test_a_page_after_mathjax_passes_when_every_formula_is_typeset():
    assert check.check_rendered_page(RENDERED, BUILT) == []


def test_a_page_where_mathjax_did_not_run_fails():
    problems = check.check_rendered_page(BUILT, BUILT)
    assert any("0 of 2 formulas typeset" in p for p in problems)
    assert any("TeX left in the visible text" in p for p in problems)
    assert any("0 numbered equations shown, 1 \\tag" in p for p in problems)


def test_a_mathjax_error_fails():
    broken = RENDERED.replace('data-mml-node="mi"', 'data-mml-node="merror"')
    assert any("MathJax errors" in p for p in check.check_rendered_page(broken, BUILT))


def test_page_requests_keep_the_pages_own_and_drop_chromiums(tmp_path):
    start = 7
    log = {"constants": {"logEventTypes": {"URL_REQUEST_START_JOB": start}}, "events": [
        {"type": start, "params": {"url": "https://update.googleapis.com/x", "initiator": "not an origin"}},
        {"type": start, "params": {"url": "https://cdn.example.org/x.js", "initiator": "null"}},
        {"type": start, "params": {"url": "file:///site/a.js", "initiator": "null"}},
    ]}
    (tmp_path / "log.json").write_text(json.dumps(log))
    assert check.page_requests(tmp_path / "log.json") == ["https://cdn.example.org/x.js"]


def test_the_hook_serves_mathjax_from_the_installed_package():
    pytest.importorskip("mathjax", reason="the docs extra (django-static-mathjax) is not installed")
    root = mathjax_hook.mathjax_root()
    files = {p.as_posix() for p in mathjax_hook.mathjax_files(root)}
    assert "tex-svg.js" in files and "input/tex/extensions/ams.js" in files


def test_the_book_loads_mathjax_from_itself_only():
    config = (ROOT / "mkdocs.yml").read_text()
    assert f"{mathjax_hook.SITE_DIR}/tex-svg.js" in config
    assert "cdn." not in config and "https://" not in config.split("extra_javascript:")[1]


@pytest.mark.skipif(check.find_chromium() is None, reason="no chromium installed (CI installs it)")
def test_chromium_typesets_a_page_served_from_disk_without_network(tmp_path):
    pytest.importorskip("mathjax", reason="the docs extra (django-static-mathjax) is not installed")
    site = tmp_path / "site"
    shutil.copytree(mathjax_hook.mathjax_root(), site / "mj", ignore=shutil.ignore_patterns("*chtml*", "sre"))
    page = site / "page.html"
    page.write_text(BUILT.replace("assets/mathjax/tex-svg.js", "mj/tex-svg.js").replace(
        "<head>", "<head><script>window.MathJax={tex:{tags:'ams'},options:{ignoreHtmlClass:'.*|',"
                  "processHtmlClass:'arithmatex'}};</script>"))
    dom, requests = check.rendered(check.find_chromium(), page, tmp_path)
    assert check.check_rendered_page(dom, page.read_text()) == []
    assert requests == []


def test_the_books_index_names_only_modules_that_exist():
    import importlib
    import re
    names = set(re.findall(r"`(refopt(?:\.\w+)+)`", (ROOT / "chapters" / "index.md").read_text()))
    missing = [name for name in sorted(names) if importlib.util.find_spec(name) is None]
    assert names and missing == []
