"""Where the project's files live: the source, reference tables, ontology and built outputs.

The project's home is, in this order: the folder the environment variable ``RCPKG_HOME`` names (a checkout,
a deployment with its own data folder); the checkout the package runs from (an editable install, or
``src/`` on the path); the installed package's own copy (``rcpkg/home/``: the inputs, the queries and the
built dataset a wheel carries as package data, see ``pyproject.toml``), where ``rcpkg build`` writes too.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    env = os.environ.get("RCPKG_HOME")
    if env:
        return Path(env).resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "src" / "rcpkg").is_dir() and (checkout / "data" / "reference").is_dir():
        return checkout
    return Path(__file__).resolve().parent / "home"


def _under(*parts: str) -> Path:
    return home().joinpath(*parts)


def source_dir() -> Path:
    return _under("data", "source")


def reference_dir() -> Path:
    return _under("data", "reference")


def ontology_dir() -> Path:
    return _under("ontology")


def built_data() -> Path:
    """The asserted knowledge base, committed to the repository."""
    return _under("data", "rcp.ttl")


def dumps_dir() -> Path:
    """Dumps written by ``rcpkg build``: every format, all named graphs, checksums (``SHA256SUMS``). A
    symbolic link to the directory of the last complete build, switched in one rename by the next
    (``rcpkg.dump.publish``): a reader that needs several files of one build resolves it once."""
    return _under("data", "dumps")


def dataset_file() -> Path:
    """The full dataset (data, ontology, inferred, metadata graphs) that the store loads."""
    return dumps_dir() / "rcp.trig"


def queries_dir() -> Path:
    return _under("queries")
