"""Content negotiation, the one place the web layer reads ``Accept`` and ``Accept-Encoding``: werkzeug
parses the headers (``parse_list_header`` and ``parse_options_header`` for Accept; ``Accept`` and
``MIMEAccept`` for Accept-Encoding and the search page); the formats are ``rcpkg.formats``.

Two rules, one per kind of answer:

* A query result (``for_query``): the client's media ranges best first (q-value, then the more specific,
  then the order written); the first that names a format the query form can be written in, by its media type
  or an alias, or by a wildcard (the first format of the group that the client did not exclude with q=0)
  wins. HTML is chosen only when named. ``format=`` (a short name or a media type) overrides Accept.
* A document (``for_document``, and the service description and VoID): every format gets the q-value of the
  most specific range matching it or one of its aliases; the highest wins, the first format on ties.
"""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.datastructures import Accept, LanguageAccept, MIMEAccept
from werkzeug.http import parse_accept_header, parse_list_header, parse_options_header

from rcpkg import formats
from rcpkg.formats import GRAPHS, HTML, RESULTS, Format
from rcpkg.store import ASK, SELECT, NotAcceptable

Ranges = list[tuple[str, float]]


class UnknownFormat(ValueError):
    """A ``format=`` name no format has."""


def ranges(header: str | None) -> Ranges:
    """The media ranges of an Accept header with their q-values (parameters dropped), best first: higher q,
    then more specific, then in the client's order. No header (or a blank one) means ``*/*``. werkzeug's
    parsers split the header; a q-value is clamped to [0, 1] and one that is not a number counts as 0 (as
    the protocol's clients have always been answered here), and a malformed range is skipped."""
    if not header or not header.strip():
        return [("*/*", 1.0)]
    items = []
    for part in parse_list_header(header):
        media_range, options = parse_options_header(part)
        media_range = media_range.strip().lower()
        if "/" not in media_range:
            continue
        try:
            q = min(max(float(options.get("q", "1")), 0.0), 1.0)
        except ValueError:
            q = 0.0
        items.append((media_range, q if q == q else 0.0))  # NaN counts as 0 too
    return sorted(items, key=lambda r: (-r[1], -_specificity(r[0])))  # stable: the client's order among equals


def _specificity(media_range: str) -> int:
    return 0 if media_range == "*/*" else 1 if media_range.endswith("/*") else 2


def offers(form: str) -> tuple[Format, ...]:
    """The formats a query form can be written in, preferred first."""
    return RESULTS if form in (SELECT, ASK) else GRAPHS


def _available(group: Sequence[Format]) -> list[str]:
    return [f.media_type for f in group]


def for_query(form: str, accept: str | None, format_name: str | None = None, html: bool = True) -> Format:
    """The format of the answer to a query of ``form``. NotAcceptable (406) when no requested format can
    express it; UnknownFormat (400) for an unknown ``format=`` name."""
    own = offers(form)
    extra = (HTML,) if html else ()
    if format_name:
        name = format_name.strip().lower()
        if "/" in name:
            accept = name
        else:
            chosen = formats.by_name(name, (*own, *extra))
            if chosen is None:
                if name not in formats.NAMES:
                    raise UnknownFormat(
                        f"unknown format {format_name!r}; formats: {', '.join(formats.NAMES)} or a media type"
                    )
                raise NotAcceptable(
                    f"format={format_name} cannot express a {form} result; available: "
                    + ", ".join(_available((*own, *extra))),
                    available=_available((*own, *extra)),
                )
            return chosen
    client = ranges(accept)
    excluded = {m for m, q in client if q <= 0}
    for media_range, q in client:
        if q <= 0:
            continue
        if media_range.endswith("/*"):
            major = "" if media_range == "*/*" else media_range[:-1]
            candidate = next((f for f in own if f.media_type.startswith(major) and f.media_type not in excluded), None)
        elif extra and media_range == HTML.media_type:
            candidate = HTML
        else:
            candidate = formats.by_media_type(media_range, own)
        if candidate is not None and candidate.media_type not in excluded:
            return candidate
    available = _available((*own, *extra))
    raise NotAcceptable(
        f"none of the requested media types ({accept}) can express a {form} result; available: " + ", ".join(available),
        available=available,
    )


def for_document(accept: str | None, offered: Sequence[Format]) -> Format | None:
    """The format of ``offered`` the client ranks highest (the first on ties), or None when it excludes
    them all."""
    client = ranges(accept)
    best: tuple[float, Format] | None = None
    for fmt in offered:
        q = _quality({fmt.media_type, *fmt.aliases}, client)
        if q > 0 and (best is None or q > best[0]):
            best = (q, fmt)
    return best[1] if best else None


def _quality(names: set[str], client: Ranges) -> float:
    """The q-value the client gives any of ``names``: the most specific matching range wins."""
    best_specificity, quality = -1, 0.0
    for media_range, q in client:
        if media_range in names:
            specificity = 2
        elif media_range.endswith("/*") and any(n.startswith(media_range[:-1]) for n in names):
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity or (specificity == best_specificity and q > quality):
            best_specificity, quality = specificity, q
    return quality


def first_named(accept: str | None, offered: Sequence[Format], default: Format) -> Format | None:
    """The format of the first range (best first) naming one of ``offered`` by its media type (HTML also as
    XHTML); ``default`` when a wildcard comes first; None when nothing acceptable is named (the service
    description's rule)."""
    for media_range, q in ranges(accept):
        if q <= 0:
            continue
        named = [f for f in offered if f.media_type == media_range or (f is HTML and f.known_as(media_range))]
        found = named[0] if named else None
        if found is not None:
            return found
        if media_range in ("*/*", "text/*"):
            return default
    return None


def wants_html(accept: str | None) -> bool:
    """True when the client ranks text/html above every other media type (a browser)."""
    for media_range, q in ranges(accept):
        if q > 0:
            return HTML.known_as(media_range)
    return False


def wants_json(accept: str | None) -> bool:
    """True when the client names application/json and does not prefer HTML."""
    return any(m == "application/json" and q > 0 for m, q in ranges(accept)) and not wants_html(accept)


def accepts_gzip(header: str | None) -> bool:
    """True when an Accept-Encoding header allows gzip (``gzip;q=0`` does not)."""
    return parse_accept_header(header, Accept)["gzip"] > 0


def best_of(accept: str | None, media_types: Sequence[str], default: str) -> str:
    """werkzeug's ``MIMEAccept.best_match``: the media type of ``media_types`` the client prefers."""
    return parse_accept_header(accept, MIMEAccept).best_match(media_types, default=default)


LABEL_LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")  # the six UN languages the labels are written in


def label_language(chosen: str | None, accept_language: str | None) -> str:
    """The language of the labels on a page: ``?lang=`` when it names one of ``LABEL_LANGUAGES`` (its primary
    subtag: ``zh-Hans`` is ``zh``), else the best of them the ``Accept-Language`` header asks for (werkzeug's
    ``LanguageAccept``), else English."""
    if chosen:
        primary = chosen.strip().lower().split("-", 1)[0]
        if primary in LABEL_LANGUAGES:
            return primary
    if accept_language:
        header = parse_accept_header(accept_language, LanguageAccept)
        best = None
        for value, quality in header:
            primary = value.lower().split("-", 1)[0]
            if quality > 0 and primary in LABEL_LANGUAGES:
                best = primary
                break
        if best:
            return best
    return "en"
