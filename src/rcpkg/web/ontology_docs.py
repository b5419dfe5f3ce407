"""``/ontology``: documentation of the ontology, generated from the ontology graph (``ontology/*.ttl``, loaded
as the named graph ``graph/ontology``): classes, properties with their domains and ranges, definitions, and
the SKOS concept schemes with their concepts. The Turtle (and the other formats) of the same terms is one
click away: ``/doc/ontology.ttl``.

The page is the HTML document of the ontology's IRI (``/ontology`` answers 303 to ``/doc/ontology.html``
like every other IRI, see ``resources``); each term has an anchor named after its fragment, so a hash IRI
such as ``ontology#RegionalConsultativeProcess`` lands on its definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import render_template
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from rcpkg.namespaces import ONTOLOGY_GRAPH, rebase
from rcpkg.store import Store
from rcpkg.web.context import base_iri
from rcpkg.web.documents import alternates
from rcpkg.web.labels import Labeller, Link
from rcpkg.web.views import ResourceView

PROPERTY_KINDS = (
    (OWL.ObjectProperty, "Object properties", "object-properties"),
    (OWL.DatatypeProperty, "Datatype properties", "datatype-properties"),
    (OWL.AnnotationProperty, "Annotation properties", "annotation-properties"),
    (RDF.Property, "Other properties", "other-properties"),
)
CHARACTERISTICS = (
    (OWL.FunctionalProperty, "functional"),
    (OWL.InverseFunctionalProperty, "inverse functional"),
    (OWL.TransitiveProperty, "transitive"),
    (OWL.SymmetricProperty, "symmetric"),
    (OWL.AsymmetricProperty, "asymmetric"),
    (OWL.IrreflexiveProperty, "irreflexive"),
)


@dataclass
class Term:
    iri: str
    anchor: str
    label: str
    definition: str | None
    comment: str | None
    facts: list[tuple[str, list[Link | str]]] = field(default_factory=list)


@dataclass
class Scheme:
    link: Link
    definition: str | None
    concepts: list[dict]


@dataclass
class OntologyView:
    iri: str
    title: str
    description: str | None
    metadata: list[tuple[str, list[Link | str]]]
    classes: list[Term]
    properties: list[tuple[str, str, list[Term]]]  # (heading, anchor, terms)
    schemes: list[Scheme]
    alternates: list[tuple[str, str, str]]
    imports: list[Link]


def ontology_graph(store: Store) -> Graph:
    """The named graph of the ontology as an rdflib Graph."""
    g = Graph()
    for s, p, o, _ in store.quads(graph=rebase(ONTOLOGY_GRAPH, base_iri())):
        g.add((s, p, o))
    return g


def _text(g: Graph, s: URIRef, *props: URIRef) -> str | None:
    for prop in props:
        values = sorted(
            g.objects(s, prop),
            key=lambda o: (0 if getattr(o, "language", None) in ("en", None) else 1, str(o)),
        )
        if values:
            return str(values[0])
    return None


def _links(lab: Labeller, nodes) -> list[Link | str]:
    out: list[Link | str] = []
    for node in nodes:
        if isinstance(node, URIRef):
            out.append(_term_link(lab, str(node)))
        elif isinstance(node, Literal):
            out.append(str(node))
        else:
            out.append("(a class expression)")
    return sorted(out, key=lambda x: x.label if isinstance(x, Link) else x)


def _term_link(lab: Labeller, iri: str) -> Link:
    link = lab.link(iri)
    if iri.startswith(lab.base + "ontology#"):
        # same page: jump to the term
        link = Link("#" + iri.split("#", 1)[1], lab.curie(iri), iri, False)
    elif link.external:
        link = Link(link.href, lab.curie(iri), iri, True)
    return link


def build_ontology_view(store: Store, iri: str, view: ResourceView) -> OntologyView | None:
    g = ontology_graph(store)
    node = URIRef(iri)
    if (node, RDF.type, OWL.Ontology) not in g:
        return None
    lab = Labeller(store)
    namespace = iri + "#"
    defined = {s for s in g.subjects(RDFS.isDefinedBy, node) if isinstance(s, URIRef)}
    in_namespace = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(namespace)}
    terms = defined | in_namespace

    def make(s: URIRef) -> Term:
        text = str(s)
        anchor = text.split("#", 1)[1] if "#" in text else text.rstrip("/").rsplit("/", 1)[-1]
        return Term(
            iri=text,
            anchor=anchor,
            label=_text(g, s, RDFS.label, SKOS.prefLabel) or lab.curie(text),
            definition=_text(g, s, SKOS.definition),
            comment=_text(g, s, RDFS.comment),
        )

    classes = []
    for s in sorted(t for t in terms if (t, RDF.type, OWL.Class) in g or (t, RDF.type, RDFS.Class) in g):
        term = make(s)
        facts = [
            ("Subclass of", _links(lab, g.objects(s, RDFS.subClassOf))),
            ("Superclass of", _links(lab, g.subjects(RDFS.subClassOf, s))),
            ("Equivalent to", _links(lab, g.objects(s, OWL.equivalentClass))),
            ("Disjoint with", _links(lab, g.objects(s, OWL.disjointWith))),
            ("Domain of", _links(lab, g.subjects(RDFS.domain, s))),
            ("Range of", _links(lab, g.subjects(RDFS.range, s))),
        ]
        term.facts = [(k, v) for k, v in facts if v]
        instances = _instance_count(store, str(s))
        if instances:
            term.facts.append(("Instances", [f"{instances} in the knowledge base"]))
        classes.append(term)

    sections = []
    placed: set[URIRef] = set()
    for kind, heading, anchor in PROPERTY_KINDS:
        found = []
        for s in sorted(t for t in terms if (t, RDF.type, kind) in g and t not in placed):
            placed.add(s)
            term = make(s)
            kinds = [name for cls, name in CHARACTERISTICS if (s, RDF.type, cls) in g]
            facts = [
                ("Domain", _links(lab, g.objects(s, RDFS.domain))),
                ("Range", _links(lab, g.objects(s, RDFS.range))),
                ("Subproperty of", _links(lab, g.objects(s, RDFS.subPropertyOf))),
                ("Inverse of", _links(lab, list(g.objects(s, OWL.inverseOf)) + list(g.subjects(OWL.inverseOf, s)))),
                ("Equivalent to", _links(lab, g.objects(s, OWL.equivalentProperty))),
                ("Characteristics", kinds),
            ]
            term.facts = [(k, v) for k, v in facts if v]
            found.append(term)
        if found:
            sections.append((heading, anchor, found))

    schemes = []
    for scheme in sorted(s for s in g.subjects(RDF.type, SKOS.ConceptScheme) if isinstance(s, URIRef)):
        members = set(g.subjects(SKOS.inScheme, scheme)) | set(g.objects(scheme, SKOS.hasTopConcept))
        members |= set(g.subjects(SKOS.topConceptOf, scheme))
        concepts = []
        for c in members:
            if not isinstance(c, URIRef):
                continue
            concepts.append(
                {
                    "link": lab.link(str(c)),
                    "notation": _text(g, c, SKOS.notation),
                    "definition": _text(g, c, SKOS.definition, SKOS.scopeNote, RDFS.comment),
                    "broader": _links(lab, g.objects(c, SKOS.broader)),
                }
            )
        concepts.sort(key=lambda c: (c["notation"] or "", c["link"].label.casefold()))
        schemes.append(Scheme(lab.link(str(scheme)), _text(g, scheme, SKOS.definition, RDFS.comment), concepts))

    metadata = [
        ("Version", _links(lab, g.objects(node, OWL.versionInfo))),
        ("Licence", _links(lab, g.objects(node, DCTERMS.license))),
        ("Imports", _links(lab, g.objects(node, OWL.imports))),
    ]
    other_ontologies = [
        lab.link(str(o)) for o in sorted(g.subjects(RDF.type, OWL.Ontology)) if isinstance(o, URIRef) and o != node
    ]
    return OntologyView(
        iri=iri,
        title=_text(g, node, DCTERMS.title, RDFS.label) or view.label,
        description=_text(g, node, DCTERMS.description, RDFS.comment),
        metadata=[(k, v) for k, v in metadata if v],
        classes=classes,
        properties=sections,
        schemes=schemes,
        alternates=alternates(iri),
        imports=other_ontologies,
    )


def _instance_count(store: Store, cls: str) -> int:
    return len({s for s, _p, _o, _g in store.quads(predicate=RDF.type, object=URIRef(cls))})


def render_ontology(store: Store, iri: str, view: ResourceView) -> str | None:
    """The documentation page of the ontology ``iri``, or None when ``iri`` is not an owl:Ontology of the
    ontology graph (the caller then renders the generic page)."""
    doc = build_ontology_view(store, iri, view)
    if doc is None:
        return None
    return render_template("ontology.html", doc=doc, view=view)
