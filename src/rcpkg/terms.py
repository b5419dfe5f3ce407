"""RDF terms between rdflib and pyoxigraph: the one place that converts them (the store answers pages with
rdflib terms; the dumps are written by pyoxigraph from rdflib graphs)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from rcpkg.errors import QueryError

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def language_tag(tag: str) -> str:
    """The one spelling of a language tag in every output: lower case ("zh-hans"). BCP 47 tags are
    case-insensitive, and pyoxigraph lowercases every tag it reads, so the store's answers and every file it
    writes (N-Triples, N-Quads, TriG, JSON-LD) say "zh-hans" whatever the input said; lower case is the one
    spelling that can be the same in the Turtle files too."""
    return tag.lower()


def to_rdflib(term: object) -> Node:
    """The rdflib term of a pyoxigraph NamedNode, BlankNode or Literal."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=language_tag(term.language))
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise QueryError(f"unsupported term {term!r}")


def to_oxigraph(value: object) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term of an rdflib term (a plain ``str`` is an IRI); pyoxigraph terms pass through.
    QueryError for anything else."""
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
        return value
    if isinstance(value, URIRef) or (isinstance(value, str) and not isinstance(value, Literal | BNode)):
        return ox.NamedNode(str(value))
    if isinstance(value, BNode):
        return ox.BlankNode(str(value))
    if isinstance(value, Literal):
        if value.language:
            return ox.Literal(str(value), language=language_tag(value.language))
        if value.datatype is not None:
            return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
        return ox.Literal(str(value))
    raise QueryError(f"cannot use {value!r} as an RDF term")
