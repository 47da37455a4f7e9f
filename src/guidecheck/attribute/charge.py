"""Who owns an item: the line department (市直单位) charged for regional variance.

In order: the handbook entry's own 主管部门 field; the department whose handbook
file holds the entry (config: ``handbook: [{path, department}]``); the registry's
``line_department`` for the item's code. None when nobody says.
"""

from __future__ import annotations

from collections.abc import Mapping

from guidecheck.compare.match import base_code
from guidecheck.model import Guide


def line_department(
    entry: Guide,
    *,
    file_departments: Mapping[str, str] | None = None,
    registry: Mapping[str, str] | None = None,
) -> str | None:
    """The line department owning a handbook entry (see module docstring)."""
    if entry.line_department and entry.line_department.text:
        return entry.line_department.text
    if file_departments:
        owner = file_departments.get(entry.source.source)
        if owner:
            return owner
    reg = {base_code(k): v for k, v in (registry or {}).items()}
    for code in entry.codes:
        owner = reg.get(base_code(code))
        if owner:
            return owner
    return None

