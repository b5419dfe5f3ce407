"""In a real browser: the home page, an example query run from its form, a process to a member and back,
search for "soderkoping", pages without JavaScript, and a phone-sized screen."""

from __future__ import annotations

import re


def test_home_page_shows_the_dataset_pictures_and_questions(site, page, screenshots):
    page.goto(site.url)
    assert page.locator("h1").inner_text().startswith("Regional Consultative Processes")
    assert page.locator("figure.chart svg").count() == 3
    assert page.locator("ol.examples > li").count() >= 5
    page.screenshot(path=str(screenshots / "home.png"), full_page=True)


def test_an_example_query_runs_from_the_home_page_and_shows_its_table(site, page):
    page.goto(site.url)
    first = page.locator("ol.examples > li").first
    with page.expect_navigation():
        first.get_by_role("button", name=re.compile("Run the query")).click()
    assert page.url.endswith("/sparql")
    table = page.locator("table#result")
    table.wait_for()
    assert table.locator("thead th").count() >= 1
    assert table.locator("tbody tr").count() >= 1


def test_the_query_form_answers_a_table_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site.url)
        query = "SELECT ?p WHERE { ?p a <https://w3id.org/rcpkg/ontology#RegionalConsultativeProcess> }"
        page.fill("#query-text", query)
        page.select_option("#query-format", "html")
        with page.expect_navigation():
            page.get_by_role("button", name="Run query", exact=True).click()
        rows = page.locator("table#result tbody tr")
        assert rows.count() == 14
    finally:
        context.close()


def test_follow_a_process_to_a_member_and_back(site, page, screenshots):
    page.goto(site.url + "id/process/budapest-process")
    assert page.locator("h1").inner_text() == "Budapest Process"
    assert page.url.endswith("/doc/id/process/budapest-process.html")
    page.screenshot(path=str(screenshots / "process.png"), full_page=True)
    members = page.locator("#participants").locator("xpath=..").locator("table").first
    with page.expect_navigation():
        members.get_by_role("link", name="Hungary", exact=True).click()
    assert page.locator("h1").inner_text() == "Hungary"
    takes_part = page.locator("section[aria-labelledby=takes-part]")
    assert takes_part.get_by_role("link", name="Budapest Process", exact=True).count() >= 1
    with page.expect_navigation():
        takes_part.get_by_role("link", name="Budapest Process", exact=True).first.click()
    assert page.locator("h1").inner_text() == "Budapest Process"


def test_search_for_soderkoping_finds_the_soderkoping_process(site, page):
    page.goto(site.url)
    page.fill("#site-search", "soderkoping")
    with page.expect_navigation():
        page.press("#site-search", "Enter")
    results = page.locator("#results li")
    assert results.count() >= 1
    assert "Söderköping Process" in results.first.inner_text()
    with page.expect_navigation():
        results.first.get_by_role("link").click()
    assert page.url.endswith("/doc/id/process/soderkoping-process.html")
    assert "Söderköping" in page.content()


def test_pages_fit_a_phone_screen_without_sideways_scrolling(site, browser, screenshots):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    try:
        for path, name in (("", "home-phone"), ("id/process/bali-process", "process-phone"), ("id/country/hun", None)):
            page.goto(site.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
            if name:
                page.screenshot(path=str(screenshots / f"{name}.png"))
    finally:
        context.close()


def test_every_page_works_under_its_content_security_policy(site, page):
    """The pages' stylesheets, pictures and forms are all allowed by the policy the server sends: the browser
    reports no violation and the styles apply."""
    refused: list[str] = []
    page.on("console", lambda message: message.type == "error" and refused.append(message.text))
    for path in (
        "",
        "id/process/budapest-process",
        "ontology",
        "search?q=bali",
        "dumps/",
        "sparql",
        "sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%203&format=html",
        "charts/timeline.svg",
        "nowhere",
    ):
        response = page.goto(site.url + path)
        assert "default-src 'none'" in response.headers["content-security-policy"], path
        if not path.startswith("charts/"):
            font = page.evaluate("getComputedStyle(document.body).fontFamily")
            assert "system-ui" in font or "sans" in font, (path, font)
    assert [m for m in refused if "Content Security Policy" in m] == []
    page.goto(site.url)
    assert page.locator("figure.chart svg").count() == 3
