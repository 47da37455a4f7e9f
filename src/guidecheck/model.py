"""The domain model: a service guide as published on one channel by one unit.

Pure data, no I/O. Every value keeps the text it was read from (``raw``) and
where it was read (``location``), so a finding can send a person to the exact
spot. Field attribute names are the canonical keys of ``rules/fields.yaml``
(see ``../shared/domain.md``).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Union

HANDBOOK = "handbook"
"""Channel name of the standard handbook (标准化手册)."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where a value was read: a file or URL, plus the place inside it.

    Indexes are 1-based and count in document order: ``table`` over all tables
    of the document (nested tables included, in the order they open),
    ``row``/``cell`` inside that table (``cell`` is the grid column, so merged
    cells keep their column), ``paragraph`` over the body's paragraphs outside
    tables. ``selector`` is a CSS-like path inside an HTML page.
    """

    source: str
    table: int | None = None
    row: int | None = None
    cell: int | None = None
    paragraph: int | None = None
    selector: str | None = None

    @property
    def is_url(self) -> bool:
        return self.source.startswith(("http://", "https://"))

    def describe(self) -> str:
        """Human-readable place inside the source, in Chinese: ``表2 第3行 第2列``."""
        parts = []
        if self.table is not None:
            parts.append(f"表{self.table}")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.cell is not None:
            parts.append(f"第{self.cell}列")
        if self.paragraph is not None:
            parts.append(f"第{self.paragraph}段")
        if self.selector:
            parts.append(self.selector)
        return " ".join(parts)

    def __str__(self) -> str:
        inside = self.describe()
        return f"{self.source} {inside}" if inside else self.source


class TimeUnit(str, enum.Enum):
    WORKING_DAY = "working_day"  # 工作日
    DAY = "day"  # 日/天 with no qualifier (often meant as working days)
    CALENDAR_DAY = "calendar_day"  # 自然日
    HOUR = "hour"
    MONTH = "month"
    YEAR = "year"


class Form(str, enum.Enum):
    """Medium of a material (材料形式)."""

    PAPER = "paper"
    ELECTRONIC = "electronic"
    BOTH = "both"


class Necessity(str, enum.Enum):
    REQUIRED = "required"  # 必要
    OPTIONAL = "optional"  # 非必要 / 选择提交
    DEFERRED = "deferred"  # 容缺后补


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TextValue:
    """A free-text field. ``text`` is the normalized comparison form of ``raw``."""

    raw: str
    text: str
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ListValue:
    """A field made of entries: conditions, process steps, item codes."""

    raw: str
    items: tuple[str, ...]
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TimeLimit:
    raw: str
    amount: float | None = None
    unit: TimeUnit | None = None
    immediate: bool = False  # 即办 / 当场办结
    no_statutory: bool = False  # 无法定时限
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Fee:
    raw: str
    free: bool | None = None  # None: could not tell
    amounts: tuple[str, ...] = ()  # normalized, e.g. "10元", "5元/件"
    basis: str | None = None  # 收费依据
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    law: str  # title without 《》, normalized
    articles: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LegalBasis:
    raw: str
    citations: tuple[Citation, ...]
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Material:
    raw: str
    name: str  # name with numbering and form/copy words removed
    originals: int | None = None  # 原件份数
    copies: int | None = None  # 复印件份数
    form: Form | None = None
    necessity: Necessity | None = None
    source: str | None = None  # 来源渠道
    note: str | None = None  # 填报须知 / 备注
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MaterialList:
    items: tuple[Material, ...]
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Visits:
    raw: str
    count: int | None
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Online:
    raw: str
    available: bool | None = None
    depth: int | None = None  # 网上办理深度 Ⅰ–Ⅳ → 1–4
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Phones:
    raw: str
    numbers: tuple[str, ...]  # normalized, e.g. "0571-12345678", "12345"
    location: Location


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ExtraField:
    """A labelled value whose label is not in the vocabulary (kept, never dropped)."""

    label: str
    value: TextValue


FieldValue = Union[  # noqa: UP007 (a runtime alias; X | Y of classes needs 3.10 at import)
    TextValue, ListValue, TimeLimit, Fee, LegalBasis, MaterialList, Visits, Online, Phones
]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Guide:
    """One item's guide as one channel publishes it (or the handbook's entry).

    Field attributes carry the canonical keys; a field that was not found is
    ``None`` (an absent field is not an empty one).
    """

    channel: str
    source: Location
    title: str | None = None
    unit: str | None = None  # the implementing unit (district/county/city dept), when known
    name: TextValue | None = None
    code: ListValue | None = None
    item_type: TextValue | None = None
    implementing_body: TextValue | None = None
    line_department: TextValue | None = None  # 主管部门 (the handbook's owner)
    legal_basis: LegalBasis | None = None
    conditions: ListValue | None = None
    materials: MaterialList | None = None
    process: ListValue | None = None
    time_limit_legal: TimeLimit | None = None
    time_limit_promised: TimeLimit | None = None
    case_type: TextValue | None = None  # 办件类型 即办件/承诺件
    fee: Fee | None = None
    visits: Visits | None = None
    online: Online | None = None
    location: TextValue | None = None  # 办理地点 (not the source location)
    hours: TextValue | None = None
    phone: Phones | None = None
    complaint_phone: Phones | None = None
    result: TextValue | None = None
    extras: tuple[ExtraField, ...] = ()
    notes: tuple[str, ...] = ()  # extraction notes: values that could not be parsed, etc.

    def fields(self) -> Iterator[tuple[str, FieldValue]]:
        """The canonical fields present on this guide, in declaration order."""
        for key in FIELD_KEYS:
            value = getattr(self, key)
            if value is not None:
                yield key, value

    @property
    def codes(self) -> tuple[str, ...]:
        return self.code.items if self.code else ()


FIELD_KEYS: tuple[str, ...] = tuple(
    f.name
    for f in dataclasses.fields(Guide)
    if f.name not in {"channel", "source", "title", "unit", "extras", "notes"}
)
"""Canonical field keys, in display order."""


def _is_default_flag(f: dataclasses.Field[Any], item: Any) -> bool:
    """A boolean still at its default (``immediate=False``) says nothing: leave it out."""
    return isinstance(item, bool) and f.default is item


def to_data(value: Any, *, semantic: bool = False) -> Any:
    """Plain JSON-able data for a model object.

    Empty values and boolean flags at their default are left out. With
    ``semantic=True`` the ``raw`` text and every ``Location`` are left out too:
    what remains is what the value *means*, the form the truth file records.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if semantic and (f.name in {"raw", "notes"} or isinstance(item, Location)):
                continue
            if item is None or item == () or _is_default_flag(f, item):
                continue
            out[f.name] = to_data(item, semantic=semantic)
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [to_data(v, semantic=semantic) for v in value]
    return value


# --- building model objects in bulk ---------------------------------------------------


class Slots:
    """Builds and copies instances of a frozen slotted dataclass by filling its slots.

    The generated ``__init__`` of a frozen dataclass sets each field through
    ``object.__setattr__`` from a keyword call (a :class:`Guide`: 27 fields, about 40k
    instructions). The hot paths of a scan (a guide a page, a material a table row, a
    copy a guide for its unit, a rebuild a guide on its way back from a worker) fill
    the slots instead: the same object, faster. Valid because the model classes have
    no ``__post_init__`` and no default factories (checked here).
    """

    __slots__ = ("cls", "defaults", "from_values", "names", "setters", "values")

    def __init__(self, cls: type) -> None:
        fields = dataclasses.fields(cls)
        if hasattr(cls, "__post_init__") or any(
            f.default_factory is not dataclasses.MISSING for f in fields
        ):
            raise TypeError(f"{cls.__name__}: Slots cannot fill it (__post_init__ or default_factory)")
        self.cls = cls
        self.names = tuple(f.name for f in fields)
        self.defaults = tuple(f.default for f in fields)  # MISSING: the field is required
        self.setters = tuple(vars(cls)[name].__set__ for name in self.names)
        self.values: Any = operator.attrgetter(*self.names) if len(self.names) > 1 else (
            lambda obj: (getattr(obj, self.names[0]),)
        )
        """The field values of an instance, as a tuple in field order."""
        self.from_values: Callable[[Sequence[Any]], Any] = _filler(cls, self.setters)
        """``cls(*values)`` with every field's value given, in field order."""

    def new(self, values: Mapping[str, Any]) -> Any:
        """``cls(**values)``: a missing field takes its default (``values`` holds every
        field without one)."""
        obj = object.__new__(self.cls)
        for put, name, default in zip(self.setters, self.names, self.defaults):
            value = values.get(name, default)
            if value is dataclasses.MISSING:
                raise TypeError(f"{self.cls.__name__}: missing field {name!r}")
            put(obj, value)
        return obj

    def replace(self, obj: Any, name: str, value: Any) -> Any:
        """``dataclasses.replace(obj, name=value)``."""
        clone = self.from_values(self.values(obj))
        self.setters[self.names.index(name)](clone, value)
        return clone


def _filler(cls: type, setters: Sequence[Callable[[Any, Any], None]]) -> Callable[[Sequence[Any]], Any]:
    """A function that makes an instance of ``cls`` and fills its slots from a sequence of
    values, one line per slot (generated, as dataclasses generates ``__init__``). The main
    process of a scan fills about 47 objects a page as the workers' guides come back:
    unpickling took 534k instructions a guide with a loop over the setters, 410k with
    this."""
    lines = [f"    put{i}(obj, values[{i}])" for i in range(len(setters))]
    source = "def fill(values):\n    obj = new(cls)\n" + "\n".join([*lines, "    return obj\n"])
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    namespace.update({f"put{i}": put for i, put in enumerate(setters)})
    exec(source, namespace)  # generated from the class's own field list
    fill = namespace["fill"]
    fill.__qualname__ = f"Slots({cls.__name__}).from_values"
    return fill  # type: ignore[no-any-return]


@functools.cache
def slots(cls: type) -> Slots:
    """The :class:`Slots` of a model class (one per class)."""
    return Slots(cls)
