"""The weekly window: 上周三 00:00 to 本周二 24:00, Asia/Shanghai time (pure).

A window starts on a Wednesday at 00:00 in Asia/Shanghai and ends (exclusive) at the
next Wednesday 00:00 (= Tuesday 24:00). Every computation is done in Asia/Shanghai
through zoneinfo, never in the process's local zone: the ``TZ`` of the machine does
not move a window. China has had no DST since 1991, but the arithmetic goes through
local dates anyway, so it would stay right if it had.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from guidecheck.errors import GuidecheckError
from guidecheck.report.model import Window

try:
    SHANGHAI = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError as exc:  # pragma: no cover - machine without tz database
    raise GuidecheckError(
        "本机缺少时区数据库（Asia/Shanghai）：请安装 tzdata（pip install tzdata）。"
    ) from exc

WEDNESDAY = 2  # date.weekday()


def local(moment: datetime) -> datetime:
    """``moment`` in Asia/Shanghai; a naive datetime is taken as Asia/Shanghai time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def parse_moment(text: str) -> datetime:
    """ISO date or datetime → aware datetime; naive input is Asia/Shanghai time.

    ``2026-11-24`` is that day's 00:00 in Asia/Shanghai; ``2026-11-24T23:59`` likewise;
    ``2026-11-24T15:59:00Z`` / ``+00:00`` keep their offset.
    """
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise GuidecheckError(
            f"无法识别的时间 {text!r}：请写成 2026-11-24 或 2026-11-24T09:30（北京时间），"
            "或带时区 2026-11-24T01:30+00:00"
        ) from exc
    return local(moment)


def label(start: date, last: date) -> str:
    """Label like 2026年11月18日至11月24日; the year is repeated when the window spans two."""
    head = f"{start.year}年{start.month}月{start.day}日"
    tail = (
        f"{last.month}月{last.day}日"
        if last.year == start.year
        else (f"{last.year}年{last.month}月{last.day}日")
    )
    return f"{head}至{tail}"


def _window(start_day: date) -> Window:
    end_day = start_day + timedelta(days=7)
    return Window(
        start=datetime.combine(start_day, time(0), tzinfo=SHANGHAI),
        end=datetime.combine(end_day, time(0), tzinfo=SHANGHAI),
        label=label(start_day, end_day - timedelta(days=1)),
    )


def window_for_date(day: date) -> Window:
    """The window holding the calendar day ``day`` (an Asia/Shanghai date)."""
    return _window(day - timedelta(days=(day.weekday() - WEDNESDAY) % 7))


def window_containing(moment: datetime | date) -> Window:
    """The window holding ``moment`` (a date is an Asia/Shanghai calendar day)."""
    if isinstance(moment, datetime):
        return window_for_date(local(moment).date())
    return window_for_date(moment)


def shift(window: Window, weeks: int) -> Window:
    """The window ``weeks`` later (negative: earlier)."""
    return _window(window.start.date() + timedelta(weeks=weeks))


def latest_complete(now: datetime) -> Window:
    """The latest window that has ended at ``now`` (the one before the current one)."""
    return shift(window_containing(now), -1)


def contains(window: Window, moment: datetime) -> bool:
    return window.start <= moment < window.end


def week_number(window: Window) -> tuple[int, int]:
    """(ISO year, ISO week) of the window's last day (the Tuesday the bulletin covers)."""
    iso = (window.end.date() - timedelta(days=1)).isocalendar()
    return iso[0], iso[1]
