"""Chinese display labels and number formats shared by the DOCX, XLSX and HTML renderers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS = {"new": "新发现", "persisting": "持续存在", "resolved": "已整改"}
CHANNEL_ALL = "*"
PSEUDO_CHANNELS = frozenset({CHANNEL_ALL, "handbook"})  # not publishing channels


def severity_label(code: object) -> str:
    return SEVERITY.get(str(code), str(code))


def status_label(code: object) -> str:
    return STATUS.get(str(code), str(code))


def channel_label(data: Mapping[str, Any]) -> str:
    """The channel's Chinese label; ``*`` (regional variance) reads 各渠道."""
    if data.get("channel") == CHANNEL_ALL:
        return "各渠道"
    return str(data.get("channel_label") or data.get("channel") or "")


def percent(rate: float | None, digits: int = 1) -> str:
    """``0.8641`` → ``86.4%``; None → ``—``."""
    return "—" if rate is None else f"{rate * 100:.{digits}f}%"


def number(value: float) -> str:
    """Points without a useless ``.0``: ``3.0`` → ``3``, ``2.5`` → ``2.5``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def cn_date(moment: datetime) -> str:
    """The Shanghai calendar date as in official documents: ``2026年11月25日``."""
    d = moment.astimezone(SHANGHAI) if moment.tzinfo else moment
    return f"{d.year}年{d.month}月{d.day}日"


def cn_datetime(moment: datetime) -> str:
    d = moment.astimezone(SHANGHAI) if moment.tzinfo else moment
    return f"{d.year}年{d.month}月{d.day}日 {d:%H:%M}"


def location_text(location: object) -> tuple[str, str, str]:
    """``(kind, target, where)`` of a finding's location: kind ``url``/``file``/``""``."""
    if not isinstance(location, Mapping):
        return "", "", ""
    where = str(location.get("where") or "")
    if location.get("url"):
        return "url", str(location["url"]), where
    if location.get("file"):
        return "file", str(location["file"]), where
    return "", "", where


def item_text(data: Mapping[str, Any]) -> str:
    """``食品经营许可（新办）（许可-00077-006-01）`` or whichever half is known."""
    name, code = data.get("item_name"), data.get("item_code")
    if name and code:
        return f"{name}（{code}）"
    return str(name or code or "")
