"""Mutation testing of the built knowledge base: single mistakes a person editing data/rcp.ttl (or a bug in a
stage of the pipeline) could make, each applied to the built data graph; validation must fail on every one.

The kill rate is printed at the end of the run (killed / applied). A mutation that survives is either killed
by a new constraint or listed in ACCEPTED with the reason it is acceptable; ACCEPTED is empty today."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS

from rcpkg import validate
from rcpkg.namespaces import ID, RCP, SCHEMA

BUDAPEST = ID["process/budapest-process"]
HUN = ID["country/hun"]
IOM = ID["organization/iom"]
HKG = ID["country/hkg"]
HUN_IN_BUDAPEST = ID["membership/budapest-process/country-hun/member"]
IOM_IN_BUDAPEST = ID["membership/budapest-process/organization-iom/observer-or-partner"]
SUSPENDED = ID["membership/igad-rcp/country-eri/member"]
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
XSD_GYEAR = URIRef("http://www.w3.org/2001/XMLSchema#gYear")
CURRENT, FORMER, SUSPENDED_STATUS = ID["status/current"], ID["status/former"], ID["status/suspended"]


@dataclass
class Mutation:
    name: str
    kind: str  # what sort of mistake it is
    apply: Callable[[Graph], None]


def _replace(s, p, new) -> Callable[[Graph], None]:
    def apply(g: Graph) -> None:
        assert (s, p, None) in g, f"nothing to mutate: {s} {p}"
        g.set((s, p, new))

    return apply


def _drop(s, p, o=None) -> Callable[[Graph], None]:
    def apply(g: Graph) -> None:
        assert (s, p, o) in g, f"nothing to drop: {s} {p} {o}"
        g.remove((s, p, o))

    return apply


def _retype(s, old, new) -> Callable[[Graph], None]:
    def apply(g: Graph) -> None:
        assert (s, RDF.type, old) in g
        g.remove((s, RDF.type, old))
        if new is not None:
            g.add((s, RDF.type, new))

    return apply


def _list_owner(g: Graph, prop):
    """The first process (in IRI order) with at least two items in the list ``prop``."""
    return next(
        p for p in sorted(g.subjects(RDF.type, RCP.RegionalConsultativeProcess)) if len(set(g.objects(p, prop))) >= 2
    )


def _first_item(g: Graph, prop, position: int):
    owner = _list_owner(g, prop)
    return next(i for i in g.objects(owner, prop) if g.value(i, RCP.position) == Literal(position))


def _duplicate_position(g: Graph) -> None:
    second = _first_item(g, RCP.hasMainArea, 2)
    g.set((second, RCP.position, Literal(1)))


def _gap_in_positions(g: Graph) -> None:
    last = max(int(g.value(i, RCP.position)) for i in g.objects(_list_owner(g, RCP.hasPriority), RCP.hasPriority))
    item = _first_item(g, RCP.hasPriority, last)
    g.set((item, RCP.position, Literal(last + 1)))


def _orphan_item(g: Graph) -> None:
    g.remove((_list_owner(g, RCP.hasMainArea), RCP.hasMainArea, _first_item(g, RCP.hasMainArea, 1)))


def _drop_membership(g: Graph) -> None:
    assert (HUN_IN_BUDAPEST, None, None) in g
    g.remove((HUN_IN_BUDAPEST, None, None))


def _one_source_cell(g: Graph):
    return next(iter(sorted(g.subjects(RDF.type, RCP.SourceCell))))


def _make_current(g: Graph) -> None:
    assert (SUSPENDED, RCP.status, SUSPENDED_STATUS) in g
    g.set((SUSPENDED, RCP.status, CURRENT))


def _make_current_with_shortcut(g: Graph) -> None:
    _make_current(g)
    g.add((SUSPENDED, RCP.currentMember, g.value(SUSPENDED, ORG.member)))


def _item_theme(g: Graph, concept) -> None:
    item = next(i for i in g.subjects(DCTERMS.subject, None) if (i, RDF.type, RCP.MainArea) in g)
    g.set((item, DCTERMS.subject, concept))


MUTATIONS = [
    # a required triple dropped
    Mutation("process-label-dropped", "drop a required triple", _drop(BUDAPEST, RDFS.label)),
    Mutation("process-year-dropped", "drop a required triple", _drop(BUDAPEST, RCP.yearEstablished)),
    Mutation("membership-role-dropped", "drop a required triple", _drop(IOM_IN_BUDAPEST, ORG.role)),
    Mutation("membership-status-dropped", "drop a required triple", _drop(IOM_IN_BUDAPEST, RCP.status)),
    Mutation("membership-source-dropped", "drop a required triple", _drop(IOM_IN_BUDAPEST, PROV.wasDerivedFrom)),
    Mutation("current-member-shortcut-dropped", "drop a required triple", _drop(HUN_IN_BUDAPEST, RCP.currentMember)),
    Mutation("membership-dropped", "drop a required triple", _drop_membership),
    Mutation("cell-text-dropped", "drop a required triple", lambda g: _drop(_one_source_cell(g), RCP.sourceText)(g)),
    Mutation(
        "country-geonames-dropped",
        "drop a required triple",
        _drop(HUN, SCHEMA.sameAs, URIRef("https://sws.geonames.org/719819/")),
    ),
    Mutation("territory-state-dropped", "drop a required triple", _drop(HKG, RCP.territoryOf)),
    Mutation("item-orphaned", "drop a required triple", _orphan_item),
    # a datatype changed
    Mutation("year-as-integer", "change a datatype", _replace(BUDAPEST, RCP.yearEstablished, Literal(1993))),
    Mutation(
        "total-as-string",
        "change a datatype",
        _replace(BUDAPEST, RCP.declaredMemberCount, Literal("49", datatype=XSD_STRING)),
    ),
    Mutation(
        "position-as-string",
        "change a datatype",
        lambda g: g.set((_first_item(g, RCP.hasMainArea, 1), RCP.position, Literal("1"))),
    ),
    Mutation(
        "label-without-language", "change a datatype", _replace(BUDAPEST, RDFS.label, Literal("Budapest Process"))
    ),
    Mutation(
        "label-in-french",
        "change a datatype",
        _replace(BUDAPEST, RDFS.label, Literal("Processus de Budapest", lang="fr")),
    ),
    Mutation("numeric-code-as-integer", "change a datatype", _replace(HUN, RCP.iso3166Numeric, Literal(348))),
    # a node retyped or untyped
    Mutation("organisation-untyped", "retype a node", _retype(IOM, RCP.Organization, None)),
    Mutation("country-retyped-organisation", "retype a node", _retype(HUN, RCP.Country, RCP.Organization)),
    Mutation("membership-untyped", "retype a node", _retype(IOM_IN_BUDAPEST, ORG.Membership, None)),
    Mutation(
        "process-retyped-footnote-group",
        "retype a node",
        _retype(BUDAPEST, RCP.RegionalConsultativeProcess, RCP.OtherRegionalGroupOnMigration),
    ),
    Mutation("source-cell-untyped", "retype a node", lambda g: _retype(_one_source_cell(g), RCP.SourceCell, None)(g)),
    Mutation(
        "main-area-retyped-priority",
        "retype a node",
        lambda g: _retype(_first_item(g, RCP.hasMainArea, 1), RCP.MainArea, RCP.Priority)(g),
    ),
    # a link pointing at the wrong kind of thing
    Mutation(
        "member-described-nowhere",
        "point a link at the wrong kind of thing",
        _replace(IOM_IN_BUDAPEST, ORG.member, ID["organization/described-nowhere"]),
    ),
    Mutation(
        "member-is-a-source-cell",
        "point a link at the wrong kind of thing",
        lambda g: _replace(IOM_IN_BUDAPEST, ORG.member, _one_source_cell(g))(g),
    ),
    Mutation(
        "member-is-another-country",
        "point a link at the wrong kind of thing",
        _replace(IOM_IN_BUDAPEST, ORG.member, HUN),
    ),
    Mutation(
        "membership-of-a-country",
        "point a link at the wrong kind of thing",
        _replace(IOM_IN_BUDAPEST, ORG.organization, HUN),
    ),
    Mutation(
        "membership-of-another-process",
        "point a link at the wrong kind of thing",
        _replace(IOM_IN_BUDAPEST, ORG.organization, ID["process/igc"]),
    ),
    Mutation(
        "role-is-a-status", "point a link at the wrong kind of thing", _replace(IOM_IN_BUDAPEST, ORG.role, CURRENT)
    ),
    Mutation(
        "role-changed",
        "point a link at the wrong kind of thing",
        _replace(IOM_IN_BUDAPEST, ORG.role, ID["role/observer"]),
    ),
    Mutation(
        "status-is-a-role",
        "point a link at the wrong kind of thing",
        _replace(IOM_IN_BUDAPEST, RCP.status, ID["role/member"]),
    ),
    Mutation(
        "group-is-a-country",
        "point a link at the wrong kind of thing",
        lambda g: _replace(next(g.subjects(RCP.viaGroup, None)), RCP.viaGroup, HUN)(g),
    ),
    Mutation(
        "theme-is-a-region", "point a link at the wrong kind of thing", lambda g: _item_theme(g, ID["region/africa"])
    ),
    Mutation("theme-is-a-role", "point a link at the wrong kind of thing", lambda g: _item_theme(g, ID["role/member"])),
    Mutation(
        "region-is-a-theme",
        "point a link at the wrong kind of thing",
        _replace(BUDAPEST, RCP.region, ID["theme/asylum"]),
    ),
    Mutation(
        "territory-of-a-territory",
        "point a link at the wrong kind of thing",
        _replace(HKG, RCP.territoryOf, ID["country/mac"]),
    ),
    Mutation(
        "source-is-a-country",
        "point a link at the wrong kind of thing",
        _replace(IOM_IN_BUDAPEST, PROV.wasDerivedFrom, HUN),
    ),
    Mutation(
        "homepage-literal",
        "point a link at the wrong kind of thing",
        lambda g: _replace(
            IOM,
            URIRef("http://xmlns.com/foaf/0.1/homepage"),
            Literal(str(g.value(IOM, URIRef("http://xmlns.com/foaf/0.1/homepage")))),
        )(g),
    ),
    # a code's pattern broken
    Mutation("alpha3-lower-case", "break a code's pattern", _replace(HUN, RCP.iso3166Alpha3, Literal("hun"))),
    Mutation("alpha2-three-letters", "break a code's pattern", _replace(HUN, RCP.iso3166Alpha2, Literal("HUN"))),
    Mutation(
        "numeric-without-leading-zero",
        "break a code's pattern",
        _replace(ID["country/aut"], RCP.iso3166Numeric, Literal("40")),
    ),
    Mutation(
        "wikidata-page-not-entity",
        "break a code's pattern",
        lambda g: _replace(IOM, SCHEMA.sameAs, URIRef("https://www.wikidata.org/wiki/Q206429"))(g),
    ),
    Mutation(
        "country-iri-not-its-code",
        "break a code's pattern",
        lambda g: [g.add((ID["country/hungary"], p, o)) for p, o in list(g.predicate_objects(HUN))],
    ),
    # a position duplicated or skipped
    Mutation("position-duplicated", "duplicate a position", _duplicate_position),
    Mutation("position-skipped", "duplicate a position", _gap_in_positions),
    # statuses and totals
    Mutation("suspended-made-current", "make a suspended member current", _make_current),
    Mutation("suspended-made-current-with-shortcut", "make a suspended member current", _make_current_with_shortcut),
    Mutation("current-made-former", "make a current member former", _replace(HUN_IN_BUDAPEST, RCP.status, FORMER)),
    Mutation("declared-total-off-by-one", "change a number", _replace(BUDAPEST, RCP.declaredMemberCount, Literal(50))),
    Mutation("row-zero", "change a number", lambda g: g.set((_one_source_cell(g), RCP.row, Literal(0)))),
    Mutation(
        "second-year-of-establishment",
        "duplicate a value",
        lambda g: g.add((BUDAPEST, RCP.yearEstablished, Literal("1994", datatype=XSD_GYEAR))),
    ),
    Mutation("second-member", "duplicate a value", lambda g: g.add((IOM_IN_BUDAPEST, ORG.member, HUN))),
]

#: Mutations that validation may let pass, each with the reason. None today.
ACCEPTED: dict[str, str] = {}

#: The built data graph and the ontology, in each worker process of ``outcomes``.
_WORKER: dict[str, Graph] = {}


def _start_worker(data: bytes) -> None:
    _WORKER["data"] = Graph().parse(data=data, format="nt")
    _WORKER["ontology"] = validate.load_ontology()


def _killed(index: int | None) -> bool:
    """Validation fails on the built data with mutation ``index`` applied (None: none; run in a worker process)."""
    data = Graph()
    for triple in _WORKER["data"]:
        data.add(triple)
    if index is not None:
        MUTATIONS[index].apply(data)
    report, _ = validate.validate(data, _WORKER["ontology"])
    return not report.conforms


@pytest.fixture(scope="module")
def outcomes(built) -> dict[str, bool]:
    """Whether validation fails, per mutation. Each mutation is validated on its own copy of the built data;
    the validations run in worker processes, one a core (they are independent and CPU-bound)."""
    workers = max(1, min(4, os.cpu_count() or 1))
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    data = built.data.serialize(format="nt", encoding="utf-8")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(data,)) as pool:
        return dict(zip((m.name for m in MUTATIONS), pool.map(_killed, range(len(MUTATIONS))), strict=True))


def test_the_unchanged_data_conforms_in_the_workers(built):
    """The control: the workers' path (the data through N-Triples, inference recomputed) validates the unchanged
    data as conforming, so a killed mutation is killed by its mutation and not by that path."""
    context = multiprocessing.get_context("spawn")
    data = built.data.serialize(format="nt", encoding="utf-8")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_start_worker, initargs=(data,)) as pool:
        assert pool.submit(_killed, None).result() is False


def test_mutations_have_unique_names():
    names = [m.name for m in MUTATIONS]
    assert len(names) == len(set(names)) and len(names) >= 40
    assert not set(ACCEPTED) - set(names)


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_validation_fails_on_the_mutation(outcomes, mutation):
    if mutation.name in ACCEPTED:
        pytest.skip(ACCEPTED[mutation.name])
    assert outcomes[mutation.name], f"mutation {mutation.name} ({mutation.kind}) survives validation"


def test_kill_rate_is_printed(outcomes, capsys):
    killed = [m for m in MUTATIONS if outcomes[m.name]]
    survivors = [m.name for m in MUTATIONS if m not in killed]
    line = f"mutation kill rate: {len(killed)}/{len(MUTATIONS)} ({100 * len(killed) / len(MUTATIONS):.0f} %)" + (
        f"; surviving: {', '.join(survivors)}" if survivors else ""
    )
    with capsys.disabled():  # printed even when pytest captures the output (CI runs `pytest -q`)
        print(f"\n{line}")
    assert set(survivors) <= set(ACCEPTED), line
