"""Pictures of the knowledge base as SVG text, drawn on the server.

Pure functions: query results in, SVG text out. No JavaScript, no fonts or styles fetched from anywhere;
every mark carries a ``<title>`` (a tooltip for people, text for screen readers) and, where the thing it
stands for has a page, a link to it. The web layer inlines the SVG in pages and serves it as
``image/svg+xml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from rcpkg.roles import lineage

SVG_NS = "http://www.w3.org/2000/svg"

#: Colours of the roles a participant can hold in a process, strongest first. Anything else is "other".
ROLE_COLOURS: dict[str, str] = {
    "member": "#1f5f99",
    "former member": "#8fb3d9",
    "suspended member": "#b7c7d6",
    "observer": "#e08a1e",
    "observer or partner": "#f0b765",
    "partner": "#3b9c5a",
    "chair": "#b03a48",
    "secretariat": "#6b4fa0",
    "other": "#9a8fb3",
}
ROLE_ORDER = list(ROLE_COLOURS)

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
CHAR_WIDTH = 6.4  # average advance of an 11 px sans-serif glyph, to size margins without a font engine


@dataclass(frozen=True)
class Item:
    """One thing drawn in a chart: its IRI (the key), a label to print and the link of its page."""

    key: str
    label: str
    href: str | None = None
    year: int | None = None


def _text_width(text: str, size: float = 11) -> float:
    return len(text) * CHAR_WIDTH * size / 11


def _open_svg(width: float, height: float, title: str, desc: str, ident: str) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="graphics-document" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family={quoteattr(FONT)} font-size="11">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def _link(href: str | None, inner: str) -> str:
    if not href:
        return inner
    return f"<a href={quoteattr(href)}>{inner}</a>"


def _text(item: Item, placement: str) -> str:
    """The label of ``item`` placed by ``placement`` (SVG attributes), linked to its page."""
    return _link(item.href, f"<text {placement}>{escape(item.label)}</text>")


def role_category(role: str, status: str | None = None) -> str:
    """The colour category of a role (``member``, ``observer``...) and status (``former``, ``suspended``): the
    nearest of the role and the roles it is narrower than (``rcpkg.roles``) that has a colour; chairs and
    secretariats of every kind share one."""
    role = role.strip().lower()
    status = (status or "").strip().lower()
    if role == "member":
        if status in ("former", "suspended"):
            return f"{status} member"
        return "member"
    for label in lineage(role):
        if label in ROLE_COLOURS:
            return label
    words = role.replace("-", " ")
    if "chair" in words or "presidency" in words:
        return "chair"
    if "secretariat" in words:
        return "secretariat"
    return "other"


def membership_matrix_svg(
    processes: Sequence[Item],
    participants: Sequence[Item],
    cells: Mapping[tuple[str, str], str],
    *,
    title: str = "Countries by processes",
    ident: str = "matrix",
) -> str:
    """A matrix with one row per participant and one column per process; a coloured square where the
    participant takes part in the process, its colour the role (``cells[(participant, process)]``, a
    category of :data:`ROLE_COLOURS`). Rows and columns are drawn in the order given."""
    cell = 14
    gap = 2
    left = max((_text_width(p.label) for p in participants), default=40) + 12
    top = max((_text_width(p.label) for p in processes), default=40) * 0.72 + 16
    legend_h = 24
    width = left + len(processes) * cell + 8 + 150
    height = top + len(participants) * cell + legend_h + 12
    present = {c for c in cells.values()}
    legend = [r for r in ROLE_ORDER if r in present]
    counts: dict[str, int] = {}
    for c in cells.values():
        counts[c] = counts.get(c, 0) + 1
    desc = (
        f"{len(participants)} rows, {len(processes)} columns, {len(cells)} marked cells: "
        + ", ".join(f"{counts[r]} {r}" for r in legend)
        + "."
    )
    out = _open_svg(width, height, title, desc, ident)
    # Column headers, rotated.
    for j, proc in enumerate(processes):
        x = left + j * cell + cell / 2 + 3
        label = f'<text transform="translate({x:.1f},{top - 6:.1f}) rotate(-50)">{escape(proc.label)}</text>'
        out.append(_link(proc.href, label))
    # Zebra stripes for reading across, then row labels and cells.
    for i, part in enumerate(participants):
        y = top + i * cell
        if i % 2 == 0:
            out.append(
                f'<rect x="0" y="{y:.1f}" width="{left + len(processes) * cell:.1f}" height="{cell}" fill="#f2f4f7"/>'
            )
        label = f'<text x="{left - 6:.1f}" y="{y + cell - 3.5:.1f}" text-anchor="end">{escape(part.label)}</text>'
        out.append(_link(part.href, label))
        for j, proc in enumerate(processes):
            category = cells.get((part.key, proc.key))
            if category is None:
                continue
            colour = ROLE_COLOURS.get(category, ROLE_COLOURS["other"])
            x = left + j * cell
            out.append(
                f'<rect x="{x + gap / 2:.1f}" y="{y + gap / 2:.1f}" '
                f'width="{cell - gap}" height="{cell - gap}" '
                f'fill="{colour}" data-role={quoteattr(category)}>'
                f"<title>{escape(part.label)}: {escape(category)} of {escape(proc.label)}</title></rect>"
            )
    # Grid lines between columns.
    for j in range(len(processes) + 1):
        x = left + j * cell
        out.append(
            f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{top + len(participants) * cell:.1f}" '
            f'stroke="#d5d9e0" stroke-width="0.5"/>'
        )
    ly = top + len(participants) * cell + 16
    lx = 4.0
    for category in legend:
        out.append(
            f'<rect x="{lx:.1f}" y="{ly - 10:.1f}" width="10" height="10" fill="{ROLE_COLOURS[category]}"/>'
            f'<text x="{lx + 14:.1f}" y="{ly - 1:.1f}">{escape(category)}</text>'
        )
        lx += 14 + _text_width(category) + 14
    out.append("</svg>")
    return "\n".join(out)


def shared_members(members: Mapping[str, set[str]], keys: Sequence[str]) -> dict[tuple[str, str], int]:
    """For every ordered pair of processes, the number of participants they share (the diagonal: the
    process's own number of participants)."""
    return {(a, b): len(members.get(a, set()) & members.get(b, set())) for a in keys for b in keys}


def overlap_svg(
    processes: Sequence[Item],
    members: Mapping[str, set[str]],
    *,
    title: str = "Shared members between processes",
    ident: str = "overlap",
) -> str:
    """A square heat map: the cell of row A and column B holds the number of members A and B share,
    darker for more; the diagonal holds each process's own number of members."""
    keys = [p.key for p in processes]
    shared = shared_members(members, keys)
    off_diagonal = [v for (a, b), v in shared.items() if a != b]
    peak = max(off_diagonal, default=0) or 1
    cell = 30
    left = max((_text_width(p.label) for p in processes), default=40) + 12
    top = max((_text_width(p.label) for p in processes), default=40) * 0.72 + 16
    size = len(processes) * cell
    width = left + size + 8
    height = top + size + 8
    pairs = [(a, b, shared[(a.key, b.key)]) for i, a in enumerate(processes) for b in processes[i + 1 :]]
    best = sorted(pairs, key=lambda t: (-t[2], t[0].label, t[1].label))[:1]
    desc = f"{len(processes)} processes; numbers are shared members."
    if best and best[0][2]:
        a, b, n = best[0]
        desc += f" The largest overlap: {a.label} and {b.label} share {n}."
    out = _open_svg(width, height, title, desc, ident)
    for j, proc in enumerate(processes):
        x = left + j * cell + cell / 2 + 3
        out.append(_text(proc, f'transform="translate({x:.1f},{top - 6:.1f}) rotate(-50)"'))
    for i, row in enumerate(processes):
        y = top + i * cell
        out.append(_text(row, f'x="{left - 6:.1f}" y="{y + cell / 2 + 4:.1f}" text-anchor="end"'))
        for j, col in enumerate(processes):
            x = left + j * cell
            n = shared[(row.key, col.key)]
            if i == j:
                fill, ink = "#e6e8ec", "#333"
                tip = f"{row.label}: {n} members"
            else:
                level = n / peak
                fill = _blend("#ffffff", "#1f5f99", level) if n else "#ffffff"
                ink = "#fff" if level > 0.55 else "#222"
                tip = f"{row.label} and {col.label} share {n} members"
            out.append(
                f'<g><rect x="{x:.1f}" y="{y:.1f}" width="{cell}" height="{cell}" fill="{fill}" '
                f'stroke="#d5d9e0" stroke-width="0.5" data-shared="{n}"><title>{escape(tip)}</title></rect>'
                + (
                    f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" text-anchor="middle" '
                    f'fill="{ink}" aria-hidden="true">{n}</text>'
                    if n
                    else ""
                )
                + "</g>"
            )
    out.append("</svg>")
    return "\n".join(out)


def _blend(a: str, b: str, t: float) -> str:
    t = min(max(t, 0.0), 1.0)
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb, strict=True))


def timeline_svg(
    processes: Sequence[Item],
    *,
    as_of: int | None = None,
    title: str = "When each process was founded",
    ident: str = "timeline",
) -> str:
    """One row per process, in order of founding: a dot at the year it was established and a bar from
    there to ``as_of`` (the year the source describes). Processes without a year are listed, not placed."""
    dated = sorted((p for p in processes if p.year is not None), key=lambda p: (p.year, p.label))
    undated = [p for p in processes if p.year is None]
    years = [p.year for p in dated if p.year is not None]
    if as_of is not None:
        years.append(as_of)
    first = (min(years) if years else 2000) - 1
    last = (max(years) if years else 2000) + 1
    row = 22
    left = 16.0
    label_room = max((_text_width(f"{p.label} ({p.year})") for p in processes), default=60) + 12
    plot = max(360.0, (last - first) * 18.0)
    width = left + plot + label_room
    top = 28.0
    height = top + (len(dated) + len(undated)) * row + 12

    def x_of(year: float) -> float:
        return left + (year - first) / (last - first) * plot

    span = f"{min(p.year for p in dated)} to {max(p.year for p in dated)}" if dated else "no years"
    desc = f"{len(dated)} processes founded from {span}."
    out = _open_svg(width, height, title, desc, ident)
    step = 5 if last - first > 12 else 1
    start = first + (-first) % step
    for year in range(start, last + 1, step):
        x = x_of(year)
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 8:.1f}" x2="{x:.1f}" y2="{height - 8:.1f}" stroke="#e1e4ea"/>'
            f'<text x="{x:.1f}" y="{top - 12:.1f}" text-anchor="middle" fill="#555">{year}</text>'
        )
    for i, proc in enumerate(dated):
        y = top + i * row + row / 2
        x = x_of(proc.year or first)
        if as_of is not None and as_of > (proc.year or as_of):
            out.append(
                f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x_of(as_of):.1f}" y2="{y:.1f}" '
                f'stroke="#8fb3d9" stroke-width="4" stroke-linecap="round"/>'
            )
        label_x = max(x_of(as_of) if as_of is not None else x, x) + 10
        out.append(
            _link(
                proc.href,
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="#1f5f99" data-year="{proc.year}">'
                f"<title>{escape(proc.label)}: founded {proc.year}</title></circle>"
                f'<text x="{label_x:.1f}" y="{y + 4:.1f}">{escape(proc.label)} ({proc.year})</text>',
            )
        )
    for k, proc in enumerate(undated):
        y = top + (len(dated) + k) * row + row / 2
        out.append(
            _link(
                proc.href,
                f'<text x="{left:.1f}" y="{y + 4:.1f}">{escape(proc.label)} (year unknown)</text>',
            )
        )
    out.append("</svg>")
    return "\n".join(out)
