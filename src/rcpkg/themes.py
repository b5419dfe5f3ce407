"""Classify text under the SKOS scheme of migration themes (``ontology/themes.ttl``).

A text is about a theme when one of the theme's ``skos:hiddenLabel`` keywords occurs in it as whole words,
case-insensitively, or when one of its ``rcp:topicLabel`` words stands as a whole topic of a list: after the
start of the text, ":", ";", ",", "(", "including" or "such as", and before ",", ";", ".", ")", "and" or the
end ("topics including development, diasporas, ..." is about migration and development; "the development of
new markets" is not). The keywords are data, reviewed with the scheme: phrases that name the theme, not words
that pass by. ``graph`` classifies both prose columns and each of their items; a process's theme says which
column names it (``rcp:themeInMainAreas``, ``rcp:themeInPriorities``)."""

from __future__ import annotations

import re

from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from rcpkg.namespaces import ID, RCP

#: Where a topic of a list starts, and where it ends.
_TOPIC_START = r"(?:^|(?<=[:;,(])|(?<=[:;,(] )|(?<=including )|(?<=such as ))"
_TOPIC_END = r"(?=\s*(?:[,;.)]|and\b|$))"


class ThemeClassifier:
    def __init__(self, scheme: Graph):
        self.patterns: list[tuple[URIRef, re.Pattern]] = []
        for concept in sorted(set(scheme.subjects(SKOS.inScheme, ID["theme"]))):
            words = sorted(str(w) for w in scheme.objects(concept, SKOS.hiddenLabel))
            topics = sorted(str(w) for w in scheme.objects(concept, RCP.topicLabel))
            alternatives = []
            if words:
                alternatives.append(rf"(?<!\w)(?:{'|'.join(re.escape(w) for w in words)})(?!\w)")
            if topics:
                alternatives.append(rf"{_TOPIC_START}(?:{'|'.join(re.escape(w) for w in topics)}){_TOPIC_END}")
            if alternatives:
                self.patterns.append((concept, re.compile("|".join(alternatives), re.I | re.M)))

    def themes(self, text: str) -> list[URIRef]:
        text = text.replace("’", "'")
        return [concept for concept, pattern in self.patterns if pattern.search(text)]
