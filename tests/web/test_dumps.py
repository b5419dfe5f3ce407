"""The dumps: written deterministically by ``write_dumps``, served under /dumps/ with sizes and checksums;
the VoID description at /.well-known/void."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID

from rcpkg.dump import write_dumps
from rcpkg.namespaces import DATA_GRAPH, METADATA_GRAPH
from rcpkg.void import describe

NAMES = ["rcp.ttl", "rcp.nt", "rcp.nt.gz", "rcp.jsonld", "rcp.trig", "rcp.nq.gz", "SHA256SUMS"]
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")


BUILT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)  # when the fixture's inputs last changed


def fixture_dataset(path, extra: tuple = ()) -> Dataset:
    ds = Dataset()
    ds.parse(path, format="trig")
    for triple in extra:
        ds.graph(DATA_GRAPH).add(triple)
    # as `rcpkg build` does: the metadata graph is the VoID description of the others
    ds.remove_graph(ds.graph(METADATA_GRAPH))
    metadata = describe(ds, modified=BUILT)
    target = ds.graph(METADATA_GRAPH)
    for triple in metadata:
        target.add(triple)
    return ds


@pytest.fixture(scope="module")
def dumps(tmp_path_factory, endpoint_fixture):
    directory = tmp_path_factory.mktemp("dumps")
    written = write_dumps(fixture_dataset(endpoint_fixture), directory)
    return directory, written


@pytest.fixture(scope="module")
def dumps_client(client_factory, dumps):
    directory, _ = dumps
    return client_factory(directory / "rcp.trig")


def test_write_dumps_writes_every_file_and_checksums(dumps):
    directory, written = dumps
    assert [p.name for p in written] == NAMES
    sums = dict(line.split("  ")[::-1] for line in (directory / "SHA256SUMS").read_text().splitlines())
    assert sorted(sums) == sorted(NAMES[:-1])
    for name, digest in sums.items():
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest
    result = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=directory, capture_output=True)
    assert result.returncode == 0, result.stdout
    assert not [p for p in directory.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_write_dumps_gives_the_same_bytes_twice(dumps, tmp_path, endpoint_fixture):
    directory, _ = dumps
    write_dumps(fixture_dataset(endpoint_fixture), tmp_path)
    for name in NAMES:
        assert (tmp_path / name).read_bytes() == (directory / name).read_bytes(), name


def test_gzip_dumps_carry_no_time_stamp(dumps):
    directory, _ = dumps
    for name in ("rcp.nt.gz", "rcp.nq.gz"):
        header = (directory / name).read_bytes()[:10]
        assert header[4:8] == b"\x00\x00\x00\x00"  # MTIME = 0
    assert gzip.decompress((directory / "rcp.nt.gz").read_bytes()) == (directory / "rcp.nt").read_bytes()


def test_data_dumps_hold_the_data_graph(dumps, endpoint_fixture):
    directory, _ = dumps
    data = fixture_dataset(endpoint_fixture).graph(DATA_GRAPH)
    expected = Graph()
    for triple in data:
        expected.add(triple)
    for name, fmt in (("rcp.ttl", "turtle"), ("rcp.nt", "nt")):
        assert isomorphic(Graph().parse(directory / name, format=fmt), expected), name
    lines = (directory / "rcp.nt").read_bytes().splitlines()
    assert lines == sorted(lines)


def test_dataset_dumps_hold_every_named_graph(dumps, endpoint_fixture):
    directory, _ = dumps
    source = fixture_dataset(endpoint_fixture)
    expected = {str(g.identifier): g for g in source.contexts() if len(g)}
    for name, fmt in (("rcp.trig", "trig"), ("rcp.jsonld", "json-ld"), ("rcp.nq.gz", "nquads")):
        ds = Dataset()
        if name.endswith(".gz"):
            ds.parse(data=gzip.decompress((directory / name).read_bytes()), format=fmt)
        else:
            ds.parse(directory / name, format=fmt)
        found = {str(g.identifier): g for g in ds.contexts() if len(g)}
        assert set(found) == set(expected), name
        for graph_name, graph in expected.items():
            assert isomorphic(found[graph_name], graph), (name, graph_name)


def test_dumps_listing_gives_size_and_checksum(dumps_client, dumps):
    directory, _ = dumps
    reply = dumps_client.get("/dumps/", {"Accept": "application/json"})
    assert reply.status == 200
    listing = json.loads(reply.body)["dumps"]
    assert [d["name"] for d in listing] == NAMES[:-1]
    for entry in listing:
        data = (directory / entry["name"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["url"] == dumps_client.url + "dumps/" + entry["name"]
    page = dumps_client.get("/dumps/", {"Accept": "text/html"})
    assert page.media_type == "text/html"
    for entry in listing:
        assert entry["sha256"] in page.text and f'href="{entry["name"]}"' in page.text


@pytest.mark.parametrize(
    "name,media_type",
    [
        ("rcp.ttl", "text/turtle"),
        ("rcp.nt", "application/n-triples"),
        ("rcp.nt.gz", "application/gzip"),
        ("rcp.jsonld", "application/ld+json"),
        ("rcp.trig", "application/trig"),
        ("rcp.nq.gz", "application/gzip"),
        ("SHA256SUMS", "text/plain"),
    ],
)
def test_dump_files_are_served_with_their_media_type(dumps_client, dumps, name, media_type):
    directory, _ = dumps
    reply = dumps_client.get("/dumps/" + name)
    assert reply.status == 200
    assert reply.media_type == media_type
    assert reply.body == (directory / name).read_bytes()
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    if name != "SHA256SUMS":
        etag = reply.headers["ETag"]
        assert etag.strip('"') == hashlib.sha256(reply.body).hexdigest()
        assert dumps_client.get("/dumps/" + name, {"If-None-Match": etag}).status == 304


@pytest.mark.parametrize("path", ["/dumps/rcp.rdf", "/dumps/.rcp.ttl.tmp", "/dumps/..%2Frcp.trig", "/dumps/x/y"])
def test_only_dump_files_are_served(dumps_client, path):
    assert dumps_client.get(path).status == 404


def test_void_description_is_served_from_the_metadata_graph(dumps_client):
    for path in ("/.well-known/void", "/dataset"):
        reply = dumps_client.get(path, {"Accept": "text/turtle"})
        assert reply.status == 200
        assert reply.media_type == "text/turtle"
        graph = Graph().parse(data=reply.body, format="turtle")
        datasets = set(graph.subjects(RDF.type, VOID.Dataset))
        main = URIRef("https://w3id.org/rcpkg/dataset")
        assert main in datasets
        assert (main, DCTERMS.license, CC_BY) in graph
        assert (main, VOID.sparqlEndpoint, URIRef("https://w3id.org/rcpkg/sparql")) in graph
        assert (main, VOID.triples, Literal(125)) in graph
    jsonld = dumps_client.get("/.well-known/void", {"Accept": "application/ld+json"})
    assert jsonld.media_type == "application/ld+json"
    assert len(Graph().parse(data=jsonld.body, format="json-ld")) == len(graph)
    assert dumps_client.get("/.well-known/void", {"Accept": "image/png"}).status == 406


# ------------------------------------------------------------------------------------------- ranges


def test_a_byte_range_is_answered_with_206(dumps_client, dumps):
    directory, _ = dumps
    reply = dumps_client.get("/dumps/rcp.nt", {"Range": "bytes=0-9"})
    assert reply.status == 206
    assert reply.body == (directory / "rcp.nt").read_bytes()[:10]
    assert reply.headers["Content-Range"].startswith("bytes 0-9/")


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=5-2", "bytes=", "lines=0-9", "bytes=0-1,4-5", "bytes 0-9"])
def test_an_invalid_range_header_is_ignored_and_the_whole_file_sent(dumps_client, dumps, header):
    directory, _ = dumps
    reply = dumps_client.get("/dumps/rcp.ttl", {"Range": header})
    assert reply.status == 200
    assert reply.body == (directory / "rcp.ttl").read_bytes()
    assert "Content-Range" not in reply.headers


def test_a_valid_range_beyond_the_end_is_416(dumps_client, dumps):
    directory, _ = dumps
    reply = dumps_client.get("/dumps/rcp.ttl", {"Range": "bytes=999999999-"})
    assert reply.status == 416
    assert reply.headers["Content-Range"] == f"bytes */{(directory / 'rcp.ttl').stat().st_size}"


# ------------------------------------------------------------------------------ dates and validators


def test_dumps_and_void_carry_the_date_the_data_states_not_file_times(dumps_client, client_factory, dumps, tmp_path):
    directory, _ = dumps
    # a second build of the same inputs, written at another time
    rebuilt = tmp_path / "rebuilt"
    write_dumps(fixture_dataset(directory / "rcp.trig"), rebuilt)
    for path in rebuilt.iterdir():
        os.utime(path, (1_700_000_000, 1_700_000_000))
    again = client_factory(rebuilt / "rcp.trig")
    for path in ["/dumps/" + name for name in NAMES] + ["/.well-known/void", "/sparql?query=ASK%7B%7D"]:
        a, b = dumps_client.get(path), again.get(path)
        assert a.status == b.status == 200, path
        assert parsedate_to_datetime(a.headers["Last-Modified"]) == BUILT, path
        assert a.headers["Last-Modified"] == b.headers["Last-Modified"], path
        assert a.headers.get("ETag") == b.headers.get("ETag"), path
    void = Graph().parse(data=dumps_client.get("/.well-known/void", {"Accept": "text/turtle"}).body, format="turtle")
    assert void.value(URIRef("https://w3id.org/rcpkg/dataset"), DCTERMS.modified).toPython() == BUILT
    assert dumps_client.get("/dumps/rcp.ttl", {"If-Modified-Since": a.headers["Last-Modified"]}).status == 304


def test_dumps_of_another_build_than_the_loaded_one_get_no_last_modified(client_factory, endpoint_fixture, tmp_path):
    directory = tmp_path / "dumps"
    write_dumps(fixture_dataset(endpoint_fixture), directory)
    client = client_factory(directory / "rcp.trig")
    before = client.get("/dumps/rcp.ttl")
    assert parsedate_to_datetime(before.headers["Last-Modified"]) == BUILT
    # rebuilt with other data while the application keeps the old dataset loaded
    extra = (URIRef("https://w3id.org/rcpkg/id/country/xyz"), RDFS.label, Literal("Xyz", lang="en"))
    write_dumps(fixture_dataset(endpoint_fixture, (extra,)), directory)
    after = client.get("/dumps/rcp.ttl")
    assert after.status == 200 and after.body == (directory / "rcp.ttl").read_bytes()
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Last-Modified" not in after.headers


# -------------------------------------------------------------------------------------------- prefixes


def test_void_description_binds_only_meaningful_prefixes(dumps_client):
    turtle = dumps_client.get("/.well-known/void", {"Accept": "text/turtle"}).text
    declared = {line.split()[1] for line in turtle.splitlines() if line.startswith("@prefix")}
    assert {"void:", "dcat:", "dcterms:", "sd:", "foaf:"} <= declared
    assert not {p for p in declared if p.startswith("ns")}
    assert "brick:" not in declared and "csvw:" not in declared
    for accept in ("application/rdf+xml", "application/ld+json"):
        body = dumps_client.get("/.well-known/void", {"Accept": accept}).text
        assert "ns1" not in body and "brick" not in body, accept
