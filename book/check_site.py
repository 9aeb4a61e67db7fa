"""Check the built book: it needs nothing from outside itself and every formula is typeset.

    python book/check_site.py SITE_DIR [--browser auto|required|off] [--screenshot PNG]

Static checks, on every built page and stylesheet:

- no script, stylesheet, font or other resource is loaded from another host (``<script src>``,
  ``<link href>``, ``url(...)`` and ``@import`` in CSS), and
- no TeX is left outside the math that MathJax will typeset (a ``$x$`` or ``\\[`` that
  arithmatex did not pick up shows to the reader as TeX source), and every ``\\eqref`` names a
  ``\\label`` on the same page.

Browser checks, with Debian's ``chromium`` in headless mode, every page opened from disk with
host names made unresolvable, so the network cannot help: each page's DOM after MathJax has
run must hold a typeset formula for every piece of math on it, no MathJax error, as many
numbered rows as the page has ``\\tag`` s, no TeX delimiter in its visible text, and the page
must not have asked for any URL outside the book (read from Chromium's network log). One page
is also saved as a screenshot. ``--browser auto`` skips the browser checks, saying so, when no
Chromium is installed; CI passes ``required``.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--host-resolver-rules=MAP * ~NOTFOUND")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
NOT_TEXT = {"script", "style", "code", "pre", "kbd", "samp", "textarea", "svg", "title"}
# <link rel=...> values that name another page rather than load something into this one.
NAVIGATION_RELS = {"prev", "next", "canonical", "alternate", "author", "license", "search", "help"}
OUTSIDE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+(?:url\()?\s*['"]([^'"]+)""", re.I)
TEX_LEFT = re.compile(r"\\[()\[\]]|\$\$|(?<![\w$])\$[^\s$](?:[^$]*[^\s$])?\$(?![\w$])|\\[A-Za-z]+\{")
EQREF = re.compile(r"\\eqref\{([^}]*)\}")
LABEL = re.compile(r"\\label\{([^}]*)\}")
TAG = re.compile(r"\\tag\*?\{")


def is_outside(url: str) -> bool:
    """A URL that leaves the site: with a scheme other than data:, or protocol-relative."""
    return bool(OUTSIDE.match(url)) and not url.lower().startswith(("data:", "file:"))


class PageReader(html.parser.HTMLParser):
    """One pass over a page: the resources it loads, its visible text, and its math elements.

    ``math_class`` marks the elements whose text is math awaiting MathJax (``arithmatex``) in
    a page as built; in a page after MathJax they hold ``mjx-container`` elements instead.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.resources: list[str] = []
        self.visible: list[str] = []
        self.math_text: list[str] = []
        self.math_count = 0
        self.typeset_math = 0
        self.errors = 0
        self.labelled_rows = 0
        self._stack: list[tuple[str, str]] = []   # (tag, role): role is "", "hidden", "math"

    def _role(self, tag: str, attrs: dict) -> str:
        classes = (attrs.get("class") or "").split()
        if tag in NOT_TEXT or tag.startswith("mjx-"):
            return "hidden"
        if "arithmatex" in classes:
            return "math"
        return ""

    def _inside(self, role: str) -> bool:
        return any(r == role for _, r in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._note_resources(tag, attrs)
        if tag == "mjx-container" and self._inside("math"):
            self.typeset_math += 1
        if attrs.get("data-mml-node") == "merror":
            self.errors += 1
        if attrs.get("data-mml-node") == "mlabeledtr":
            self.labelled_rows += 1
        role = self._role(tag, attrs)
        if role == "math":
            self.math_count += 1
        if tag not in VOID:
            self._stack.append((tag, role))

    def handle_startendtag(self, tag, attrs):
        attrs = dict(attrs)
        self._note_resources(tag, attrs)
        if attrs.get("data-mml-node") == "merror":
            self.errors += 1

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data):
        if self._inside("hidden"):
            return
        (self.math_text if self._inside("math") else self.visible).append(data)

    def _note_resources(self, tag, attrs):
        if tag in ("script", "img", "iframe", "embed", "source", "audio", "video") and attrs.get("src"):
            self.resources.append(attrs["src"])
        if tag == "object" and attrs.get("data"):
            self.resources.append(attrs["data"])
        if tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if not rels or rels - NAVIGATION_RELS:
                self.resources.append(attrs["href"])
        if attrs.get("style"):
            self.resources += css_urls(attrs["style"])


def read_page(text: str) -> PageReader:
    reader = PageReader()
    reader.feed(text)
    reader.close()
    return reader


def css_urls(css: str) -> list[str]:
    return [a or b for a, b in CSS_URL.findall(css)]


def inline_styles(text: str) -> list[str]:
    return re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S | re.I)


def outside_resources(text: str) -> list[str]:
    """Resources a page (HTML) loads from outside the site."""
    urls = read_page(text).resources + [u for css in inline_styles(text) for u in css_urls(css)]
    return sorted({u for u in urls if is_outside(u)})


def tex_left_over(strings: list[str]) -> list[str]:
    """Pieces of TeX found in text that should hold none, with a little context."""
    text = " ".join(strings)
    return [text[max(m.start() - 30, 0):m.end() + 30].strip() for m in TEX_LEFT.finditer(text)]


def dangling_eqrefs(text: str) -> list[str]:
    """``\\eqref`` names without a ``\\label`` on the same page (MathJax shows them as ???)."""
    return sorted(set(EQREF.findall(text)) - set(LABEL.findall(text)))


def check_built_page(text: str) -> list[str]:
    """Problems of one page as mkdocs wrote it."""
    reader = read_page(text)
    problems = [f"loads {url} from outside the book" for url in outside_resources(text)]
    problems += [f"TeX outside the math MathJax typesets: …{s}…" for s in tex_left_over(reader.visible)]
    problems += [f"\\eqref{{{name}}} has no \\label on this page" for name in dangling_eqrefs(text)]
    return problems


def check_rendered_page(text: str, built: str) -> list[str]:
    """Problems of one page's DOM after MathJax, against the page as built."""
    before, after = read_page(built), read_page(text)
    problems = []
    if after.math_count != before.math_count or after.typeset_math < after.math_count:
        problems.append(f"{after.typeset_math} of {before.math_count} formulas typeset")
    if after.errors:
        problems.append(f"{after.errors} MathJax errors (red TeX in the page)")
    tags = sum(len(TAG.findall(s)) for s in before.math_text)
    if after.labelled_rows != tags:
        problems.append(f"{after.labelled_rows} numbered equations shown, {tags} \\tag in the page")
    problems += [f"TeX left in the visible text: …{s}…" for s in tex_left_over(after.visible + after.math_text)]
    return problems


def check_css(text: str) -> list[str]:
    return [f"loads {u} from outside the book" for u in sorted(set(css_urls(text))) if is_outside(u)]


def static_problems(site: pathlib.Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(site.rglob("*.html")) + sorted(site.rglob("*.css")):
        text = path.read_text(encoding="utf-8", errors="replace")
        problems = check_css(text) if path.suffix == ".css" else check_built_page(text)
        if problems:
            found[path.relative_to(site).as_posix()] = problems
    return found


# -- the browser ----------------------------------------------------------------------------

def find_chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


def page_requests(netlog: pathlib.Path) -> list[str]:
    """URLs the page itself asked the network for.

    Chromium also makes requests of its own (update and account checks) that the flags do not
    all silence; the network log tells them apart: their initiator is "not an origin", while a
    page's requests carry the page's origin ("null" for a file).
    """
    try:
        log = json.loads(netlog.read_text())
    except (OSError, ValueError):
        text = netlog.read_text().rstrip().rstrip(",")   # a log cut short lacks its closing
        log = json.loads(text + ("]}" if not text.endswith("}") else ""))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted({e["params"]["url"] for e in log["events"]
                   if e["type"] == start and e["params"].get("initiator") != "not an origin"
                   and re.match(r"(https?|wss?)://", e["params"].get("url", ""))})


def chromium(browser: str, url: str, work: pathlib.Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(dir=work)
    return subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra, url],
                          capture_output=True, text=True, timeout=180)


def rendered(browser: str, page: pathlib.Path, work: pathlib.Path) -> tuple[str, list[str]]:
    """The page's DOM once its scripts have run, and the outside URLs it requested."""
    netlog = work / f"{page.stem}.netlog.json"
    done = chromium(browser, page.as_uri(), work, "--virtual-time-budget=30000",
                    f"--log-net-log={netlog}", "--dump-dom")
    if done.returncode != 0 or "<html" not in done.stdout:
        raise RuntimeError(f"chromium failed on {page.name}: {done.stderr[-2000:]}")
    return done.stdout, page_requests(netlog)


def screenshot(browser: str, page: pathlib.Path, png: pathlib.Path, work: pathlib.Path) -> None:
    png.parent.mkdir(parents=True, exist_ok=True)
    chromium(browser, page.as_uri(), work, "--virtual-time-budget=30000", "--window-size=1280,1800",
             "--hide-scrollbars", f"--screenshot={png.resolve()}")
    if not png.is_file() or png.stat().st_size == 0:
        raise RuntimeError(f"chromium wrote no screenshot of {page.name}")


def browser_problems(site: pathlib.Path, browser: str, shot_page: str, png: pathlib.Path | None):
    found = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for page in sorted(site.glob("*.html")):
            dom, requests = rendered(browser, page, work)
            problems = check_rendered_page(dom, page.read_text(encoding="utf-8"))
            problems += [f"requested {url} from outside the book" for url in requests]
            if problems:
                found[page.name] = problems
            print(f"  {page.name}: {read_page(dom).typeset_math} formulas typeset"
                  + ("" if not problems else f", {len(problems)} problems"))
        if png is not None:
            screenshot(browser, site / shot_page, png, work)
            print(f"  screenshot of {shot_page}: {png}")
    return found


def report(title: str, found: dict[str, list[str]]) -> int:
    for name, problems in found.items():
        for problem in problems:
            print(f"{name}: {problem}")
    print(f"{title}: {'no problems' if not found else f'problems on {len(found)} pages'}")
    return len(found)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=lambda p: pathlib.Path(p).resolve())
    parser.add_argument("--browser", choices=("auto", "required", "off"), default="auto")
    parser.add_argument("--page", default="10-levenberg-marquardt.html", help="the page to screenshot")
    parser.add_argument("--screenshot", type=pathlib.Path)
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"{args.site} holds no built book (no index.html)")
    failed = report("static checks", static_problems(args.site))
    browser = find_chromium() if args.browser != "off" else None
    if browser is None and args.browser == "required":
        print("no chromium found (Debian: apt-get install chromium)")
        return 1
    if browser is None:
        print("browser checks skipped" + (" (no chromium found)" if args.browser == "auto" else ""))
    else:
        failed += report("browser checks", browser_problems(args.site, browser, args.page, args.screenshot))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
