"""VoID and DCAT description of the knowledge base: ``describe(dataset) -> rdflib.Graph``.

The graph goes into the dataset as graph/metadata (``rcpkg build``) and is served at
``/.well-known/void``. It says what the dataset holds (triples, entities, classes, properties, with
class and property partitions and one subset per named graph), where it links to (one ``void:Linkset`` per
target dataset and link predicate: Wikidata, GeoNames), its rights (``RIGHTS``: the project's contribution under
CC BY 4.0, the source's text under its publisher's terms), its source (the IOM matrix, with the rights in it as far as
the project knows them), its release (``dcat:version``), the libraries that built it (``prov:wasGeneratedBy``), its
dumps (download URLs under ``{base}dumps/``) and its SPARQL endpoint (``{base}sparql``), so that it conforms to
DCAT-AP 3.0 (``tests/test_dcat_ap.py``; what is left out, and why: ``docs/publishing.md``).

Everything is counted from the dataset given, never written by hand; the same dataset gives the same graph.
The IRIs it describes are minted by ``rcpkg.graph`` (partitions, subsets, linksets, dumps, the source document)
or are constants of ``rcpkg.namespaces`` (the dataset, its endpoint); what the source is comes from
``rcpkg.source.document()``.

``dcterms:issued`` and ``dcterms:modified`` of the dataset are ``build_date()``: when the inputs of the build last
changed, never the clock or a file time, so that building the same inputs twice gives the same bytes, and the server's
``Last-Modified`` (which it reads from this triple) stays the same from one build to the next.

Over 400 lines because the description is one graph: the VoID counts and the DCAT-AP statements (rights, release,
formats, themes, contact) describe the same nodes and are tested together; split, each half would need the other's
nodes.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

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
    BUILD,
    CONTACT_POINT,
    DATA_GRAPH,
    DATASET,
    DATASET_RIGHTS,
    FORMATS,
    GEONAMES,
    HOMEPAGE,
    ID,
    INFERRED_GRAPH,
    MEDIA_TYPES,
    METADATA_GRAPH,
    ONTOLOGY_GRAPH,
    PUBLISHER,
    SD,
    SOURCE_RIGHTS,
    SPARQL_DISTRIBUTION,
    SPARQL_ENDPOINT,
    WD,
    namespace_of,
    pypi_release_iri,
)

#: The licence of the project's contribution (structure, identifiers, links, ontology, reference tables, the
#: descriptions it wrote): LICENSE-DATA.md. It is stated with ``RIGHTS``, which says what it does not cover.
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
LICENSE_TITLE = "Creative Commons Attribution 4.0 International"
LICENSE_TYPE = URIRef("http://purl.org/adms/licencetype/Attribution")  # ADMS licence type (DCAT-AP)

#: What the dataset's and every distribution's ``dcterms:rights`` says (LICENSE-DATA.md says the same at length).
RIGHTS = (
    "The rcpkg contributors license what they made (the structure of the data, its identifiers, the links to other "
    "datasets, the ontology, the reference tables and the descriptions they wrote) under CC BY 4.0. Every fact comes "
    "from the {source}, whose text the data keeps verbatim: that licence grants no right in the matrix or its text, "
    "which remain under the terms of {holder}."
)
#: The rights in the source, as far as the project knows them; the source itself states none.
SOURCE_RIGHTS_TEXT = (
    "The {source} is a work of {holder}. The copy the project holds states no licence and no copyright notice, and "
    "the project knows of no open licence for it. The matrix and its text remain under the terms of {holder}: the "
    "rcpkg contributors hold no right in them and grant none."
)
PUBLISHER_NAME = "The rcpkg contributors"

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCAT_VERSION = URIRef("http://www.w3.org/ns/dcat#version")  # DCAT 3 (rdflib's DCAT namespace predates it)

#: Keywords, and themes from the EU data theme vocabulary, of the dataset and its source; of the service.
KEYWORDS = ("migration", "regional consultative processes on migration", "intergovernmental cooperation")
SERVICE_KEYWORDS = ("SPARQL", "linked data")
DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme"
THEMES = {
    URIRef("http://publications.europa.eu/resource/authority/data-theme/INTR"): "International issues",
    URIRef("http://publications.europa.eu/resource/authority/data-theme/SOCI"): "Population and society",
}
ENGLISH = URIRef("http://publications.europa.eu/resource/authority/language/ENG")
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")

#: The libraries whose versions the build records (``prov:used`` of the build): they make the bytes of the dumps.
#: owlrl is not among them: the build does not run it (``rcpkg.inference``); it is the tests' reference.
BUILT_WITH = ("rdflib", "pyoxigraph", "pyshacl")


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
    file_type: str  # the code of the format in the EU file-type vocabulary
    compression: str | None = None


DUMP_FILES = (
    DumpFile("rcp.ttl", "text/turtle", "Turtle, data graph", "data", "RDF_TURTLE"),
    DumpFile("rcp.nt", "application/n-triples", "N-Triples, data graph", "data", "RDF_N_TRIPLES"),
    DumpFile(
        "rcp.nt.gz", "application/n-triples", "N-Triples, data graph, gzip", "data", "RDF_N_TRIPLES", "application/gzip"
    ),
    DumpFile("rcp.jsonld", "application/ld+json", "JSON-LD, all named graphs", "all", "JSON_LD"),
    DumpFile("rcp.trig", "application/trig", "TriG, all named graphs", "all", "RDF_TRIG"),
    DumpFile(
        "rcp.nq.gz", "application/n-quads", "N-Quads, all named graphs, gzip", "all", "RDF_N_QUADS", "application/gzip"
    ),
)
#: Formats in the EU file-type vocabulary, by their code there.
FILE_TYPES = {
    "RDF_TURTLE": URIRef("http://publications.europa.eu/resource/authority/file-type/RDF_TURTLE"),
    "RDF_N_TRIPLES": URIRef("http://publications.europa.eu/resource/authority/file-type/RDF_N_TRIPLES"),
    "JSON_LD": URIRef("http://publications.europa.eu/resource/authority/file-type/JSON_LD"),
    "RDF_TRIG": URIRef("http://publications.europa.eu/resource/authority/file-type/RDF_TRIG"),
    "RDF_N_QUADS": URIRef("http://publications.europa.eu/resource/authority/file-type/RDF_N_QUADS"),
    "SPARQLQ": URIRef("http://publications.europa.eu/resource/authority/file-type/SPARQLQ"),
}
GRAPHS_DESCRIBED = {
    "data": "the asserted data (graph/data)",
    "all": "every named graph: the asserted data, the ontology, the inferred triples and this description",
}

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
    holder = _publisher(g, data, source_iri)
    rights_of = {"source": document.short_label, "holder": holder or "its publisher"}
    _rights(g, ds, DATASET_RIGHTS, RIGHTS.format(**rights_of))
    _source(g, data, source_iri, document, SOURCE_RIGHTS_TEXT.format(**rights_of))
    g.add((ds, DCTERMS.source, source_iri))
    g.add((ds, PROV.wasDerivedFrom, source_iri))
    g.add((ds, DCTERMS.publisher, PUBLISHER))
    g.add((PUBLISHER, RDF.type, FOAF.Agent))
    g.add((PUBLISHER, FOAF.name, Literal(PUBLISHER_NAME, lang="en")))
    _subjects(g, ds, KEYWORDS)
    contact = contact_point()
    if contact is not None:
        _contact(g, (ds, SPARQL_ENDPOINT), contact)
    version = release()
    if version:
        g.add((ds, DCAT_VERSION, Literal(version)))
        g.add((ds, OWL.versionInfo, Literal(version)))
    g.add((ds, PROV.wasGeneratedBy, BUILD))
    g.add((BUILD, RDF.type, PROV.Activity))
    g.add((BUILD, RDFS.label, Literal("rcpkg build", lang="en")))
    for name, installed in built_with():
        library = pypi_release_iri(name, installed)
        g.add((BUILD, PROV.used, library))
        g.add((library, RDFS.label, Literal(f"{name} {installed}")))
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
        g.add((url, DCAT.accessURL, url))
        g.add((url, DCAT.downloadURL, url))
        g.add((url, DCTERMS.description, Literal(_dump_description(dump), lang="en")))
        _media_type(g, url, DCAT.mediaType, dump.media_type)
        if dump.compression:
            _media_type(g, url, DCAT.compressFormat, dump.compression)
        _format(g, url, dump.file_type)
        _rights(g, url, DATASET_RIGHTS)
    service, dist = SPARQL_ENDPOINT, SPARQL_DISTRIBUTION
    g.add((ds, DCAT.distribution, dist))
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, service))
    g.add((dist, DCAT.accessService, service))
    g.add((dist, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    g.add((dist, DCTERMS.description, Literal(SPARQL_DESCRIPTION, lang="en")))
    _format(g, dist, "SPARQLQ")
    _rights(g, dist, DATASET_RIGHTS)
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCAT.endpointURL, service))
    g.add((service, DCAT.endpointDescription, service))  # the SPARQL 1.1 service description, served there
    g.add((service, DCAT.servesDataset, ds))
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    g.add((SPARQL_PROTOCOL, DCTERMS.title, Literal("SPARQL 1.1 Protocol", lang="en")))
    g.add((service, DCTERMS.title, Literal("SPARQL 1.1 query endpoint", lang="en")))
    g.add((service, DCTERMS.publisher, PUBLISHER))
    _rights(g, service, DATASET_RIGHTS)
    _subjects(g, service, SERVICE_KEYWORDS)
    g.add((ds, DCTERMS.language, ENGLISH))
    g.add((ENGLISH, RDF.type, DCTERMS.LinguisticSystem))
    when = build_date() if modified is _BUILD_DATE else modified
    if isinstance(when, datetime):
        stamp = Literal(
            when.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime
        )
        g.add((ds, DCTERMS.issued, stamp))
        g.add((ds, DCTERMS.modified, stamp))
    return g


SPARQL_DESCRIPTION = (
    "SPARQL 1.1 queries over every named graph of the knowledge base (its service description is served at the "
    "endpoint); queries are read-only and limited in time and rows (docs/endpoint.md)."
)


def _dump_description(dump: DumpFile) -> str:
    packed = ", compressed with gzip" if dump.compression else ""
    return f"{dump.title.split(',')[0]} file of {GRAPHS_DESCRIBED[dump.graphs]}{packed}."


def _rights(g: Graph, node: URIRef, statement: URIRef, text: str | None = None) -> None:
    """``node`` under the project's licence, with the rights statement that says what the licence does not cover."""
    g.add((node, DCTERMS.license, LICENSE))
    g.add((node, DCTERMS.rights, statement))
    g.add((LICENSE, RDF.type, DCTERMS.LicenseDocument))
    g.add((LICENSE, DCTERMS.title, Literal(LICENSE_TITLE, lang="en")))
    g.add((LICENSE, DCTERMS.type, LICENSE_TYPE))
    g.add((LICENSE_TYPE, RDF.type, SKOS.Concept))
    g.add((LICENSE_TYPE, SKOS.prefLabel, Literal("Attribution", lang="en")))
    if text:
        g.add((statement, RDF.type, DCTERMS.RightsStatement))
        g.add((statement, RDFS.label, Literal(text, lang="en")))


def _publisher(g: Graph, data: Graph, source_iri: URIRef) -> str | None:
    """The publisher of the source as the data states it (a foaf:Agent of the description), and its name."""
    publisher = data.value(source_iri, DCTERMS.publisher)
    name = data.value(publisher, RDFS.label) if publisher is not None else None
    if publisher is None or name is None:
        return None
    g.add((source_iri, DCTERMS.publisher, publisher))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, name))
    return f"the {name}"


def _source(g: Graph, data: Graph, source_iri: URIRef, document: source.SourceDocument, rights: str) -> None:
    """The matrix as the dataset the knowledge base derives from (DCAT-AP: ``dct:source`` is a dcat:Dataset), with
    the rights in it; its title and description are what the data says of it."""
    g.add((source_iri, RDF.type, DCAT.Dataset))
    g.add((source_iri, RDFS.label, Literal(document.label, lang="en")))
    g.add((source_iri, DCTERMS.title, data.value(source_iri, DCTERMS.title) or Literal(document.label, lang="en")))
    about = Literal(f"The {document.short_label}, from which every fact of the knowledge base derives.", lang="en")
    g.add((source_iri, DCTERMS.description, about))
    g.add((source_iri, DCTERMS.rights, SOURCE_RIGHTS))
    g.add((SOURCE_RIGHTS, RDF.type, DCTERMS.RightsStatement))
    g.add((SOURCE_RIGHTS, RDFS.label, Literal(rights, lang="en")))
    g.add((source_iri, DCTERMS.language, ENGLISH))
    _subjects(g, source_iri, KEYWORDS)


def _subjects(g: Graph, node: URIRef, keywords: tuple[str, ...]) -> None:
    for keyword in keywords:
        g.add((node, DCAT.keyword, Literal(keyword, lang="en")))
    for theme, label in THEMES.items():
        g.add((node, DCAT.theme, theme))
        g.add((theme, RDF.type, SKOS.Concept))
        g.add((theme, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((theme, SKOS.inScheme, URIRef(DATA_THEME)))


def _media_type(g: Graph, node: URIRef, predicate: URIRef, media_type: str) -> None:
    g.add((node, predicate, MEDIA_TYPES[media_type]))
    g.add((MEDIA_TYPES[media_type], RDF.type, DCTERMS.MediaType))


def _format(g: Graph, node: URIRef, code: str) -> None:
    file_type = FILE_TYPES[code]
    g.add((node, DCTERMS.format, file_type))
    g.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((file_type, SKOS.inScheme, URIRef(FILE_TYPE)))


def _contact(g: Graph, nodes: tuple[URIRef, ...], address: URIRef) -> None:
    for node in nodes:
        g.add((node, DCAT.contactPoint, CONTACT_POINT))
    g.add((CONTACT_POINT, RDF.type, VCARD.Kind))
    g.add((CONTACT_POINT, VCARD.fn, Literal(PUBLISHER_NAME, lang="en")))
    g.add((CONTACT_POINT, VCARD.hasEmail if str(address).startswith("mailto:") else VCARD.hasURL, address))


def contact_point() -> URIRef | None:
    """The contact point the operator names for the dataset and its endpoint at build time (``RCPKG_CONTACT``: a
    ``mailto:`` or ``https:`` IRI); None when they name none (the description then states none)."""
    value = os.environ.get("RCPKG_CONTACT", "").strip()
    if not value:
        return None
    scheme, _, rest = value.partition(":")
    if scheme not in ("mailto", "https") or not rest.strip("/") or any(c.isspace() or c in '<>"' for c in value):
        raise RcpkgError(f"RCPKG_CONTACT must be a mailto: or https: address, not {value!r}")
    return URIRef(value)


def release() -> str | None:
    """The release of the knowledge base: the installed rcpkg's version (pyproject.toml), None if not installed."""
    try:
        return importlib.metadata.version("rcpkg")
    except importlib.metadata.PackageNotFoundError:
        return None


def built_with() -> list[tuple[str, str]]:
    """The installed version of each library of ``BUILT_WITH`` (one not installed is left out)."""
    out = []
    for name in BUILT_WITH:
        try:
            out.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
