"""Records to RDF: the only module that mints IRIs. Every fact carries its provenance (the source cells).

The functions under "IRIs" below are every shape of IRI the project builds from its keys (DESIGN: IRIs):
things, memberships, source documents and cells, reference tables, and the parts of the dataset description
(partitions, subsets, linksets, dumps) that ``rcpkg.void`` writes. Fixed IRIs are constants of
``rcpkg.namespaces``; no other module builds an IRI (``tests/test_graph_iris.py`` checks both).

Longer than 400 lines because minting every IRI in one module is the point: the IRI functions (about 100
lines) stand beside the one builder that uses most of them.
"""

from __future__ import annotations

import hashlib
import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, RDFS, SKOS, TIME, XSD

from rcpkg import source
from rcpkg.errors import ReferenceTableError, ResolveError
from rcpkg.extract import sentences
from rcpkg.namespaces import DATASET, DUMPS, ID, PREFIXES, RCP, SCHEMA, bind_prefixes, namespace_of
from rcpkg.resolve import Entity, Event, Membership, Process, Reference
from rcpkg.source import COLUMNS, Cell, Matrix, SourceDocument, column_slug
from rcpkg.themes import ThemeClassifier

COLUMN_PROPERTY = {
    "Governments": RCP.governmentsText,
    "Observers, Partners": RCP.observersText,
    "Secretariat": RCP.secretariatText,
    "Main Areas of Discussion": RCP.mainAreasText,
    "Current Priorities": RCP.prioritiesText,
}
CLASS = {
    "organization": RCP.Organization,
    "group": RCP.CountryGroup,
    "category": RCP.ParticipantCategory,
}


def en(text: str) -> Literal:
    return Literal(text, lang="en")


def year(value: int) -> Literal:
    return Literal(f"{value:04d}", datatype=XSD.gYear)


TABLE = {
    "country": "countries.csv",
    "organization": "organizations.csv",
    "group": "groups.csv",
    "category": "categories.csv",
    "place": "places.csv",
}


# -------------------------------------------------------------------------------------------------- IRIs
def entity_iri(entity: Entity) -> URIRef:
    """id/{kind}/{key}, the key in lower case: id/country/hun, id/organization/iom."""
    return ID[f"{entity.kind}/{entity.key.lower()}"]


def entity_key(iri: URIRef, kind: str) -> str | None:
    """The key of an id/{kind}/{key} IRI as the IRI spells it (in lower case); None for an IRI of another kind."""
    prefix = str(ID[f"{kind}/"])
    return str(iri)[len(prefix) :] if str(iri).startswith(prefix) else None


def process_iri(key: str) -> URIRef:
    return ID[f"process/{key}"]


def item_iri(process: str, kind: str, position: int) -> URIRef:
    """A numbered item of a process's column: id/process/{process}/{main-area|priority}/{n}."""
    return ID[f"process/{process}/{kind}/{position}"]


def event_iri(process: str, number: int) -> URIRef:
    """An event a process's prose reports, numbered in the order of the text: id/event/{process}/{n}."""
    return ID[f"event/{process}/{number}"]


def item_list_iri(process: str, kind: str, number: int) -> URIRef:
    """A list of a process's column: id/process/{process}/{main-area|priority}-list/{n}."""
    return ID[f"process/{process}/{kind}-list/{number}"]


def membership_iri(ms: Membership) -> URIRef:
    """id/membership/{process}/{kind}-{key}/{role}: the kind keeps a country and an organisation of the same key
    (CAN: Canada, the Andean Community) apart."""
    return ID[f"membership/{ms.process}/{ms.entity.kind}-{ms.entity.key.lower()}/{ms.role}"]


def term_iri(ms: Membership) -> URIRef:
    """The term of a role (an OWL-Time interval): id/membership/{process}/{kind}-{key}/{role}/term."""
    return URIRef(f"{membership_iri(ms)}/term")


def instant_iri(ms: Membership, bound: str) -> URIRef:
    """The beginning or end of the term of a role: id/membership/{process}/{kind}-{key}/{role}/term/{bound}."""
    return URIRef(f"{term_iri(ms)}/{bound}")


def role_iri(role: str) -> URIRef:
    return ID[f"role/{role}"]


def status_iri(status: str) -> URIRef:
    return ID[f"status/{status}"]


def m49_iri(code: str) -> URIRef:
    """A UN M49 region or sub-region, ``ontology/m49.ttl``: id/m49/{code} (UNSD publishes no RDF identifiers)."""
    return ID[f"m49/{code}"]


def document_iri(document: SourceDocument) -> URIRef:
    """An edition of the matrix: id/source/{key} (data/reference/sources.csv)."""
    return ID[f"source/{document.key}"]


def cell_iri(cell: Cell, document: SourceDocument | None = None) -> URIRef:
    """A cell of the source: id/source/{document}/row/{n}/{column}; the document is the one the build reads."""
    key = (document or source.document()).key
    return ID[f"source/{key}/row/{cell.row}/{column_slug(cell.column)}"]


def table_iri(name: str) -> URIRef:
    """A reference table of data/reference/: id/source/reference/{name without .csv}."""
    return ID[f"source/reference/{name.removesuffix('.csv')}"]


def class_partition_iri(cls: URIRef) -> URIRef:
    """The VoID class partition of a class: dataset/class/{prefix}-{local name}."""
    return URIRef(f"{DATASET}/class/{term_slug(cls)}")


def property_partition_iri(prop: URIRef) -> URIRef:
    """The VoID property partition of a property: dataset/property/{prefix}-{local name}."""
    return URIRef(f"{DATASET}/property/{term_slug(prop)}")


def graph_subset_iri(name: URIRef) -> URIRef:
    """The VoID subset of a named graph: dataset/graph/{last segment of the graph's IRI}."""
    return URIRef(f"{DATASET}/graph/{str(name).rstrip('/').rsplit('/', 1)[-1]}")


def linkset_iri(target: str, predicate: URIRef) -> URIRef:
    """The VoID linkset of the links to a target dataset by one predicate: dataset/links/{target}/{slug}."""
    return URIRef(f"{DATASET}/links/{target}/{term_slug(predicate)}")


def dump_iri(name: str) -> URIRef:
    """A dump file of data/dumps/ as published: dumps/{file name}."""
    return DUMPS[name]


def term_slug(term: URIRef) -> str:
    """A readable, unique path segment for a term: ``{prefix}-{local name}`` (a hash for odd IRIs)."""
    text = str(term)
    namespace = namespace_of(term)
    local = text[len(namespace) :]
    prefix = _PREFIX_OF.get(namespace)
    if prefix is None or not re.fullmatch(r"[A-Za-z0-9_.-]+", local):
        return "x-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{local}"


_PREFIX_OF = {str(ns): prefix for prefix, ns in {**PREFIXES, "foaf": FOAF}.items()}


class GraphBuilder:
    def __init__(self, ref: Reference, schemes: Graph, documents: tuple[SourceDocument, ...] | None = None):
        self.ref = ref
        self.documents = documents or source.documents()
        self.document = next(d for d in self.documents if d.file)
        self.g = Graph()
        bind_prefixes(self.g)
        self.classifier = ThemeClassifier(schemes)
        self.regions = {str(o): s for s, o in schemes.subject_objects(RCP.sourceHeading)}
        self.entities: set[Entity] = set()

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    # -------------------------------------------------------------------------------------- source document
    def source(self, matrix: Matrix) -> None:
        """The document read (what data/reference/sources.csv says of it, and the checksum of the bytes read),
        its region headers and footnote, and the editions and other groups the footnote names."""
        iri = document_iri(self.document)
        self.add(iri, RCP.sha256, Literal(matrix.sha256))
        self.add(iri, DCTERMS.identifier, Literal(f"data/source/{self.document.file}"))
        self.describe_document(self.document)
        for cell in matrix.regions:
            self.cell(cell)
        self.cell(matrix.footnote)
        self.editions(matrix.footnote)
        self.footnote_processes(matrix.footnote)

    def describe_document(self, document: SourceDocument) -> URIRef:
        """An edition of the matrix as data/reference/sources.csv describes it."""
        iri = document_iri(document)
        self.add(iri, RDF.type, PROV.Entity)
        self.add(iri, RDF.type, RCP.SourceDocument)
        self.add(iri, RDFS.label, en(document.label))
        if document.title:
            self.add(iri, DCTERMS.title, en(document.title))
        if document.publisher:
            if document.publisher not in self.ref.organizations:
                raise ReferenceTableError(
                    f"data/reference/sources.csv: the publisher {document.publisher!r} of "
                    f"{document.key} is not a key of organizations.csv"
                )
            publisher = Entity("organization", document.publisher)
            self.add(iri, DCTERMS.publisher, entity_iri(publisher))
            self.entities.add(publisher)
        return iri

    def cell(self, cell: Cell) -> URIRef:
        iri = cell_iri(cell, self.document)
        if (iri, RDF.type, RCP.SourceCell) not in self.g:
            self.add(iri, RDF.type, RCP.SourceCell)
            self.add(iri, RDF.type, PROV.Entity)
            self.add(iri, RDFS.label, en(f"{self.document.key}, row {cell.row}, {cell.column}"))
            self.add(iri, RCP.row, Literal(cell.row))
            self.add(iri, RCP.column, Literal(cell.column))
            self.add(iri, RCP.sourceText, Literal(cell.raw))
            self.add(iri, DCTERMS.isPartOf, document_iri(self.document))
        return iri

    def table(self, name: str) -> URIRef:
        """A reference table of data/reference/, the source of an entity's label, codes and kind."""
        iri = table_iri(name)
        if (iri, RDF.type, PROV.Entity) not in self.g:
            self.add(iri, RDF.type, PROV.Entity)
            self.add(iri, RDFS.label, en(f"reference table data/reference/{name}"))
            self.add(iri, DCTERMS.identifier, Literal(f"data/reference/{name}"))
            self.add(
                iri,
                DCTERMS.description,
                en(
                    "Curated reference data of the project; data/reference/README.md "
                    "gives the provenance of each column."
                ),
            )
        return iri

    def editions(self, footnote: Cell) -> None:
        """The footnote names the editions: the 2005 matrix it is based on and its 2007 and 2008 updates, and who
        prepared or updated each (resolved through the reference tables); data/reference/sources.csv gives each
        edition's key and labels."""
        found: list[tuple[int, str]] = [
            (int(y), sentence)
            for sentence in sentences(footnote.text)
            if re.search(r"based on a matrix prepared|has been updated", sentence)
            for y in re.findall(r"\b((?:19|20)\d\d)\b", sentence)
        ]
        years = sorted({y for y, _ in found})
        by_year = {d.year: d for d in self.documents}
        if not years or years[-1] != self.document.year:
            expected = ", ".join(str(d.year) for d in self.documents if d.year <= self.document.year)
            raise ResolveError(
                f"the footnote does not name the editions of the matrix (expected {expected})",
                footnote.row,
                footnote.column,
                footnote.text,
            )
        previous = None
        for y in years:
            if y not in by_year:
                raise ResolveError(
                    f"the footnote names an edition of {y} that data/reference/sources.csv does not "
                    "list (add a row for it)",
                    footnote.row,
                    footnote.column,
                    footnote.text,
                )
            iri = self.describe_document(by_year[y])
            self.add(iri, RCP.editionYear, year(y))
            if by_year[y] != self.document:
                self.add(iri, PROV.wasDerivedFrom, cell_iri(footnote, self.document))
            for fy, sentence in found:
                if fy == y:
                    self.add(iri, DCTERMS.description, en(sentence))
                    for creator in self.creators(sentence, footnote):
                        self.add(iri, DCTERMS.creator, entity_iri(creator))
                        self.entities.add(creator)
            if previous is not None:
                self.add(iri, PROV.wasRevisionOf, previous)
            previous = iri

    def creators(self, sentence: str, footnote: Cell) -> list[Entity]:
        """The organisations a sentence says prepared or updated an edition ("prepared by A and B in connection
        with ...", "updated by A for ...")."""
        m = re.search(r"\b(?:prepared|updated) by (?P<who>.+?) (?:in connection with|for the)\b", sentence)
        if not m:
            raise ResolveError(
                "the footnote does not say who prepared or updated this edition",
                footnote.row,
                footnote.column,
                sentence,
            )
        out = []
        for name in re.split(r",\s*|\s+and\s+", m.group("who")):
            name = re.sub(r"^the\s+|\s*\([^()]*\)$", "", name.strip())
            entity = self.ref.lookup(name, "")
            if entity is None or entity.kind != "organization":
                raise ResolveError(
                    f"unknown organisation {name!r} (add it to data/reference/organizations.csv or names.csv)",
                    footnote.row,
                    footnote.column,
                    sentence,
                )
            out.append(entity)
        return out

    def footnote_processes(self, footnote: Cell) -> None:
        """The other regional groups on migration the footnote names, described by its first two sentences (that
        they exist, and the list of examples)."""
        intro = " ".join(s for s in sentences(footnote.text)[:2]).lstrip("i ").strip()
        for key, row in sorted(self.ref.processes.items()):
            if row["in_matrix"] != "footnote":
                continue
            name = row["name_in_source"]
            if name not in intro:
                raise ResolveError(
                    f"the footnote does not name {name!r} (data/reference/processes.csv)",
                    footnote.row,
                    footnote.column,
                    footnote.text,
                )
            iri = process_iri(key)
            self.add(iri, RDF.type, RCP.OtherRegionalGroupOnMigration)
            self.add(iri, RDFS.label, en(row["label"]))
            self.add(iri, SKOS.prefLabel, en(row["label"]))
            if row["other_label"]:
                other = Literal(row["other_label"], lang=row["other_label_lang"])
                self.add(iri, RDFS.label, other)
                self.add(iri, SKOS.prefLabel, other)
            self.add(iri, RCP.nameInSource, en(name))
            if row["acronym"]:
                self.add(iri, SKOS.altLabel, en(row["acronym"]))
                self.add(iri, RCP.acronym, Literal(row["acronym"]))
            self.add(iri, DCTERMS.description, en(intro))
            self.add(iri, RCP.mentionedIn, self.cell(footnote))
            self.add(iri, PROV.wasDerivedFrom, self.cell(footnote))

    # ---------------------------------------------------------------------------------------------- processes
    def process(self, proc: Process) -> None:
        add, iri = self.add, process_iri(proc.key)
        rows = proc.rows
        add(iri, RDF.type, RCP.RegionalConsultativeProcess)
        add(iri, RDFS.label, en(proc.name.label))
        add(iri, SKOS.prefLabel, en(proc.name.label))
        add(iri, RCP.nameInSource, en(proc.name.full))
        for other in proc.name.other_names:
            add(iri, SKOS.altLabel, en(other))
        for acronym in proc.name.acronyms:
            add(iri, RCP.acronym, Literal(acronym))
        add(iri, RCP.yearEstablished, year(proc.year))
        add(iri, RCP.region, self.regions[proc.region_heading])
        add(iri, RCP.declaredMemberCount, Literal(proc.declared_total))
        if "no-official-secretariat" in proc.flags:
            add(iri, RCP.hasOfficialSecretariat, Literal(False))
        elif "secretariat" in proc.flags:
            add(iri, RCP.hasOfficialSecretariat, Literal(True))
        if "no-official-observers" in proc.flags:
            add(iri, RCP.hasOfficialObservers, Literal(False))
        add(iri, PROV.wasDerivedFrom, self.cell(rows.region))
        for column in COLUMNS:
            for cell in rows.parts(column):
                add(iri, PROV.wasDerivedFrom, self.cell(cell))
        for column, prop in COLUMN_PROPERTY.items():
            add(iri, prop, en(rows.text(column)))
        for column, prop, items in (
            ("Main Areas of Discussion", RCP.themeInMainAreas, proc.main_areas),
            ("Current Priorities", RCP.themeInPriorities, proc.priorities),
        ):
            texts = [rows.text(column), *(item.text for item in items.items)]
            for theme in sorted({t for text in texts for t in self.classifier.themes(text)}):
                add(iri, prop, theme)
                add(iri, DCTERMS.subject, theme)
        for kind, prop, items in (
            ("main-area", RCP.hasMainArea, proc.main_areas),
            ("priority", RCP.hasPriority, proc.priorities),
        ):
            for item_list in items.lists:
                node = item_list_iri(proc.key, kind, item_list.number)
                add(iri, RCP.hasItemList, node)
                add(node, RDF.type, RCP.ItemList)
                add(node, RDFS.label, en(f"{proc.name.label}: {kind.replace('-', ' ')} list {item_list.number}"))
                add(node, RCP.position, Literal(item_list.number))
                if item_list.lead_in:
                    add(node, RCP.leadIn, en(item_list.lead_in))
                add(node, PROV.wasDerivedFrom, self.cell(item_list.cell))
            for item in items.items:
                node = item_iri(proc.key, kind, item.position)
                add(iri, prop, node)
                add(node, RCP.inList, item_list_iri(proc.key, kind, item.list))
                if item.parent is not None:
                    add(node, RCP.subItemOf, item_iri(proc.key, kind, item.parent))
                add(node, RDF.type, RCP.MainArea if kind == "main-area" else RCP.Priority)
                add(node, RCP.position, Literal(item.position))
                if item.marker:
                    add(node, RCP.marker, Literal(item.marker))
                add(node, RDFS.label, en(item.text))
                add(node, PROV.wasDerivedFrom, self.cell(item.cell))
                for theme in self.classifier.themes(item.text):
                    add(node, DCTERMS.subject, theme)
        for number, event in enumerate(proc.events, start=1):
            self.event(proc, number, event)
        for territory, (state, cell) in sorted(proc.territories.items()):
            t = entity_iri(Entity("country", territory))
            add(t, RCP.territoryOf, entity_iri(Entity("country", state)))
            add(t, PROV.wasDerivedFrom, self.cell(cell))
            self.entities.add(Entity("country", state))
        for ms in sorted(proc.memberships.values(), key=lambda m: (m.entity, m.role)):
            self.membership(ms)

    def event(self, proc: Process, number: int, event: Event) -> None:
        """An event (schema:Event) about the process: its name as written (else its kind), its date as precise as
        the text, where it took place, who held it (only where the text says), who took part, its outcome."""
        add, node = self.add, event_iri(proc.key, number)
        name = event.name or event.kind
        add(node, RDF.type, SCHEMA.Event)
        add(node, RDFS.label, en(f"{name} ({event.date[0]})"))
        add(node, SCHEMA.name, en(name))
        add(node, RCP.eventKind, en(event.kind))
        add(node, SCHEMA.startDate, Literal(event.date[0], datatype=XSD[event.date[1]]))
        add(node, SCHEMA.about, process_iri(proc.key))
        for place in event.places:
            add(node, SCHEMA.location, entity_iri(place))
            self.entities.add(place)
        for organizer in event.organizers:
            add(node, SCHEMA.organizer, entity_iri(organizer))
            if organizer.kind != "process":
                self.entities.add(organizer)
        for attendee in event.attendees:
            add(node, SCHEMA.attendee, entity_iri(attendee))
            self.entities.add(attendee)
        if event.outcome:
            add(node, RCP.outcome, en(event.outcome))
        add(node, PROV.wasDerivedFrom, self.cell(event.cell))

    def membership(self, ms: Membership) -> None:
        add, node = self.add, membership_iri(ms)
        member = entity_iri(ms.entity)
        self.entities.add(ms.entity)
        add(node, RDF.type, ORG.Membership)
        add(node, ORG.organization, process_iri(ms.process))
        add(node, ORG.member, member)
        add(node, ORG.role, role_iri(ms.role))
        add(node, RCP.status, status_iri(ms.status))
        if ms.role == "member" and ms.status == "current":
            add(node, RCP.currentMember, member)
        for y in sorted(ms.years):
            add(node, RCP.year, year(y))
        for note in ms.notes:
            add(node, RCP.note, en(note))
        for name in ms.names_in_source:
            add(node, RCP.nameInSource, Literal(name, lang=self.language(ms.entity, name)))
        for group in sorted(ms.groups):
            add(node, RCP.viaGroup, entity_iri(group))
            self.entities.add(group)
        for cell in ms.cells:
            add(node, PROV.wasDerivedFrom, self.cell(cell))
        if ms.term is not None:
            self.term(ms)

    def language(self, entity: Entity, name: str) -> str:
        """The language of a name as the source gives it: that of the organisation's name where the source writes
        that name (CONGAD's French name), else English."""
        row = self.ref.organizations.get(entity.key) if entity.kind == "organization" else None
        return row["lang"] if row and row["lang"] and row["name"] in name else "en"

    def term(self, ms: Membership) -> None:
        """The term of a role (org:memberDuring an OWL-Time interval whose beginning and end are the years the
        text gives, with the period as written) and the theme the holder chose for it."""
        add, term, interval = self.add, ms.term, term_iri(ms)
        assert term is not None
        add(membership_iri(ms), ORG.memberDuring, interval)
        add(interval, RDF.type, TIME.ProperInterval)
        label = term.period or f"{term.start or ''}–{term.end or ''}"
        add(interval, RDFS.label, en(label))
        if term.period:
            add(interval, RCP.periodAsWritten, Literal(term.period))
        for bound, prop, value in (("beginning", TIME.hasBeginning, term.start), ("end", TIME.hasEnd, term.end)):
            if value is not None:
                instant = instant_iri(ms, bound)
                add(interval, prop, instant)
                add(instant, RDF.type, TIME.Instant)
                add(instant, TIME.inXSDgYear, year(value))
        add(interval, PROV.wasDerivedFrom, self.cell(term.cell))
        if term.theme:
            add(membership_iri(ms), RCP.termTheme, en(term.theme))

    # ----------------------------------------------------------------------------------------------- entities
    def entity_nodes(self) -> None:
        done: set[Entity] = set()
        queue = sorted(self.entities)
        while queue:
            entity = queue.pop()
            if entity in done:
                continue
            done.add(entity)
            queue += self.entity(entity)

    def entity(self, entity: Entity) -> list[Entity]:
        add, iri, more = self.add, entity_iri(entity), []
        if entity.kind in TABLE:
            add(iri, PROV.wasDerivedFrom, self.table(TABLE[entity.kind]))
            if entity.kind == "country" and entity.key in self.ref.territories:
                add(iri, PROV.wasDerivedFrom, self.table("territories.csv"))
        if entity.kind == "country":
            row = self.ref.countries[entity.key]
            add(iri, RDF.type, RCP.Territory if entity.key in self.ref.territories else RCP.Country)
            add(iri, RDFS.label, en(row["name_en"]))
            add(iri, RCP.iso3166Alpha3, Literal(entity.key))
        elif entity.kind == "process":
            pass  # a process of the matrix, described by its own rows
        elif entity.kind == "organization":
            row = self.ref.organizations[entity.key]
            add(iri, RDF.type, RCP.Organization)
            add(iri, RDFS.label, Literal(row["name"], lang=row["lang"] or "en"))
            if row["acronym"]:
                add(iri, RCP.acronym, Literal(row["acronym"]))
                add(iri, SKOS.altLabel, en(row["acronym"]))
            add(iri, RCP.organizationKind, Literal(row["kind"]))
            if row["part_of"]:
                kind, key = row["part_of"].split(":", 1)
                add(iri, ORG.unitOf if kind == "process" else ORG.subOrganizationOf, entity_iri(Entity(kind, key)))
                if kind == "organization":
                    more.append(Entity(kind, key))
        elif entity.kind == "group":
            row = self.ref.groups[entity.key]
            add(iri, RDF.type, CLASS["group"])
            add(iri, RDFS.label, en(row["name"]))
            add(iri, RCP.asOf, year(int(row["as_of"])))
            add(iri, DCTERMS.source, en(row["basis"]))
            for member in self.ref.group_members(entity.key):
                add(iri, FOAF.member, entity_iri(member))
                more.append(member)
        elif entity.kind == "place":
            row = self.ref.places[entity.key]
            add(iri, RDF.type, RCP.Place)
            add(iri, RDFS.label, en(row["name"]))
            country = Entity("country", row["country"])
            add(iri, SCHEMA.containedInPlace, entity_iri(country))
            more.append(country)
        elif entity.kind == "category":
            add(iri, RDF.type, RCP.ParticipantCategory)
            add(iri, RDFS.label, en(self.ref.categories[entity.key]))
        return more


def build(
    matrix: Matrix,
    processes: list[Process],
    ref: Reference,
    schemes: Graph,
    documents: tuple[SourceDocument, ...] | None = None,
) -> Graph:
    """The data graph. ``documents``: the editions of data/reference/sources.csv (default: read from the
    project's reference folder)."""
    builder = GraphBuilder(ref, schemes, documents)
    builder.source(matrix)
    for proc in processes:
        builder.process(proc)
    builder.entity_nodes()
    return builder.g
