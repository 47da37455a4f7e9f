"""Changes between crawls, field by field, for ``guidecheck changes [--since DATE]``.

Only snapshots labelled ``guide`` are compared, and they are compared on what the
extractor reads from them (``model.to_data(semantic=True)``, strings cleaned), never
on bytes: a page served again under another encoding declaration, or with a new
layout around the same values, is not a change. A page that turns into a block
page, a soft 404 or an error (or back) is a *quality* change, reported apart and
never as "content deleted"; the last good snapshot stays the baseline.

Fetches are ordered by run, not by wall-clock time, so a clock jump between
crawls cannot reverse a change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import groupby
from typing import TYPE_CHECKING, Any, Literal

from guidecheck.errors import GuidecheckError
from guidecheck.extract.files import default_sites, extract_bytes
from guidecheck.extract.sites import SiteAdapter
from guidecheck.model import FIELD_KEYS, Guide, ListValue, MaterialList, to_data
from guidecheck.normalize.text import clean
from guidecheck.store.db import iso, parse_iso
from guidecheck.vocab import FieldVocab, load_field_vocab

if TYPE_CHECKING:
    from guidecheck.store.snapshots import SnapshotStore

QUALITY_NAMES = {
    "guide": "办事指南",
    "not_guide": "非指南页面",
    "blocked": "被拦截（验证码/防火墙）",
    "soft_404": "页面不存在",
    "redirect_stub": "跳转页",
    "empty": "空页面",
    "binary_mismatch": "非网页内容",
    "error": "抓取失败",
}
NONE_TEXT = "（无）"


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldChange:
    field: str  # canonical key (materials, fee…) or an unknown label as written
    label: str  # Chinese element name for display
    before: str  # NONE_TEXT when the field was absent
    after: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One guide whose content (kind ``content``) or page quality (``quality``) changed."""

    kind: Literal["content", "quality"]
    url: str
    channel: str
    item: str | None  # the item's name (事项名称), when the extractor found one
    before_at: datetime  # fetch times (UTC)
    after_at: datetime
    before_quality: str
    after_quality: str
    before_snapshot: int | None
    after_snapshot: int | None
    fields: tuple[FieldChange, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class _Fetch:
    url: str
    channel: str
    run_id: int
    fetched_at: datetime
    quality: str
    snapshot_id: int | None


# --- semantic comparison ---------------------------------------------------------------


def _cleaned(data: Any) -> Any:
    if isinstance(data, str):
        return clean(data)
    if isinstance(data, dict):
        return {k: _cleaned(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_cleaned(v) for v in data]
    return data


def _key(data: Any) -> str:
    return json.dumps(_cleaned(data), ensure_ascii=False, sort_keys=True)


def _items(value: Any) -> tuple[list[str], list[str]] | None:
    """(semantic keys, display texts) per item of a list-like field; None otherwise."""
    if isinstance(value, MaterialList):
        return [_key(to_data(m, semantic=True)) for m in value.items], [
            m.raw or m.name for m in value.items
        ]
    if isinstance(value, ListValue):
        return [_key(i) for i in value.items], list(value.items)
    return None


def _display(value: Any) -> str:
    if value is None:
        return NONE_TEXT
    raw = getattr(value, "raw", None)
    if raw:
        return clean(raw) or raw
    shown = _items(value)
    if shown is not None:
        return "；".join(shown[1]) or NONE_TEXT
    return str(to_data(value, semantic=True))


def _fields(guide: Guide) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in guide.fields()}
    for extra in guide.extras:
        out.setdefault(extra.label, extra.value)
    return out


def diff_field(key: str, label: str, before: Any, after: Any) -> FieldChange | None:
    """How one field changed, or None when it means the same thing on both sides."""
    if _key(to_data(before, semantic=True)) == _key(to_data(after, semantic=True)):
        return None
    items_b, items_a = _items(before), _items(after)
    if items_b is not None and items_a is not None:
        removed = [t for k, t in zip(*items_b) if k not in set(items_a[0])]
        added = [t for k, t in zip(*items_a) if k not in set(items_b[0])]
        if removed or added:  # else only the order changed: show both in full
            return FieldChange(
                field=key,
                label=label,
                before="；".join(removed) or NONE_TEXT,
                after="；".join(added) or NONE_TEXT,
            )
    return FieldChange(field=key, label=label, before=_display(before), after=_display(after))


def diff_guides(before: Guide, after: Guide, vocab: FieldVocab) -> list[FieldChange]:
    """Field-by-field changes from ``before`` to ``after`` (canonical fields, then extras)."""
    old, new = _fields(before), _fields(after)
    keys = [k for k in FIELD_KEYS if k in old or k in new]
    keys += [k for k in dict.fromkeys([*old, *new]) if k not in FIELD_KEYS]
    changes = []
    for key in keys:
        label = vocab.fields[key].element if key in vocab.fields else key
        change = diff_field(key, label, old.get(key), new.get(key))
        if change is not None:
            changes.append(change)
    return changes


def _name(guide: Guide) -> str | None:
    if guide.name is not None:
        return guide.name.text
    return guide.title


def pair_guides(before: list[Guide], after: list[Guide]) -> list[tuple[Guide | None, Guide | None]]:
    """Guides of two versions of one page, paired by item name (then by position)."""
    if len(before) == 1 and len(after) == 1:
        return [(before[0], after[0])]
    by_name = {clean(_name(g) or ""): g for g in before}
    pairs: list[tuple[Guide | None, Guide | None]] = []
    left = list(before)
    for guide in after:
        match = by_name.get(clean(_name(guide) or ""))
        if match is not None and match in left:
            left.remove(match)
        else:
            match = left.pop(0) if left and len(before) == len(after) else None
        pairs.append((match, guide))
    pairs += [(g, None) for g in left]
    return pairs


# --- walking the fetch history ----------------------------------------------------------


class _Extractor:
    """Guides of a snapshot, extracted once per snapshot (the last few are kept)."""

    def __init__(self, store: SnapshotStore, vocab: FieldVocab, sites: list[SiteAdapter]):
        self.store, self.vocab, self.sites = store, vocab, sites
        self._cache: dict[int, list[Guide]] = {}

    def guides(self, snapshot_id: int, fetch: _Fetch) -> list[Guide]:
        if snapshot_id not in self._cache:
            if len(self._cache) > 8:
                self._cache.pop(next(iter(self._cache)))
            self._cache[snapshot_id] = self._extract(snapshot_id, fetch)
        return self._cache[snapshot_id]

    def _extract(self, snapshot_id: int, fetch: _Fetch) -> list[Guide]:
        row = self.store.connection.execute(
            "SELECT encoding FROM snapshots WHERE id = ?", (snapshot_id,)
        ).fetchone()
        try:
            return extract_bytes(
                self.store.body(snapshot_id),
                fetch.url,
                channel=fetch.channel,
                vocab=self.vocab,
                header_charset=row[0] if row else None,
                sites=self.sites,
            )
        except GuidecheckError:
            return []


def _fetches(store: SnapshotStore) -> Iterator[_Fetch]:
    rows = store.connection.execute(
        "SELECT u.url, u.channel, f.run_id, f.fetched_at, f.quality, f.snapshot_id"
        " FROM fetches f JOIN urls u ON u.id = f.url_id ORDER BY u.url, f.run_id, f.id"
    ).fetchall()
    for r in rows:
        yield _Fetch(r[0], r[1], r[2], parse_iso(r[3]), r[4], r[5])


def _content_changes(prev: _Fetch, cur: _Fetch, extractor: _Extractor) -> Iterator[Change]:
    assert prev.snapshot_id is not None and cur.snapshot_id is not None
    old = extractor.guides(prev.snapshot_id, prev)
    new = extractor.guides(cur.snapshot_id, cur)
    for before, after in pair_guides(old, new):
        if before is not None and after is not None:
            fields = diff_guides(before, after, extractor.vocab)
        else:
            gone = "事项（本页已不含）" if after is None else "事项（本页新增）"
            name = _name(before or after) or NONE_TEXT  # type: ignore[arg-type]
            fields = [
                FieldChange(
                    field="item",
                    label=gone,
                    before=name if before else NONE_TEXT,
                    after=name if after else NONE_TEXT,
                )
            ]
        if fields:
            yield Change(
                kind="content",
                url=cur.url,
                channel=cur.channel,
                item=_name(after or before),  # type: ignore[arg-type]
                before_at=prev.fetched_at,
                after_at=cur.fetched_at,
                before_quality=prev.quality,
                after_quality=cur.quality,
                before_snapshot=prev.snapshot_id,
                after_snapshot=cur.snapshot_id,
                fields=tuple(fields),
            )


def _quality_change(
    prev: _Fetch, cur: _Fetch, base: _Fetch | None, extractor: _Extractor
) -> Change:
    item = None
    if base is not None and base.snapshot_id is not None:
        names = [_name(g) for g in extractor.guides(base.snapshot_id, base)]
        item = next((n for n in names if n), None)
    return Change(
        kind="quality",
        url=cur.url,
        channel=cur.channel,
        item=item,
        before_at=prev.fetched_at,
        after_at=cur.fetched_at,
        before_quality=prev.quality,
        after_quality=cur.quality,
        before_snapshot=prev.snapshot_id,
        after_snapshot=cur.snapshot_id,
    )


def _url_changes(
    fetches: list[_Fetch], since: datetime | None, extractor: _Extractor
) -> Iterator[Change]:
    prev: _Fetch | None = None
    base: _Fetch | None = None  # the last good (guide) fetch: the comparison baseline
    for cur in fetches:
        recent = since is None or cur.fetched_at >= since
        if (
            prev is not None
            and recent
            and prev.quality != cur.quality
            and "guide" in (prev.quality, cur.quality)
        ):
            yield _quality_change(prev, cur, base, extractor)
        if cur.quality == "guide" and cur.snapshot_id is not None:
            if base is not None and recent and base.snapshot_id != cur.snapshot_id:
                yield from _content_changes(base, cur, extractor)
            base = cur
        prev = cur


def changes(
    store: SnapshotStore,
    since: datetime | None = None,
    *,
    vocab: FieldVocab | None = None,
    sites: list[SiteAdapter] | None = None,
) -> Iterator[Change]:
    """Changes seen by fetches at or after ``since`` (an aware datetime), URL by URL."""
    if since is not None:
        since = parse_iso(iso(since))  # refuses a naive datetime
    extractor = _Extractor(
        store, vocab or load_field_vocab(), default_sites() if sites is None else sites
    )
    for _, group in groupby(_fetches(store), key=lambda f: f.url):
        yield from _url_changes(list(group), since, extractor)


# --- rendering ------------------------------------------------------------------------

BEIJING = timezone(timedelta(hours=8), "北京时间")
CELL = 40  # display columns per before/after cell


def _width(s: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def _cut(s: str, width: int) -> str:
    s = " ".join(s.split())
    if _width(s) <= width:
        return s
    out, used = [], 0
    for ch in s:
        used += _width(ch)
        if used > width - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


def _when(moment: datetime, tz: timezone) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _quality(q: str) -> str:
    return QUALITY_NAMES.get(q, q)


def _content_block(n: int, change: Change, tz: timezone) -> list[str]:
    head = [
        f"{n}. {change.item or '（未识别事项名称）'}  ［{change.channel}］  {change.url}",
        f"   抓取时间：{_when(change.before_at, tz)} → {_when(change.after_at, tz)}",
    ]
    rows = [("字段", "原内容", "新内容")] + [
        (f.label, _cut(f.before, CELL), _cut(f.after, CELL)) for f in change.fields
    ]
    widths = [max(_width(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        cells = [_pad(c, w) for c, w in zip(row, widths)]
        head.append(("   " + "  ".join(cells)).rstrip())
    return head


def render_changes(changes: Iterable[Change], *, tz: timezone = BEIJING) -> str:
    """A Chinese text report: content changes field by field, then page-state changes."""
    items = list(changes)
    content = [c for c in items if c.kind == "content"]
    quality = [c for c in items if c.kind == "quality"]
    if not items:
        return "没有发现变化。\n"
    lines = [f"内容变化：{len(content)} 项（时间为{tz.tzname(None)}）"]
    for n, change in enumerate(content, 1):
        lines += ["", *_content_block(n, change, tz)]
    if quality:
        lines += ["", f"页面状态变化：{len(quality)} 项（不视为内容删除，仍以上次正常的页面为准）"]
        rows = [("事项", "渠道", "原状态", "新状态", "时间", "网址")] + [
            (
                _cut(c.item or "—", 24),
                c.channel,
                _quality(c.before_quality),
                _quality(c.after_quality),
                _when(c.after_at, tz),
                c.url,
            )
            for c in quality
        ]
        widths = [max(_width(r[i]) for r in rows) for i in range(6)]
        for row in rows:
            lines.append(("   " + "  ".join(_pad(c, w) for c, w in zip(row, widths))).rstrip())
    return "\n".join(lines) + "\n"
