"""Search by name: labels, other names and acronyms, case- and accent-insensitive.

"soderkoping" finds the Söderköping Process, "BP" and "Bali" find the Bali Process ("BP" as the initials
of one of its names). The index is built once per loaded knowledge base from its labels; matching and
ranking are pure functions of the folded text, tested without a server.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import Blueprint, Response, jsonify, render_template, request

from rcpkg.web.context import caches, get_config, get_store, local_href
from rcpkg.web.labels import index
from rcpkg.web.negotiation import best_of

# Letters that Unicode decomposition leaves alone but a person typing on an English keyboard spells so.
_SPELLED = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "ı": "i",
        "’": "'",
    }
)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_SMALL_WORDS = frozenset({"of", "and", "on", "the", "for", "in", "to", "a", "an", "de", "la", "del", "y", "et"})

MAX_QUERY_LENGTH = 200


def fold(text: str) -> str:
    """Lower-case, without accents or punctuation, words separated by one space."""
    text = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def initials(text: str) -> str:
    """The first letters of a name's words, small words left out: "Bali Process" -> "bp",
    "Regional Conference on Migration" -> "rcm"."""
    return "".join(w[0] for w in fold(text).split() if w not in _SMALL_WORDS)


# Which kinds of things come first when two match equally well.
KIND_ORDER = ("process", "country", "organization", "group", "theme", "region", "role", "status")


@dataclass(frozen=True)
class Entry:
    """A thing that can be found: its IRI, the label to show, its kind (the first segment of its path
    under id/, e.g. ``process``) and every name it is known by."""

    iri: str
    label: str
    kind: str
    names: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: int
    matched: str


@dataclass
class SearchIndex:
    entries: list[Entry]
    _folded: list[tuple[Entry, list[tuple[str, str, str, str]]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._folded = []
        for entry in self.entries:
            keys = []
            for name in dict.fromkeys((entry.label, *entry.names)):
                keys.append(("name", name, fold(name), initials(name)))
            for acronym in dict.fromkeys(entry.acronyms):
                keys.append(("acronym", acronym, fold(acronym), ""))
            self._folded.append((entry, keys))

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, query: str, limit: int = 50) -> list[Hit]:
        """Entries matching every word of ``query``, best first: exact acronym or name, then names that
        start with it, initials, names with words starting with each word, names containing it."""
        q = fold(query[:MAX_QUERY_LENGTH])
        if not q:
            return []
        words = q.split()
        hits = []
        for entry, keys in self._folded:
            best, matched = 0, ""
            for how, original, folded, letters in keys:
                score = _score(how, folded, letters, q, words)
                if score > best:
                    best, matched = score, original
            if best:
                hits.append(Hit(entry, best, matched))
        hits.sort(key=lambda h: (-h.score, _kind_rank(h.entry.kind), fold(h.entry.label), h.entry.iri))
        return hits[:limit]


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _score(how: str, folded: str, letters: str, q: str, words: list[str]) -> int:
    if folded == q:
        return 100 if how == "acronym" else 95
    if how == "name" and " " not in q and len(q) >= 2 and letters == q:
        return 75
    if folded.startswith(q):
        return 80 if how == "acronym" else 70
    name_words = folded.split()
    if all(any(w.startswith(word) for w in name_words) for word in words):
        return 60
    if all(word in folded for word in words):
        return 40
    return 0


def entries_from_rows(rows: Iterable[tuple[str, str, str]], base: str) -> list[Entry]:
    """Group (IRI, property kind, text) rows into entries. Property kind is ``label`` (the preferred
    label), ``name`` (another name) or ``acronym``. The kind of an entry is the first path segment of its
    IRI under ``{base}id/``."""
    labels: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    acronyms: dict[str, list[str]] = {}
    for iri, prop, text in rows:
        if prop == "label":
            labels.setdefault(iri, []).append(text)
            names.setdefault(iri, []).append(text)
        elif prop == "acronym":
            acronyms.setdefault(iri, []).append(text)
        else:
            names.setdefault(iri, []).append(text)
    out = []
    prefix = base + "id/"
    for iri in sorted(set(names) | set(acronyms)):
        kind = iri[len(prefix) :].split("/", 1)[0] if iri.startswith(prefix) else "other"
        all_names = sorted(set(names.get(iri, [])))
        # A thing with several preferred labels shows the first in order, so pages are stable.
        label = min(labels[iri]) if iri in labels else (all_names[0] if all_names else acronyms[iri][0])
        out.append(Entry(iri, label, kind, tuple(all_names), tuple(sorted(set(acronyms.get(iri, []))))))
    return out


# ------------------------------------------------------------------------------------------ the page

bp = Blueprint("search", __name__)


def current_index() -> SearchIndex:
    """The search index of the running application's knowledge base (built on first use)."""
    store = get_store()
    base = get_config().base_iri
    return caches().indexes.get_or_make(
        ("search", store.data_hash, base), lambda: SearchIndex(entries_from_rows(index(store, base).names, base))
    )


def _plain(status: int, message: str) -> Response:
    return Response(f"{status} {message}\n", status=status, content_type="text/plain; charset=utf-8")


@bp.route("/search", methods=["GET", "HEAD"])
def search_page() -> Response:
    """``/search?q=...``: an HTML list of matches; ``format=json`` (or ``Accept: application/json``): JSON."""
    query = request.args.get("q", "")
    if len(query) > MAX_QUERY_LENGTH:
        return _plain(400, f"Bad Request: a search is at most {MAX_QUERY_LENGTH} characters")
    wanted = request.args.get("format")
    if wanted is None:
        best = best_of(request.headers.get("Accept"), ["text/html", "application/json"], default="text/html")
        wanted = "json" if best == "application/json" else "html"
    if wanted not in ("html", "json"):
        return _plain(400, "Bad Request: format is html or json")
    hits = current_index().search(query) if query.strip() else []
    if wanted == "json":
        response = jsonify(
            {
                "query": query,
                "results": [
                    {"iri": h.entry.iri, "label": h.entry.label, "kind": h.entry.kind, "matched": h.matched}
                    for h in hits
                ],
            }
        )
    else:
        rows = [
            {
                "href": local_href(h.entry.iri),
                "hit": h,
                "also": h.matched if h.matched != h.entry.label else None,
            }
            for h in hits
        ]
        page = render_template("search.html", q=query, rows=rows)
        response = Response(page, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response
