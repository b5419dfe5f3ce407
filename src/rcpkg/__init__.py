"""rcpkg: a linked-data knowledge base of the Regional Consultative Processes on Migration (IOM matrix, 2008).

In a notebook::

    import rcpkg
    ds = rcpkg.load()   # the built knowledge base as an rdflib Dataset (default graph = union of the graphs)
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rcpkg")  # the installed distribution's, as `rcpkg --version` prints it
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "unknown (not installed)"


def load(path=None):
    """The built knowledge base (``data/dumps/rcp.trig``) as an rdflib Dataset; run ``rcpkg build`` first."""
    from rcpkg.knowledge_base import load as _load

    return _load(path)


__all__ = ["load", "__version__"]
