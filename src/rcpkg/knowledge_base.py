"""The knowledge base as a whole: build it from the source, or load the built one.

Building runs the pipeline (source -> extract -> resolve -> graph -> links -> validate) and returns the
named graphs; writing them is ``rcpkg.dump``'s job."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.namespace import SKOS

from rcpkg import graph, links, paths, resolve, source, validate
from rcpkg.errors import DataError
from rcpkg.files import parse_rdf
from rcpkg.namespaces import DATA_GRAPH, INFERRED_GRAPH, METADATA_GRAPH, ONTOLOGY_GRAPH, RCP, bind_prefixes


@dataclass
class Built:
    data: Graph
    ontology: Graph
    inferred: Graph
    report: validate.Report
    processes: list[resolve.Process]
    seconds_build: float
    stages: dict[str, float] = field(default_factory=dict)  # seconds of each stage, in order

    def dataset(self) -> Dataset:
        """Data, ontology and inferred graphs as named graphs, with the VoID/DCAT description."""
        from rcpkg import void

        ds = _dataset()
        for name, g in ((DATA_GRAPH, self.data), (ONTOLOGY_GRAPH, self.ontology), (INFERRED_GRAPH, self.inferred)):
            target = ds.graph(name)
            for triple in g:
                target.add(triple)
        metadata = void.describe(ds)
        target = ds.graph(METADATA_GRAPH)
        for triple in metadata:
            target.add(triple)
        return ds


def _dataset() -> Dataset:
    ds = Dataset(default_union=True)
    bind_prefixes(ds)
    return ds


def resolver(ontology: Graph, ref: resolve.Reference) -> resolve.Resolver:
    headings = {str(o): str(s).rsplit("/", 1)[1] for s, o in ontology.subject_objects(RCP.sourceHeading)}
    return resolve.Resolver(ref, headings)


def extract_processes(
    source_file: Path | None = None,
) -> tuple[source.Matrix, list[resolve.Process], resolve.Reference, Graph]:
    ontology = validate.load_ontology()
    ref = resolve.Reference.load(paths.reference_dir())
    # the build's source is checked against its declared edition; a file handed over is read as it is
    matrix = source.read(source_file) if source_file else source.read_declared()
    return matrix, resolver(ontology, ref).processes(matrix), ref, ontology


def build(source_file: Path | None = None) -> Built:
    t0 = time.perf_counter()
    matrix, processes, ref, ontology = extract_processes(source_file)
    t_extract = time.perf_counter()
    schemes = Graph()
    for s, p, o in ontology:
        if p in (SKOS.inScheme, SKOS.hiddenLabel, RCP.topicLabel, RCP.sourceHeading):
            schemes.add((s, p, o))
    data = graph.build(matrix, processes, ref, schemes, source.documents(paths.reference_dir()))
    links.add_links(data, paths.reference_dir())
    t1 = time.perf_counter()
    report, inferred = validate.validate(data, ontology)
    stages = {
        "extract": t_extract - t0,
        "graph": t1 - t_extract,
        "OWL RL": report.seconds_inference,
        "SHACL": report.seconds_shapes,
    }
    return Built(data, ontology, inferred, report, processes, t1 - t0, stages)


def load(path: Path | None = None) -> Dataset:
    """The built knowledge base (``data/dumps/rcp.trig``, written by ``rcpkg build``) as an rdflib Dataset
    whose default graph is the union of its named graphs."""
    path = Path(path or paths.dataset_file())
    if not path.exists():
        raise DataError(f"{path} not found: run 'rcpkg build' first")
    return parse_rdf(_dataset(), path, "trig", "TriG")
