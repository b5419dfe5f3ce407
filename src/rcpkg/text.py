"""Text of HTML fragments (the matrix's cells): used by the pipeline and by the pages, so it belongs to
neither."""

from __future__ import annotations

from html.parser import HTMLParser


class _TextExtractor(HTMLParser):
    """HTML fragment to plain text: paragraphs and list items on lines of their own, entities decoded."""

    _BLOCKS = {"p", "li", "ol", "ul", "br", "div"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of a cell: block elements become line breaks, runs of spaces inside a line are kept
    (the matrix separates statements by two spaces), leading and trailing space is removed per line."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return "\n".join(line for line in lines if line)
