"""In a real browser: a process profile's summary and map (a linked shape per member government, its name on
hover and on keyboard focus), a country's locator map, the world map of the home page; screenshots of the
three at desktop and phone widths under tests/screenshots/."""

from __future__ import annotations

import urllib.request


def _governments_with_shape(site, process: str) -> int:
    """The member governments of ``process`` that the map draws, by the server's own map text."""
    with urllib.request.urlopen(site.url + f"doc/id/process/{process}.html") as r:
        html = r.read().decode()
    return html.count('class="map-member"')


def test_a_process_profile_opens_with_its_summary_and_a_map_of_its_members(site, page, screenshots):
    page.goto(site.url + "id/process/budapest-process")
    summary = page.locator("dl.summary")
    assert "Founded" in summary.inner_text() and "Members" in summary.inner_text()
    assert page.locator("h2").first.inner_text() == "In brief"
    shapes = page.locator("figure.map svg a.map-area:has(path.map-member)")
    assert shapes.count() > 30
    assert shapes.count() == _governments_with_shape(site, "budapest-process")
    hrefs = shapes.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert all("/id/country/" in h or "/id/territory/" in h for h in hrefs)
    hungary = page.locator('figure.map a.map-area[href$="/id/country/hun"]')
    assert hungary.locator("title").text_content() == "Hungary"
    label = hungary.locator("text.map-name")
    assert not label.is_visible()
    hungary.hover()
    assert label.is_visible() and label.text_content() == "Hungary"
    page.mouse.move(0, 0)
    hungary.focus()
    assert label.is_visible()
    assert page.locator("#all-statements a").get_attribute("href") == "?view=statements"  # the generic view
    page.screenshot(path=str(screenshots / "process-desktop.png"), full_page=True)


def test_a_country_page_has_a_locator_map_and_its_processes(site, page, screenshots):
    page.goto(site.url + "id/country/hun")
    assert page.locator("svg.world-map.locator path.map-focus").count() == 1
    assert page.locator("#takes-part").count() == 1
    page.screenshot(path=str(screenshots / "country-desktop.png"), full_page=True)


def test_the_home_map_colours_governments_by_their_processes(site, page, screenshots):
    page.goto(site.url)
    assert page.locator("#world-map ~ svg a.map-area").count() > 100
    assert page.locator("ul.legend li").count() >= 3
    page.screenshot(path=str(screenshots / "home-desktop.png"), full_page=True)


def test_profile_pages_fit_a_phone(site, browser, screenshots):
    # not is_mobile: a mobile viewport widens to fit what overflows, which would hide the overflow measured here
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        for path, name in (("", "home"), ("id/process/budapest-process", "process"), ("id/country/hun", "country")):
            page.goto(site.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
            page.screenshot(path=str(screenshots / f"{name}-phone.png"), full_page=True)
    finally:
        context.close()


def test_a_country_page_switches_its_names_to_french(site, page):
    page.goto(site.url + "id/country/hun")
    assert page.locator("h1").inner_text() == "Hungary"
    page.locator("nav.languages").get_by_role("link", name="Français").click()
    assert page.url.endswith("?lang=fr")
    assert page.locator("h1").inner_text() == "Hongrie"
    assert page.locator("h1").get_attribute("lang") == "fr"
    # a process has no French label: its English name is marked as English
    process = page.locator('section:has(#takes-part) a[href$="/id/process/budapest-process"]').first
    assert process.get_attribute("lang") == "en"
    # the header chooses the same, and the answer says that it varies with it
    reply = page.request.get(site.url + "doc/id/country/hun.html", headers={"Accept-Language": "fr-CH, fr;q=0.9"})
    assert '<h1 lang="fr">Hongrie</h1>' in reply.text()
    assert "Accept-Language" in reply.headers["vary"]
    # and the IRI of the thing keeps the language on its way to the page
    page.goto(site.url + "id/country/hun?lang=fr")
    assert page.locator("h1").inner_text() == "Hongrie"
