"""VoID and DCAT description of the knowledge base: ``describe(dataset) -> rdflib.Graph``.

The graph goes into the dataset as graph/metadata (``rcpkg build``) and is served at
``/.well-known/void``. It says what the dataset holds (triples, entities, classes, properties, with
class and property partitions and one subset per named graph), where it links to (one ``void:Linkset`` per
target dataset and link predicate: Wikidata, GeoNames), its licence (CC BY 4.0), its source (the IOM
matrix), its dumps (download URLs under ``{base}dumps/``) and its SPARQL endpoint (``{base}sparql``).

Everything is counted from the dataset given, never written by hand; the same dataset gives the same graph.
The IRIs it describes are minted by ``rcpkg.graph`` (partitions, subsets, linksets, dumps, the source document)
or are constants of ``rcpkg.namespaces`` (the dataset, its endpoint); what the source is comes from
``rcpkg.source.document()``.

``dcterms:modified`` of the dataset is ``build_date()``: when the inputs of the build last changed, never
the clock or a file time, so that building the same inputs twice gives the same bytes, and the server's
``Last-Modified`` (which it reads from this triple) stays the same from one build to the next.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, VOID, XSD

from rcpkg import paths, source
from rcpkg.dump import output_graph
from rcpkg.errors import RcpkgError
from rcpkg.graph import (
    class_partition_iri,
    document_iri,
    dump_iri,
    graph_subset_iri,
    linkset_iri,
    property_partition_iri,
    term_slug,
)
from rcpkg.namespaces import (
    DATA_GRAPH,
    DATASET,
    FORMATS,
    GEONAMES,
    HOMEPAGE,
    ID,
    INFERRED_GRAPH,
    MEDIA_TYPES,
    METADATA_GRAPH,
    ONTOLOGY_GRAPH,
    SD,
    SPARQL_DISTRIBUTION,
    SPARQL_ENDPOINT,
    WD,
    namespace_of,
)

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")


@dataclass(frozen=True)
class Target:
    """A dataset the knowledge base links to, recognised by the IRIs of its things."""

    key: str
    iri: str
    title: str
    uri_spaces: tuple[str, ...]


TARGETS = (
    Target("wikidata", "https://www.wikidata.org/", "Wikidata", (str(WD),)),
    Target("geonames", "https://www.geonames.org/", "GeoNames", (GEONAMES, "http://sws.geonames.org/")),
)


@dataclass(frozen=True)
class DumpFile:
    name: str
    media_type: str
    title: str
    graphs: str  # "data" or "all"
    compression: str | None = None


DUMP_FILES = (
    DumpFile("rcp.ttl", "text/turtle", "Turtle, data graph", "data"),
    DumpFile("rcp.nt", "application/n-triples", "N-Triples, data graph", "data"),
    DumpFile("rcp.nt.gz", "application/n-triples", "N-Triples, data graph, gzip", "data", "application/gzip"),
    DumpFile("rcp.jsonld", "application/ld+json", "JSON-LD, all named graphs", "all"),
    DumpFile("rcp.trig", "application/trig", "TriG, all named graphs", "all"),
    DumpFile("rcp.nq.gz", "application/n-quads", "N-Quads, all named graphs, gzip", "all", "application/gzip"),
)

GRAPH_TITLES = {
    DATA_GRAPH: "Asserted data",
    ONTOLOGY_GRAPH: "Ontology",
    INFERRED_GRAPH: "Inferred triples (OWL RL)",
}


def build_date() -> datetime | None:
    """When the inputs of the build (source, reference tables, ontology, code) last changed:

    - ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention) when set;
    - else the commit time of the last git commit touching those inputs, in a git checkout (uncommitted
      changes keep the date of the last commit);
    - else None (no git, no variable): the description then states no date, and the server sends no
      ``Last-Modified``.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise RcpkgError(f"SOURCE_DATE_EPOCH must be a number of seconds since 1970, not {epoch!r}") from None
    inputs = [
        p.resolve() for p in (source.source_file(), paths.reference_dir(), paths.ontology_dir(), Path(__file__).parent)
    ]
    top = _git(inputs[0].parent, "rev-parse", "--show-toplevel")
    if not top:
        return None
    inside = [str(p) for p in inputs if p.is_relative_to(Path(top).resolve())]
    stamp = _git(Path(top), "log", "-1", "--format=%ct", "--", *inside) if inside else None
    return datetime.fromtimestamp(int(stamp), UTC) if stamp and stamp.isdigit() else None


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


_BUILD_DATE = object()


def describe(dataset: Dataset, modified: datetime | None | object = _BUILD_DATE) -> Graph:
    """The VoID + DCAT description of ``dataset`` (its graph/metadata, if any, is not counted).

    ``modified``: the ``dcterms:modified`` of the dataset (default ``build_date()``; None: no date)."""
    g = output_graph()
    ds = DATASET
    document = source.document()
    source_iri = document_iri(document)
    data = dataset.graph(DATA_GRAPH)
    described = [URIRef(str(c.identifier)) for c in dataset.contexts() if c.identifier != METADATA_GRAPH]
    described = sorted(c for c in described if len(dataset.graph(c)) > 0)

    union: set = set()
    for name in described:
        union.update(dataset.graph(name).triples((None, None, None)))

    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add(
        (
            ds,
            DCTERMS.title,
            Literal("Regional Consultative Processes on Migration: knowledge base", lang="en"),
        )
    )
    g.add(
        (
            ds,
            DCTERMS.description,
            Literal(
                "Linked data on the Regional Consultative Processes on Migration (RCPs): their member "
                "governments, observers, organisations, chairs, secretariats and themes, built from the "
                f"{document.short_label}, with every fact traceable to the row and column of the source.",
                lang="en",
            ),
        )
    )
    g.add((ds, DCTERMS.license, LICENSE))
    g.add((ds, DCTERMS.source, source_iri))
    g.add((ds, PROV.wasDerivedFrom, source_iri))
    g.add((ds, FOAF.homepage, HOMEPAGE))
    g.add((ds, VOID.uriSpace, Literal(str(ID))))
    g.add((ds, VOID.sparqlEndpoint, SPARQL_ENDPOINT))
    for fmt in ("Turtle", "N-Triples", "JSON-LD", "TriG", "N-Quads"):
        g.add((ds, VOID.feature, FORMATS[fmt]))

    # counts over the described graphs (union, duplicates across graphs counted once)
    subjects = {s for s, _, _ in union}
    objects = {o for _, _, o in union}
    properties = Counter(p for _, p, _ in union)
    classes = Counter(o for _, p, o in union if p == RDF.type)
    id_space = str(ID)
    entities = {t for t in subjects | objects if isinstance(t, URIRef) and str(t).startswith(id_space)}
    g.add((ds, VOID.triples, Literal(len(union))))
    g.add((ds, VOID.entities, Literal(len(entities))))
    g.add((ds, VOID.classes, Literal(len(classes))))
    g.add((ds, VOID.properties, Literal(len(properties))))
    g.add((ds, VOID.distinctSubjects, Literal(len(subjects))))
    g.add((ds, VOID.distinctObjects, Literal(len(objects))))

    typed: dict = {}
    for s, p, o in union:
        if p == RDF.type:
            typed.setdefault(o, set()).add(s)
    for cls in sorted(classes):
        part = class_partition_iri(cls)
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], cls))
        g.add((part, VOID.entities, Literal(len(typed[cls]))))
    for prop in sorted(properties):
        part = property_partition_iri(prop)
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, prop))
        g.add((part, VOID.triples, Literal(properties[prop])))

    vocabularies = sorted({namespace_of(t) for t in list(properties) + list(classes)} - {""})
    for vocabulary in vocabularies:
        g.add((ds, VOID.vocabulary, URIRef(vocabulary)))

    # one subset per named graph
    for name in described:
        sub = graph_subset_iri(name)
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, SD.name, name))
        g.add((sub, DCTERMS.title, Literal(GRAPH_TITLES.get(name, str(name)), lang="en")))
        g.add((sub, VOID.triples, Literal(len(dataset.graph(name)))))

    # linksets: triples of the data graph whose object lies in a target's URI space
    links: Counter = Counter()
    for s, p, o in data:
        if isinstance(o, URIRef) and isinstance(s, URIRef):
            for target in TARGETS:
                if str(o).startswith(target.uri_spaces):
                    links[(target.key, p)] += 1
    for target in TARGETS:
        predicates = sorted(p for key, p in links if key == target.key)
        if not predicates:
            continue
        tds = URIRef(target.iri)
        g.add((tds, RDF.type, VOID.Dataset))
        g.add((tds, DCTERMS.title, Literal(target.title)))
        g.add((tds, FOAF.homepage, tds))
        for space in target.uri_spaces[:1]:
            g.add((tds, VOID.uriSpace, Literal(space)))
        for p in predicates:
            linkset = linkset_iri(target.key, p)
            g.add((ds, VOID.subset, linkset))
            g.add((linkset, RDF.type, VOID.Linkset))
            g.add((linkset, VOID.subjectsTarget, ds))
            g.add((linkset, VOID.objectsTarget, tds))
            g.add((linkset, VOID.target, ds))
            g.add((linkset, VOID.target, tds))
            g.add((linkset, VOID.linkPredicate, p))
            g.add((linkset, VOID.triples, Literal(links[(target.key, p)])))
            g.add((linkset, DCTERMS.title, Literal(f"Links to {target.title} ({term_slug(p)})", lang="en")))

    # distributions (dumps) and the SPARQL endpoint (DCAT)
    for dump in DUMP_FILES:
        url = dump_iri(dump.name)
        g.add((ds, VOID.dataDump, url))
        g.add((ds, DCAT.distribution, url))
        g.add((url, RDF.type, DCAT.Distribution))
        g.add((url, DCTERMS.title, Literal(dump.title, lang="en")))
        g.add((url, DCAT.downloadURL, url))
        g.add((url, DCAT.mediaType, MEDIA_TYPES[dump.media_type]))
        if dump.compression:
            g.add((url, DCAT.compressFormat, MEDIA_TYPES[dump.compression]))
        g.add((url, DCTERMS.license, LICENSE))
    service, dist = SPARQL_ENDPOINT, SPARQL_DISTRIBUTION
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, service))
    g.add((dist, DCAT.accessService, service))
    g.add((dist, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((service, DCTERMS.title, Literal("SPARQL 1.1 query endpoint", lang="en")))
    g.add((source_iri, RDFS.label, Literal(document.label, lang="en")))
    g.add((ds, DCTERMS.language, URIRef("http://id.loc.gov/vocabulary/iso639-1/en")))
    when = build_date() if modified is _BUILD_DATE else modified
    if isinstance(when, datetime):
        stamp = when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        g.add((ds, DCTERMS.modified, Literal(stamp, datatype=XSD.dateTime)))
    return g
