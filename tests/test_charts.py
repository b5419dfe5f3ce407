"""The SVG pictures: well-formed, one mark per fact, labels escaped, links and tooltips present."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rcpkg.charts import (
    ROLE_COLOURS,
    Item,
    membership_matrix_svg,
    overlap_svg,
    role_category,
    shared_members,
    timeline_svg,
)

NS = {"svg": "http://www.w3.org/2000/svg"}

BALI = Item("p:bali", "Bali Process", "/id/process/bali-process", 2002)
BUDA = Item("p:buda", "Budapest Process", "/id/process/budapest-process", 1991)
SODE = Item("p:sode", "Söderköping Process", "/id/process/soderkoping-process", 2001)
HUN = Item("c:hun", "Hungary", "/id/country/hun")
AUS = Item("c:aus", "Australia", "/id/country/aus")
ODD = Item("c:odd", "Trinidad & <Tobago>", None)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def test_role_category_names_former_and_suspended_members():
    assert role_category("member") == "member"
    assert role_category("Member", "former") == "former member"
    assert role_category("member", "suspended") == "suspended member"
    assert role_category("observer", "current") == "observer"
    assert role_category("secretariat-support") == "secretariat"
    assert role_category("invited-observer") == "observer"
    assert role_category("observer-or-partner") == "observer or partner"
    assert role_category("cooperation-partner") == "partner"
    assert role_category("co-chair") == "chair"
    assert role_category("thematic-coordinator") == "other"


def test_matrix_draws_one_square_per_participation_in_its_role_colour():
    cells = {("c:hun", "p:buda"): "member", ("c:hun", "p:sode"): "member", ("c:aus", "p:bali"): "observer"}
    root = parse(membership_matrix_svg([BUDA, SODE, BALI], [AUS, HUN], cells))
    marks = root.findall(".//svg:rect[@data-role]", NS)
    assert len(marks) == 3
    assert sorted(m.get("data-role") for m in marks) == ["member", "member", "observer"]
    by_title = {m.find("svg:title", NS).text: m.get("fill") for m in marks}
    assert by_title["Hungary: member of Budapest Process"] == ROLE_COLOURS["member"]
    assert by_title["Australia: observer of Bali Process"] == ROLE_COLOURS["observer"]


def test_matrix_labels_link_to_the_pages_of_processes_and_countries():
    root = parse(membership_matrix_svg([BUDA], [HUN], {("c:hun", "p:buda"): "member"}))
    hrefs = {a.get("href") for a in root.findall(".//svg:a", NS)}
    assert hrefs == {"/id/process/budapest-process", "/id/country/hun"}


def test_matrix_has_accessible_title_description_and_legend_of_roles_present():
    cells = {("c:hun", "p:buda"): "member", ("c:aus", "p:bali"): "former member"}
    svg = membership_matrix_svg([BUDA, BALI], [AUS, HUN], cells, title="Who takes part")
    root = parse(svg)
    assert root.get("role") == "graphics-document"
    assert root.get("aria-labelledby") == "matrix-title matrix-desc"
    assert root.find("svg:title", NS).text == "Who takes part"
    assert "1 member" in root.find("svg:desc", NS).text
    legend = [t.text for t in root.findall("svg:text", NS)]
    assert "member" in legend and "former member" in legend and "observer" not in legend


def test_matrix_escapes_labels():
    svg = membership_matrix_svg([BUDA], [ODD], {("c:odd", "p:buda"): "member"})
    root = parse(svg)  # would raise on an unescaped "<" or "&"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Trinidad & <Tobago>" in texts


def test_shared_members_counts_the_intersection_of_each_pair():
    members = {"a": {"x", "y", "z"}, "b": {"y", "z", "w"}, "c": set()}
    shared = shared_members(members, ["a", "b", "c"])
    assert shared[("a", "b")] == shared[("b", "a")] == 2
    assert shared[("a", "a")] == 3
    assert shared[("a", "c")] == 0


def test_overlap_prints_the_shared_count_in_each_cell_and_names_the_largest_overlap():
    members = {"p:buda": {"c:hun", "c:pol", "c:ukr"}, "p:sode": {"c:hun", "c:pol"}, "p:bali": {"c:aus"}}
    root = parse(overlap_svg([BUDA, SODE, BALI], members))
    cells = root.findall(".//svg:rect[@data-shared]", NS)
    assert len(cells) == 9
    values = [int(c.get("data-shared")) for c in cells]
    assert values == [3, 2, 0, 2, 2, 0, 0, 0, 1]
    assert "Budapest Process and Söderköping Process share 2" in root.find("svg:desc", NS).text
    tips = {c.find("svg:title", NS).text for c in cells}
    assert "Budapest Process and Söderköping Process share 2 members" in tips
    # the darkest off-diagonal cell is the largest overlap
    fills = {c.find("svg:title", NS).text: c.get("fill") for c in cells}
    assert fills["Budapest Process and Bali Process share 0 members"] == "#ffffff"
    assert fills["Budapest Process and Söderköping Process share 2 members"] == "#1f5f99"


def test_timeline_orders_processes_by_founding_year_and_lists_undated_ones():
    undated = Item("p:x", "Unknown Process", None, None)
    root = parse(timeline_svg([BALI, BUDA, SODE, undated], as_of=2008))
    dots = root.findall(".//svg:circle", NS)
    assert [int(d.get("data-year")) for d in dots] == [1991, 2001, 2002]
    xs = [float(d.get("cx")) for d in dots]
    assert xs == sorted(xs) and xs[0] < xs[1] < xs[2]
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Budapest Process (1991)" in texts
    assert "Unknown Process (year unknown)" in texts
    assert root.find("svg:desc", NS).text == "3 processes founded from 1991 to 2002."


def test_timeline_ticks_cover_the_years_drawn():
    root = parse(timeline_svg([BUDA, BALI], as_of=2008))
    ticks = [int(t.text) for t in root.findall("svg:text", NS) if t.text and t.text.isdigit()]
    assert min(ticks) <= 1991 and max(ticks) >= 2005


def test_role_order_and_hierarchy_come_from_the_schemes():
    from rdflib import Graph
    from rdflib.namespace import SKOS

    from rcpkg import paths, roles
    from rcpkg.namespaces import ID, SH

    schemes = Graph().parse(paths.ontology_dir() / "schemes.ttl")
    concepts = sorted(schemes.subjects(SKOS.inScheme, ID["role"]), key=lambda c: int(schemes.value(c, SH.order)))
    keys = [str(c).rsplit("/", 1)[-1] for c in concepts]
    assert keys[0] == "member" and len(keys) == 19
    assert sorted(keys, key=roles.role_rank) == keys
    assert roles.role_rank("no-such-role") > roles.role_rank(keys[-1])
    assert [roles.status_rank(k) for k in ("current", "suspended", "former", "")] == [0, 1, 2, 3]
    assert roles.lineage("invited-observer") == ["invited observer", "observer", "observer or partner"]
    assert role_category("cooperation-partner") == "partner"
