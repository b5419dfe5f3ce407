"""Roles and statuses of memberships as ``ontology/schemes.ttl`` states them: the order pages list them in
(``sh:order``) and the hierarchy of roles (``skos:broader``). Keys are the last segment of the concept's IRI
(``id/role/invited-observer`` -> ``invited-observer``)."""

from __future__ import annotations

from rdflib import Graph
from rdflib.namespace import SKOS

from rcpkg import paths
from rcpkg.namespaces import ID, SH


def _key(iri: object) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _load() -> tuple[dict[str, int], dict[str, int], dict[str, str], dict[str, str]]:
    g = Graph().parse(paths.ontology_dir() / "schemes.ttl", format="turtle")
    roles: dict[str, int] = {}
    statuses: dict[str, int] = {}
    broader: dict[str, str] = {}
    labels: dict[str, str] = {}
    for scheme, order in ((ID["role"], roles), (ID["status"], statuses)):
        for concept in g.subjects(SKOS.inScheme, scheme):
            value = g.value(concept, SH.order)
            if value is not None:
                order[_key(concept)] = int(value)
            if order is roles:
                labels[_key(concept)] = str(g.value(concept, SKOS.prefLabel) or _key(concept))
                parent = g.value(concept, SKOS.broader)
                if parent is not None:
                    broader[_key(concept)] = _key(parent)
    return roles, statuses, broader, labels


_ROLE_ORDER, _STATUS_ORDER, _BROADER, _LABELS = _load()


def role_rank(key: str) -> tuple[int, str]:
    """Sort key of a role: its ``sh:order``, roles without one last, then by key."""
    return (_ROLE_ORDER.get(key, len(_ROLE_ORDER)), key)


def status_rank(key: str) -> int:
    """Sort key of a status (current, suspended, former); unknown statuses last."""
    return _STATUS_ORDER.get(key, len(_STATUS_ORDER))


def lineage(key: str) -> list[str]:
    """The labels of a role and of the roles it is narrower than, nearest first
    (``invited-observer`` -> invited observer, observer, observer or partner)."""
    out = []
    seen = set()
    while key and key not in seen:
        seen.add(key)
        out.append(_LABELS.get(key, key.replace("-", " ")))
        key = _BROADER.get(key, "")
    return out
