"""The built site as a reader's browser sees it: every page loads offline and clean, every link lands.

The site is built once (as ``test_book`` does, into a temporary directory), served on 127.0.0.1 and opened
page by page in Debian's headless Chromium through Playwright, at 1024 px. Any request to another host is
blocked and reported, so the test needs no network and proves the site needs none. Full-page screenshots of
the chapter pages go to ``_build/screenshots/`` (git-ignored) for a person to look at.

Needs ``/usr/bin/chromium`` (Debian: ``apt-get install -y --no-install-recommends chromium``) and the
``playwright`` Python package (in the ``test`` extra; never ``playwright install``: the system Chromium is
used). ``FRAGILITY_SKIP_BROWSER=1`` skips these tests where no browser can be installed.
``FRAGILITY_SITE_HTML=DIR`` checks an already built ``_build/html`` instead of building one.
"""
from __future__ import annotations

import functools
import os
import posixpath
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from fragility_core.book import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTH = 1024
HEIGHT = 800
SCREENSHOTS = ROOT / "_build" / "screenshots"
INSTALL = ("the browser test needs Debian's Chromium and the playwright package: "
           "`apt-get install -y --no-install-recommends chromium` and "
           "`.venv/bin/pip install -c constraints.txt -e \".[test]\"` (do not run `playwright install`); "
           "set FRAGILITY_SKIP_BROWSER=1 to skip it")

# What the page reports about itself once loaded: every element id, every link, every table that does not fit.
PAGE_FACTS = """() => {
  const width = document.documentElement.clientWidth;
  const ids = Array.from(document.querySelectorAll('[id]'), e => e.id)
      .concat(Array.from(document.querySelectorAll('a[name]'), e => e.getAttribute('name')));
  const links = Array.from(document.querySelectorAll('a[href]'), a => a.href);
  const wide = [];
  document.querySelectorAll('table').forEach((t, i) => {
    const r = t.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 0.5) {
      const caption = t.querySelector('caption');
      const section = t.closest('section[id]');
      wide.push({index: i, right: Math.round(r.right), width: Math.round(r.width),
                 caption: caption ? caption.innerText.trim().slice(0, 80) : '',
                 section: section ? section.id : ''});
    }
  });
  return {width, ids, links, wide, text: document.body.innerText};
}"""


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):   # no access log on the test's output
        pass


@pytest.fixture(scope="module")
def html_dir(tmp_path_factory) -> Path:
    """The site, built once for this module (``-W -n --keep-going``, like ``test_book``)."""
    given = os.environ.get("FRAGILITY_SITE_HTML")
    if given:
        return Path(given)
    out_dir = tmp_path_factory.mktemp("site")
    jb = Path(sys.executable).with_name("jupyter-book")
    out = subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output",
                          str(out_dir)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    return out_dir / "_build" / "html"


@pytest.fixture(scope="module")
def server(html_dir):
    """``http.server`` on 127.0.0.1, an ephemeral port, in a thread."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html_dir)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    if os.environ.get("FRAGILITY_SKIP_BROWSER") == "1":
        pytest.skip("FRAGILITY_SKIP_BROWSER=1")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: {INSTALL}", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"the playwright package is missing: {INSTALL}", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def page_paths(html_dir: Path) -> list[str]:
    """Every HTML page of the site, as URL paths (``/book/intro.html``)."""
    return sorted("/" + p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html")
                  if not p.relative_to(html_dir).parts[0].startswith("_"))


@pytest.fixture(scope="module")
def visits(browser, html_dir, server) -> dict[str, dict]:
    """Open every page once; record what it requested, logged and reported (see ``PAGE_FACTS``)."""
    host = urlsplit(server).netloc
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, service_workers="block")
    current: dict = {}

    def route(route):   # nothing leaves the machine: another host is blocked and recorded
        url = route.request.url
        if urlsplit(url).netloc == host:
            route.continue_()
        else:
            current["external"].append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and current["console"].append(
        f"{m.text} ({m.location.get('url', '')}:{m.location.get('lineNumber', '')})"))
    page.on("pageerror", lambda e: current["console"].append(f"uncaught: {e}"))
    page.on("requestfailed", lambda r: urlsplit(r.url).netloc == host and current["failed"].append(
        f"{r.url}: {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and current["failed"].append(f"{r.url}: HTTP {r.status}"))

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    results = {}
    for path in page_paths(html_dir):
        current = results[path] = {"external": [], "console": [], "failed": []}
        page.goto(server + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        final = urlsplit(page.url).path   # index.html redirects to the root page
        current.update(page.evaluate(PAGE_FACTS), final=final)
        if final.startswith("/book/chapters/") and final == path:
            page.screenshot(path=str(SCREENSHOTS / f"{Path(path).stem}.png"), full_page=True)
    context.close()
    return results


def test_every_page_loads_without_console_errors_or_failed_requests(visits):
    bad = {p: v["console"] + v["failed"] for p, v in visits.items() if v["console"] or v["failed"]}
    assert not bad, bad


def test_no_page_requests_another_host(visits):
    """No CDN, font, analytics or thebe request: the site works offline."""
    bad = {p: sorted(set(v["external"])) for p, v in visits.items() if v["external"]}
    assert not bad, bad


def test_every_internal_link_and_anchor_resolves(visits, html_dir, server):
    host = urlsplit(server).netloc
    ids = {v["final"]: set(v["ids"]) for v in visits.values()}
    broken = []
    for path, visit in visits.items():
        for href in sorted(set(visit["links"])):
            url = urlsplit(href)
            if url.scheme not in ("http", "https") or url.netloc != host:
                continue   # external links are allowed (the doi.org references); they are not loaded
            target = posixpath.normpath(unquote(url.path))
            if url.path.endswith("/"):
                target += "/index.html"
            if not (html_dir / target.lstrip("/")).is_file():
                broken.append(f"{path}: {href} (no such file)")
            elif url.fragment and target.endswith(".html"):
                if target not in ids:
                    broken.append(f"{path}: {href} (page not visited)")
                elif unquote(url.fragment) not in ids[target]:
                    broken.append(f"{path}: {href} (no id {url.fragment!r} in {target})")
    assert not broken, "\n".join(broken)


def test_every_table_fits_a_1024_px_window(visits):
    wide = {p: v["wide"] for p, v in visits.items() if v["wide"]}
    assert not wide, f"tables wider than the {WIDTH} px window: {wide}"


def test_the_verdict_formula_is_rendered_and_each_decision_has_an_anchor(browser, visits, server):
    page = visits["/book/protocol_decisions.html"]
    assert "\\sqrt" not in page["text"] and "\\text" not in page["text"]   # no raw LaTeX
    for n in (1, 2, 3, 10, 16, 23, 24, 29, 33, 44):
        assert f"decision-a{n}" in page["ids"], n
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    context.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1"
                  else r.abort("blockedbyclient"))
    tab = context.new_page()
    tab.goto(server + "/book/protocol_decisions.html#decision-a16", wait_until="load")
    # the formula is typeset natively (MathML): the radical is drawn, wider than tall text would be
    box = tab.locator("math.verdict-formula").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 15, box
    context.close()
