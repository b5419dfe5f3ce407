"""What a query asks for, read from its tokens before any evaluation: its form, the SERVICE endpoints and
FROM graphs it names, whether its answer can be cached, and whether its brackets nest too deep for the
engine's stack. (A later change replaces the tokenizer with a real parser; the interface stays.)"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from rcpkg.store.errors import QueryTooComplex
from rcpkg.store.limits import MAX_QUERY_DEPTH

SELECT, ASK, CONSTRUCT, DESCRIBE = "SELECT", "ASK", "CONSTRUCT", "DESCRIBE"
FORMS = frozenset({SELECT, ASK, CONSTRUCT, DESCRIBE})
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_NONDETERMINISTIC = {"NOW", "RAND", "UUID", "STRUUID"}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:
              (?:[\w\-.:%\\\u00b7\u00c0-\uffff]*[\w\-:%\u00b7\u00c0-\uffff])?)
  | (?P<word>[A-Za-z_][\w]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class QueryInfo:
    """What a query asks for, read from its tokens before any evaluation."""

    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE | UPDATE | "" (no form keyword found)
    services: tuple[str, ...] = ()  # IRIs of SERVICE clauses; "?var" for a variable endpoint
    from_graphs: tuple[str, ...] = ()
    from_named_graphs: tuple[str, ...] = ()
    deterministic: bool = True  # no NOW(), RAND(), UUID(), STRUUID(): the answer can be cached


def _unescape(text: str) -> str:
    """SPARQL applies \\u and \\U escapes to the whole query string before parsing (SPARQL 1.1 §19.2)."""

    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        try:
            return chr(code)
        except (ValueError, OverflowError):  # above U+10FFFF: no character; the engine's parser refuses it
            return m.group(0)

    return _UNICODE_ESCAPE.sub(repl, text)


_OPENING, _CLOSING = frozenset("{(["), frozenset("})]")


#: Queries up to this many characters are remembered (at most ``_REMEMBERED`` of them, so the memory is
#: bounded by their product, 8 Mi characters); longer ones are read each time.
_REMEMBER_CHARS = 4096
_REMEMBERED = 2048


def inspect_query(text: str, max_depth: int = MAX_QUERY_DEPTH) -> QueryInfo:
    """``_inspect``, remembering the answers for short queries (the ones clients repeat)."""
    if len(text) <= _REMEMBER_CHARS:
        return _remembered(text, max_depth)
    return _inspect(text, max_depth)


@functools.lru_cache(maxsize=_REMEMBERED)
def _remembered(text: str, max_depth: int) -> QueryInfo:
    return _inspect(text, max_depth)


def _inspect(text: str, max_depth: int) -> QueryInfo:
    """Read the query form, SERVICE endpoints and FROM graphs from the tokens of ``text``.

    This is deliberately conservative: a word SERVICE anywhere outside strings, IRIs and comments counts,
    so a query cannot hide a SERVICE clause from this check and still reach the engine.

    Raises ``QueryTooComplex`` when brackets ``{ ( [`` (outside strings, IRIs and comments) nest deeper than
    ``max_depth``: the engine would recurse once per level and can exhaust its stack. Every query goes
    through here before it reaches the engine (the CLI, the protocol and ``Store.check``)."""
    source = _unescape(text)
    tokens: list[tuple[str, str]] = []
    depth = 0
    for m in _TOKEN.finditer(source):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        value = m.group()
        if kind == "other":
            if value in _OPENING:
                depth += 1
                if depth > max_depth:
                    line = source.count("\n", 0, m.start()) + 1
                    raise QueryTooComplex(
                        f"brackets {{ ( [ nest more than {max_depth} levels deep (line {line}); "
                        f"at most {max_depth} levels are accepted: flatten the query"
                    )
            elif value in _CLOSING:
                depth = max(0, depth - 1)
        tokens.append((kind, value))
    prefixes: dict[str, str] = {}
    base = ""
    form = ""
    services: list[str] = []
    from_graphs: list[str] = []
    from_named: list[str] = []
    deterministic = True

    def resolve(tok: tuple[str, str]) -> str | None:
        kind, value = tok
        if kind == "iri":
            return urljoin(base, value[1:-1]) if base else value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                return prefixes[prefix] + local.replace("\\", "")
            return value
        if kind == "var":
            return value
        return None

    i = 0
    n = len(tokens)
    while i < n:
        kind, value = tokens[i]
        upper = value.upper() if kind in ("word", "pname") else ""
        if upper == "PREFIX" and i + 2 < n and tokens[i + 1][0] == "pname" and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1][:-1]] = resolve(tokens[i + 2]) or ""
            i += 3
            continue
        if upper == "BASE" and i + 1 < n and tokens[i + 1][0] == "iri":
            base = resolve(tokens[i + 1]) or ""
            i += 2
            continue
        if not form and kind == "word":
            if upper in FORMS:
                form = upper
            elif upper in _UPDATE_WORDS:
                form = "UPDATE"
        if upper == "SERVICE":
            j = i + 1
            if j < n and tokens[j][1].upper() == "SILENT":
                j += 1
            target = resolve(tokens[j]) if j < n else None
            services.append(target or "?")
        elif upper == "FROM" and i + 1 < n:
            if tokens[i + 1][1].upper() == "NAMED" and i + 2 < n:
                from_named.append(resolve(tokens[i + 2]) or tokens[i + 2][1])
                i += 3
                continue
            from_graphs.append(resolve(tokens[i + 1]) or tokens[i + 1][1])
        elif upper in _NONDETERMINISTIC and i + 1 < n and tokens[i + 1][1] == "(":
            deterministic = False
        i += 1
    return QueryInfo(form, tuple(services), tuple(from_graphs), tuple(from_named), deterministic)


def services_read_by_parser(text: str) -> tuple[str, ...] | None:
    """The SERVICE endpoints of ``text`` as rdflib's SPARQL parser reads them (its algebra, after prefixes and
    BASE; ``?name`` for a variable), or None when that parser cannot read the query. A second, independent
    reading of a query that is to be evaluated with network access: the store lets it run only when both
    readings name the same allow-listed endpoints."""
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    try:
        algebra = translateQuery(parseQuery(text)).algebra
    except Exception:  # noqa: BLE001 - any failure of the second reading refuses the query
        return None
    found: list[str] = []
    todo: list[object] = [algebra]
    while todo:
        node = todo.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                found.append(f"?{term}" if isinstance(term, Variable) else str(term))
            todo.extend(node.values())
        elif isinstance(node, list | tuple):
            todo.extend(node)
    return tuple(found)
