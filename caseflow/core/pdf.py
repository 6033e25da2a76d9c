"""Small helpers for the printable documents (fpdf2 with its built-in fonts)."""
from __future__ import annotations

from fpdf import FPDF


def latin1(value: str | None) -> str:
    """The core PDF fonts are Latin-1: swap typographic punctuation and replace anything else
    rather than fail."""
    value = (value or "").replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"') \
        .replace("\u201d", '"').replace("\u2013", "-").replace("\u2014", "-")
    return value.encode("latin-1", "replace").decode("latin-1")


class Document(FPDF):
    """A4, plain, large enough type to read; headings and paragraphs in one call each."""

    def __init__(self, title: str):
        super().__init__(format="A4")
        self.set_auto_page_break(True, margin=15)
        self.add_page()
        self.set_title(latin1(title))

    def heading(self, text: str, size: int = 16) -> None:
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.55, latin1(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def para(self, text: str, size: int = 12, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, latin1(text), new_x="LMARGIN", new_y="NEXT")

    def gap(self, height: float = 3) -> None:
        self.ln(height)

    def finish(self) -> bytes:
        return bytes(self.output())
