"""Pure normalization: text, numerals, time limits, fees, citations, materials, phones.

No file, network or clock access; imports only :mod:`guidecheck.model` and
third-party libraries.
"""

from guidecheck.normalize.citation import parse_citations, parse_legal_basis
from guidecheck.normalize.enums import parse_online, parse_visits
from guidecheck.normalize.fee import parse_fee
from guidecheck.normalize.material import (
    parse_copies,
    parse_form,
    parse_material_line,
    parse_necessity,
)
from guidecheck.normalize.numerals import arabize, parse_number
from guidecheck.normalize.phone import parse_phones
from guidecheck.normalize.text import clean, remove_control_chars, split_entries, strip_numbering
from guidecheck.normalize.timelimit import parse_time_limit

__all__ = [
    "arabize",
    "clean",
    "parse_citations",
    "parse_copies",
    "parse_fee",
    "parse_form",
    "parse_legal_basis",
    "parse_material_line",
    "parse_necessity",
    "parse_number",
    "parse_online",
    "parse_phones",
    "parse_time_limit",
    "parse_visits",
    "remove_control_chars",
    "split_entries",
    "strip_numbering",
]
