"""End-to-end: the web pages in Debian's headless Chromium, against the running service.

`regiongraf serve` runs as a subprocess on a free loopback port, over a temporary
REGIONGRAF_HOME built from the real 2025 document (graph, search index, inferred links)
with a write token. Each test drives the pages as a planner would, saves a screenshot
under tests/output/screenshots/ for a reviewer, and runs axe-core on the page
(tests/e2e/node_modules, installed by `npm ci --prefix tests/e2e`): no violations allowed.

Needs /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it) and axe-core;
browsers are never downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from graph.settings import REPO
from tests.conftest import make_settings

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("REGIONGRAF_CHROMIUM", "/usr/bin/chromium"))
AXE = REPO / "tests" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
DATA = Path(__file__).parent / "data"
SHOTS = REPO / "tests" / "output" / "screenshots"
TOKEN = "e2e-hemmelig-token"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
QUESTION = "Hva gjør vi for å få flere til å sykle?"

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} finnes ikke: installer Debians chromium (apt-get install chromium) for nettlesertestene",
                allow_module_level=True)
if not AXE.exists():
    pytest.skip(f"axe-core mangler ({AXE}): kjør `npm ci --prefix tests/e2e`", allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="Pythons playwright-pakke mangler")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 (loopback only)
        r.read()
        return r.status


@pytest.fixture(scope="module")
def site(indexed_home, tmp_path_factory):
    """Base URL of a running `regiongraf serve` over its own copy of the built, indexed graph."""
    home = tmp_path_factory.mktemp("e2e") / "home"
    shutil.copytree(indexed_home.home, home, ignore=shutil.ignore_patterns("models"))
    settings = make_settings(home)
    port = _free_port()
    env = os.environ | {
        "REGIONGRAF_HOME": str(home), "REGIONGRAF_MODELS": str(settings.models_dir),
        "REGIONGRAF_TOKEN": TOKEN, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
    }
    env.pop("REGIONGRAF_BASE", None)
    log = (tmp_path_factory.mktemp("e2e-log") / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "serve", "--port", str(port), "--no-access-log",
         "--log-level", "warning"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base + "/health") == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"regiongraf serve startet ikke (se {log.name})")
            time.sleep(0.2)
        _get(base + "/?q=sykkel", timeout=180)  # loads the search model once, before the clock matters
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="nb-NO")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def check(page, name: str) -> None:
    """Screenshot for the reviewer, then axe-core: the page must have no accessibility violations."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")
    assert result == [], f"axe fant brudd på {page.url}: {result}"


def test_search_shows_cards_with_marked_terms(page, site):
    page.goto(site + "/")
    check(page, "01-forside")
    page.get_by_label("Hva leter du etter?").fill(QUESTION)
    page.get_by_role("button", name="Søk").click()
    page.wait_for_url(re.compile(r"\?q="))
    cards = page.locator("ol.hits > li.card")
    assert cards.count() >= 5
    # Where each hit sits, and the matched words marked: "sykle" marks "sykkel".
    assert page.locator("ol.hits dl.where").first.is_visible()
    marks = [m.lower() for m in page.locator("ol.hits mark").all_inner_texts()]
    assert any(m.startswith("sykkel") or m.startswith("sykl") for m in marks), marks
    check(page, "02-sok-sykle")


def test_search_filters(page, site):
    page.goto(site + "/?q=kraft")
    page.get_by_label("Type").select_option("measure")
    page.get_by_label("Tema").select_option("5.1")
    page.get_by_role("button", name="Søk").click()
    page.wait_for_url(re.compile(r"focus_area=5\.1"))
    types = page.locator("ol.hits .meta .type").all_inner_texts()
    assert types and set(types) == {"Tiltak"}
    assert "Kraft" in page.locator("ol.hits dl.where").first.inner_text()
    check(page, "03-sok-filter")


def test_search_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(site + "/")
        pg.get_by_label("Hva leter du etter?").fill("ren Oslofjord")
        pg.get_by_role("button", name="Søk").click()
        pg.wait_for_url(re.compile(r"\?q="))
        assert pg.locator("ol.hits > li.card").count() >= 3
    finally:
        context.close()


def test_open_a_node_and_follow_links(page, site):
    page.goto(site + "/?q=" + "strategi for sykkel og gange")
    first = page.locator("ol.hits > li.card h3 a").first
    first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.locator("h1").is_visible()
    # Where it sits, its links grouped, the neighbourhood picture, lignende tiltak, its RDF.
    assert page.locator("#plassering").is_visible()
    picture = page.locator("figure.neighbourhood svg")
    assert picture.count() == 1
    assert page.locator("#lignende").is_visible()
    assert page.get_by_role("link", name="Turtle").first.get_attribute("href").endswith(".ttl")
    check(page, "04-node")

    # Follow a link drawn in the picture: each box opens its own node page.
    here = page.url
    box = picture.locator("a").nth(0)
    target = box.get_attribute("xlink:href") or box.get_attribute("href")
    if target and target in here:
        box = picture.locator("a").nth(1)
    box.click()
    page.wait_for_url(lambda url: url != here and "/doc/" in url)
    assert page.locator("h1").is_visible()
    check(page, "05-node-via-bilde")

    # And a link in the text: the focus area the node belongs to.
    area = page.locator("section[aria-labelledby=plassering] dd a").nth(1)
    name = area.inner_text()
    area.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.locator("h1").inner_text().strip() == name.strip()
    check(page, "06-node-lenke")


def test_overlaps_across_actors_and_clusters(page, site):
    page.goto(site + "/overlapp")
    assert page.locator("li.pair-card").count() >= 1
    check(page, "07-overlapp")
    page.get_by_label("Vis", exact=True).select_option("clusters")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_url(re.compile(r"view=clusters"))
    check(page, "08-overlapp-grupper")
    page.goto(site + "/overlapp?actor=kraftgruppen")
    cards = page.locator("li.pair-card")
    assert cards.count() >= 1
    assert "Kraftgruppen" in cards.first.inner_text()
    assert cards.first.locator("mark").count() >= 1  # the shared terms are marked
    assert "Hvorfor" in cards.first.inner_text()


def test_gaps(page, site):
    page.goto(site + "/hull")
    assert page.locator("#omrader").is_visible() and page.locator("#strategier").is_visible()
    check(page, "09-hull")


def test_import_refused_with_row_and_field(page, site):
    page.goto(site + "/import")
    check(page, "10-import-skjema")
    page.get_by_label("Fil med listen").set_input_files(str(DATA / "refused.csv"))
    page.get_by_label("Aktøren som eier listen").fill("Testkommune")
    page.get_by_label("Token").fill(TOKEN)
    page.get_by_role("button", name="Importer").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    text = alert.inner_text()
    assert "avvist" in text and "linje 3" in text and "title" in text, text
    check(page, "11-import-avvist")


def test_import_needs_the_token(page, site):
    page.goto(site + "/import")
    page.get_by_label("Fil med listen").set_input_files(str(DATA / "partner.csv"))
    page.get_by_label("Aktøren som eier listen").fill("Testkommune")
    page.get_by_label("Token").fill("feil-token")
    page.get_by_role("button", name="Importer").click()
    assert "Feil token" in page.get_by_role("alert").inner_text()


def test_import_with_token_shows_its_overlaps(page, site):
    page.goto(site + "/import")
    page.get_by_label("Fil med listen").set_input_files(str(DATA / "partner.csv"))
    page.get_by_label("Aktøren som eier listen").fill("Viken fylkeskommune")
    page.get_by_label("Token").fill(TOKEN)
    with page.expect_navigation(timeout=180_000):
        page.get_by_role("button", name="Importer").click()
    status = page.get_by_role("status")
    assert "Importert: 3 initiativer fra Viken fylkeskommune" in status.inner_text()
    pairs = page.locator("#overlapp ~ ol li.pair-card")
    assert pairs.count() >= 1
    assert "Viken fylkeskommune" in pairs.first.inner_text()
    check(page, "12-import-ok")
    report = page.get_by_role("link", name="Overlapprapport for Viken fylkeskommune").get_attribute("href")
    page.get_by_role("link", name=re.compile("Se alle overlapp for")).click()
    page.wait_for_url(re.compile(r"/overlapp\?actor="))
    assert page.locator("li.pair-card").count() >= 1
    check(page, "13-overlapp-importert")
    # The import page's link to the list's overlap report: one row per item.
    page.goto(site + report)
    rows = page.locator("table.report tbody tr")
    assert rows.count() == 3
    assert "Energistasjoner for tungtransport" in rows.first.inner_text()
    assert page.get_by_role("link", name="CSV (regneark)").is_visible()
    check(page, "18-overlapprapport")


def test_data_and_sparql_pages(page, site):
    page.goto(site + "/data")
    for name in ("regiongraf.ttl", "regiongraf.jsonld", "regiongraf.trig", "tiltak.csv"):
        assert page.get_by_role("link", name=name).first.is_visible()
    assert page.get_by_role("link", name=re.compile("Katalogbeskrivelse")).is_visible()
    check(page, "14-data")
    page.get_by_role("link", name=re.compile("SPARQL-endepunkt")).click()
    page.wait_for_url(re.compile(r"/sparql"))
    check(page, "15-sparql")


def test_keyboard_focus_is_visible(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const e = document.activeElement, s = getComputedStyle(e);
        return {text: e.textContent.trim(), outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                left: e.getBoundingClientRect().left};
    }""")
    assert focused["text"] == "Hopp til hovedinnholdet" and focused["left"] >= 0, focused
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_accept_a_pair_on_the_overlap_page(page, site):
    """A planner with the token accepts a proposed pair: no JavaScript needed, the pair comes back
    confirmed at the top, and the decision is linked data served by /api/reviews."""
    import json

    page.goto(site + "/overlapp")
    card = page.locator("li.pair-card").first
    a_label = card.locator(".pair h3").first.inner_text()
    card.locator("summary", has_text="Vurder paret").click()
    card.get_by_label("Merknad (valgfritt)").fill("Samme forslag; slås sammen")
    card.get_by_label("Navn (valgfritt)").fill("Kari Nordmann")
    card.get_by_label("Token").fill(TOKEN)
    check(page, "16-overlapp-vurder")
    with page.expect_navigation(timeout=180_000):
        card.get_by_role("button", name="Godta").click()
    page.wait_for_url(re.compile(r"vurdert=accept"))
    assert "paret er godtatt" in page.get_by_role("status").inner_text()
    first = page.locator("li.pair-card").first
    text = first.inner_text()
    assert "Bekreftet" in text and "Godtatt av Kari Nordmann" in text and "Samme forslag; slås sammen" in text
    assert first.locator(".pair h3").first.inner_text() == a_label
    check(page, "17-overlapp-godtatt")
    with urllib.request.urlopen(site + "/api/reviews", timeout=10) as r:  # noqa: S310 (loopback only)
        reviews = json.loads(r.read())
    assert [(x["decision"], x["by"], x["active"]) for x in reviews] == [("accept", "Kari Nordmann", True)]
