"""One cleaning for every piece of text that comes in (issue 14): what is stored is what a person
meant to type, in one canonical form, and nothing a database or a screen would choke on.

- NUL bytes and lone surrogates are refused (`BadText`): PostgreSQL cannot store NUL, and a lone
  surrogate is not text at all (it cannot be encoded). Nobody types either by accident.
- Everything is normalised to NFC, so "é" typed as one character or as e + accent is one name.
- Single-line text (names, identifiers, references) loses the invisible characters that make two
  equal-looking names differ or reorder what is shown: zero-width characters and marks
  (U+200B–U+200F), the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
  U+2066–U+2069) and the byte-order mark (U+FEFF). Other control characters become a space.
- Free text (notes, reasons, addresses) keeps its line breaks, and the zero-width joiners and
  direction marks that Persian, Indic or mixed-direction prose needs, but loses the bidirectional
  embeddings and overrides (they can make a note read differently from what it says) and other
  control characters.
"""
from __future__ import annotations

import re
import unicodedata

# Characters that never belong in a name or an identifier: invisible, or reordering what follows.
ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\ufeff"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SINGLE_LINE_DROP = re.compile(f"[{ZERO_WIDTH}{BIDI_CONTROLS}\u2060\u00ad]")
_FREE_TEXT_DROP = re.compile(f"[{BIDI_CONTROLS}\ufeff]")
# C0/C1 controls. Single-line text turns them (tabs, newlines included) into a space; free text
# keeps tab and newline.
_CONTROLS = re.compile(r"[\x01-\x1f\x7f-\x9f]")
_FREE_TEXT_CONTROLS = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class BadText(ValueError):
    """Text that cannot be stored or shown faithfully: a NUL byte or a lone surrogate."""


def problem(value: str) -> str | None:
    """Why `value` must be refused outright, or None."""
    if "\x00" in value:
        return "Remove the NUL character (\\0): it cannot be stored"
    if _SURROGATE.search(value):
        return "Text contains an unpaired UTF-16 surrogate, which is not a character"
    return None


def _check(value: str) -> None:
    reason = problem(value)
    if reason:
        raise BadText(reason)


def clean_line(value: str) -> str:
    """A name, identifier or reference: one line, visible characters only, NFC, trimmed."""
    _check(value)
    value = unicodedata.normalize("NFC", value)
    value = _SINGLE_LINE_DROP.sub("", value)
    return _CONTROLS.sub(" ", value).strip()


def clean_free_text(value: str) -> str:
    """Notes and reasons: NFC, line breaks as \\n, no direction overrides or stray controls."""
    _check(value)
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = _FREE_TEXT_DROP.sub("", value)
    return _FREE_TEXT_CONTROLS.sub("", value)


def fit(value: str | None, length: int) -> str | None:
    """System text for a column of `length` characters (audit purpose and basis): cut, and
    marked as cut, rather than refused (nobody can correct it) or left to fail the write."""
    if value is None or len(value) <= length:
        return value
    return value[: length - 1] + "…"
