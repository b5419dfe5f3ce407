"""The maps: the Equal Earth projection against its published figures, the committed shapes, and what a map
draws (one linked shape per area that has one; an area without a shape listed, never dropped)."""

from __future__ import annotations

import hashlib
import math

import pytest

from rcpkg import maps, paths
from rcpkg.tables import read


def test_equal_earth_bounds_are_the_published_ones():
    # Šavrič, Patterson and Jenny (2018): the map is 2.7066 wide at the equator (each side) and 1.3174 high.
    x, y = maps.equal_earth(180, 0)
    assert x == pytest.approx(2.70663, abs=1e-4) and y == 0
    x, y = maps.equal_earth(0, 90)
    assert x == 0 and y == pytest.approx(1.31736, abs=1e-4)
    assert maps.equal_earth(-30, -45) == pytest.approx(tuple(-v for v in maps.equal_earth(30, 45)))


def _area(lon0: float, lat0: float, step: float) -> float:
    """The projected area of a small cell of the sphere (shoelace formula)."""
    corners = [(lon0, lat0), (lon0 + step, lat0), (lon0 + step, lat0 + step), (lon0, lat0 + step)]
    pts = [maps.equal_earth(lon, lat) for lon, lat in corners]
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True))) / 2


@pytest.mark.parametrize("lat", [0, 20, 40, 60, 80])
def test_equal_earth_keeps_areas(lat):
    """A cell's projected area over its area on the unit sphere is the same at every latitude."""
    step = 0.5
    sphere = math.radians(step) * (math.sin(math.radians(lat + step)) - math.sin(math.radians(lat)))
    assert _area(10, lat, step) / sphere == pytest.approx(1.0, rel=2e-3)


def test_the_committed_shapes_are_the_packages_file():
    path = paths.reference_dir() / maps.TOPOLOGY
    readme = (paths.reference_dir() / "README.md").read_text("utf-8")
    assert hashlib.sha256(path.read_bytes()).hexdigest() in readme


def test_every_shape_with_a_code_is_a_country_of_the_reference_table():
    codes = {row["numeric"] for _n, row in read(paths.reference_dir() / "countries.csv", ("numeric",))}
    drawn = {code for code in maps.shapes() if not code.startswith("-")}
    assert len(drawn) > 170
    assert drawn <= codes, drawn - codes


def test_a_map_draws_one_linked_shape_per_area_and_lists_the_areas_it_cannot_draw():
    areas = [
        maps.Area("348", "Hungary", "member", "/id/country/hun"),
        maps.Area("250", "France", "observer", "/id/country/fra"),
        maps.Area("492", "Monaco", "member", "/id/country/mco"),  # too small for the 1:110m shapes
    ]
    drawing = maps.world_svg(areas, title="A test & its map")
    assert [a.name for a in drawing.drawn] == ["France", "Hungary"]
    assert [a.name for a in drawing.missing] == ["Monaco"]
    assert drawing.svg.count('<a class="map-area"') == 2
    assert '<a class="map-area" href="/id/country/hun"><title>Hungary</title><path class="map-member"' in drawing.svg
    assert "A test &amp; its map" in drawing.svg
    assert "style=" not in drawing.svg


def test_a_locator_map_is_cropped_around_its_country():
    whole = maps.world_svg([], title="world").svg
    locator = maps.world_svg([maps.Area("348", "Hungary", "focus")], title="Hungary", focus="348").svg
    width = lambda svg: float(svg.split('viewBox="', 1)[1].split('"', 1)[0].split()[2])  # noqa: E731
    assert width(locator) < width(whole) / 3
