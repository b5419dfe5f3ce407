"""Classify text under the SKOS scheme of migration themes (``ontology/themes.ttl``).

A text is about a theme when one of the theme's ``skos:hiddenLabel`` keywords occurs in it as whole words,
case-insensitively. The keywords are data, reviewed with the scheme. ``graph`` classifies both prose columns
and each of their items; a process's theme says which column names it (``rcp:themeInMainAreas``,
``rcp:themeInPriorities``)."""

from __future__ import annotations

import re

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from rcpkg.namespaces import ID


class ThemeClassifier:
    def __init__(self, scheme: Graph):
        self.patterns: list[tuple[URIRef, re.Pattern]] = []
        for concept in sorted(set(scheme.subjects(SKOS.inScheme, ID["theme"]))):
            words = sorted(str(w) for w in scheme.objects(concept, SKOS.hiddenLabel))
            if words:
                alternatives = "|".join(re.escape(w) for w in words)
                self.patterns.append((concept, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)))

    def themes(self, text: str) -> list[URIRef]:
        text = text.replace("’", "'")
        return [concept for concept, pattern in self.patterns if pattern.search(text)]
