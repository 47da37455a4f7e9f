"""What a format-specific extractor hands to the shared builder.

DOCX and HTML extractors only find *where* each labelled value is and copy its
text; :mod:`guidecheck.extract.build` turns these raw fields into the typed
:class:`~guidecheck.model.Guide`, so every format yields the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from guidecheck.model import Location


@dataclass(slots=True, kw_only=True)
class RawField:
    """One labelled value as found in a document.

    ``lines`` holds the value's text split where the source breaks it
    (paragraphs in a cell, ``<br>``, ``<li>``, numbered lines), already with
    list numbering that Word renders automatically put back in front.
    ``rows`` is set when the value is a table with a header row (materials):
    one mapping per data row from the header text as written to the cell text,
    with ``row_locations`` beside it.
    """

    label: str
    key: str | None  # canonical key from rules/fields.yaml; None for an unknown label
    lines: list[str]
    location: Location
    rows: list[dict[str, str]] | None = None
    row_locations: list[Location] | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(slots=True, kw_only=True)
class RawGuide:
    """The raw fields of one item's guide inside a document or page."""

    source: Location
    title: str | None = None
    fields: list[RawField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
