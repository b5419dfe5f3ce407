"""World maps drawn on the server as SVG: the country shapes of Natural Earth (``data/reference/
countries-110m.json``, world-atlas's TopoJSON, keyed by UN M49 / ISO 3166-1 numeric code) in the Equal Earth
projection (Šavrič, Patterson and Jenny, 2018), an equal-area projection, so a country's area on the map is
its area on the globe.

``world_svg`` draws every shape; the areas it is given (a numeric code, a category that becomes the CSS class
``map-{category}``, a name, a link) are filled by category, each a link with its name as ``<title>`` and as a
label shown on hover and focus. Areas without a shape at this scale come back in ``Drawing.missing``, for the
page to list: nothing is dropped silently. Presentation is CSS classes only (no ``style`` attributes).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path

from rcpkg import paths

TOPOLOGY = "countries-110m.json"
WIDTH = 1000.0  # SVG user units across the whole world
SOUTH = -58.0  # the map stops here: below are Antarctica's coasts and no member of any process

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth on the unit sphere: longitude and latitude in degrees to (x, y), y growing northwards;
    x spans about ±2.7064 and y about ±1.3173."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


_X_MAX = equal_earth(180.0, 0.0)[0]
_Y_MAX = equal_earth(0.0, 90.0)[1]
_SCALE = WIDTH / (2 * _X_MAX)
_TOP = 0.0
_BOTTOM = (_Y_MAX - equal_earth(0.0, SOUTH)[1]) * _SCALE


def project(lon: float, lat: float) -> tuple[float, float]:
    """Longitude and latitude in degrees to the map's SVG coordinates (x to the right, y downwards)."""
    x, y = equal_earth(lon, lat)
    return (x + _X_MAX) * _SCALE, (_Y_MAX - y) * _SCALE


@dataclass(frozen=True)
class Shape:
    code: str  # UN M49 / ISO 3166-1 numeric, three digits
    name: str  # Natural Earth's name (the page's own label is used where the area is given)
    d: str  # SVG path data in map coordinates
    box: tuple[float, float, float, float]  # min x, min y, max x, max y
    centre: tuple[float, float]  # of the largest ring's bounding box, for the label


def decode(topology: dict) -> list[tuple[str, str, list[list[list[tuple[float, float]]]]]]:
    """The countries of a TopoJSON topology as (code, name, polygons), each polygon a list of rings of
    (longitude, latitude); geometries without an id (disputed areas) keep an empty code."""
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indices: Sequence[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indices:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(points[1:] if out else points)
        return out

    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("type") == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry.get("type") == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [[ring(r) for r in polygon] for polygon in polygons]
        countries.append((str(geometry.get("id", "")), geometry.get("properties", {}).get("name", ""), rings))
    return countries


def _unwrap(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A ring whose longitudes run on across the antimeridian (179, 181, ...) instead of jumping to -179."""
    out = ring[:1]
    shift = 0.0
    for (lon0, _), (lon, lat) in zip(ring, ring[1:], strict=False):
        if lon - lon0 > 180:
            shift -= 360
        elif lon0 - lon > 180:
            shift += 360
        out.append((lon + shift, lat))
    return out


def _copies(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring that crosses the antimeridian, once on each side of the map (the outline clips each)."""
    ring = _unwrap(ring)
    copies = [ring]
    if max(lon for lon, _ in ring) > 180:
        copies.append([(lon - 360, lat) for lon, lat in ring])
    if min(lon for lon, _ in ring) < -180:
        copies.append([(lon + 360, lat) for lon, lat in ring])
    return copies


def outline() -> str:
    """The edge of the map: the meridians ±180° from the pole down to ``SOUTH`` and back."""
    lats = [90.0 - i * (90.0 - SOUTH) / 60 for i in range(61)]
    east = [project(180.0, lat) for lat in lats]
    west = [project(-180.0, lat) for lat in reversed(lats)]
    return "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in east + west) + "Z"


def _path(polygons: list[list[list[tuple[float, float]]]]) -> tuple[str, tuple, tuple]:
    parts = []
    xs: list[float] = []
    ys: list[float] = []
    biggest, centre = -1.0, (0.0, 0.0)
    for polygon in polygons:
        for whole in polygon:
            if len(whole) < 3 or max(lat for _, lat in whole) < SOUTH:
                continue  # below the map (Antarctica)
            for i, r in enumerate(_copies(whole)):
                d = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in (project(lon, lat) for lon, lat in r)) + "Z"
                parts.append(d)
                if i:
                    continue  # the box and the label follow the first copy
                points = [project(lon, lat) for lon, lat in r]
                rx = [min(max(p[0], 0.0), WIDTH) for p in points]
                ry = [p[1] for p in points]
                xs.extend(rx)
                ys.extend(ry)
                size = (max(rx) - min(rx)) * (max(ry) - min(ry))
                if size > biggest:
                    biggest, centre = size, ((max(rx) + min(rx)) / 2, (max(ry) + min(ry)) / 2)
    box = (min(xs), min(ys), max(xs), max(ys)) if xs else (0.0, 0.0, 0.0, 0.0)
    return "".join(parts), box, centre


@lru_cache(maxsize=4)
def shapes(path: Path | None = None) -> dict[str, Shape]:
    """The projected shapes of the committed topology by numeric code (disputed areas without a code under
    ``-{n}``), read once."""
    path = path or paths.reference_dir() / TOPOLOGY
    topology = json.loads(path.read_text("utf-8"))
    out = {}
    for n, (code, name, polygons) in enumerate(decode(topology)):
        d, box, centre = _path(polygons)
        key = code or f"-{n}"
        out[key] = Shape(key, name, d, box, centre)
    return out


@dataclass(frozen=True)
class Area:
    """What a map says of one country or territory."""

    code: str  # ISO 3166-1 numeric
    name: str
    category: str  # CSS class suffix: map-{category}
    href: str | None = None


@dataclass
class Drawing:
    svg: str
    drawn: list[Area] = field(default_factory=list)
    missing: list[Area] = field(default_factory=list)  # areas the map has no shape for


def world_svg(
    areas: Iterable[Area],
    *,
    title: str,
    focus: str | None = None,
    css_class: str = "world-map",
    ident: str = "map",
    shape_table: dict[str, Shape] | None = None,
) -> Drawing:
    """The world with ``areas`` filled and linked. ``focus`` (a numeric code) crops the view around that
    area, for a locator map."""
    table = shapes() if shape_table is None else shape_table
    given: dict[str, Area] = {}
    for area in areas:
        given.setdefault(area.code.zfill(3), area)
    drawn = sorted((a for code, a in given.items() if code in table), key=lambda a: a.name.casefold())
    missing = sorted((a for code, a in given.items() if code not in table), key=lambda a: a.name.casefold())
    view = (0.0, _TOP, WIDTH, _BOTTOM - _TOP)
    if focus and focus.zfill(3) in table:
        x0, y0, x1, y1 = table[focus.zfill(3)].box
        w = max((x1 - x0) * 3, 160.0)
        h = max((y1 - y0) * 3, w / 2)
        w = max(w, h * 1.6)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        x = min(max(cx - w / 2, 0.0), max(WIDTH - w, 0.0))
        y = min(max(cy - h / 2, _TOP), max(_BOTTOM - h, _TOP))
        view = (x, y, min(w, WIDTH), min(h, _BOTTOM - _TOP))
    edge = outline()
    land = "".join(shape.d for code, shape in table.items() if code not in given)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'viewBox="{view[0]:.1f} {view[1]:.1f} {view[2]:.1f} {view[3]:.1f}" aria-labelledby="{ident}-title">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<defs><clipPath id="{ident}-edge"><path d="{edge}"/></clipPath></defs>',
        f'<path class="map-sphere" aria-hidden="true" d="{edge}"/>',
        f'<g clip-path="url(#{ident}-edge)">',
        f'<path class="map-land" aria-hidden="true" d="{land}"/>',
    ]
    for area in sorted(drawn, key=lambda a: a.code):
        shape = table[area.code.zfill(3)]
        name = escape(area.name)
        body = f'<path class="map-{escape(area.category)}" d="{shape.d}"/>'
        x, y = shape.centre
        label = f'<text class="map-name" x="{x:.1f}" y="{y:.1f}">{name}</text>'
        if area.href:
            out.append(f'<a class="map-area" href="{escape(area.href)}"><title>{name}</title>{body}{label}</a>')
        else:
            out.append(f'<g class="map-area"><title>{name}</title>{body}{label}</g>')
    out.append("</g></svg>")
    return Drawing("".join(out), drawn, missing)
