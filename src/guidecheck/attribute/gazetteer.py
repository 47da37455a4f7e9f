"""Which unit a guide belongs to, from its implementing body (实施主体).

The registry's explicit body list wins (``杭州住房公积金管理中心萧山分中心`` → 萧山区).
Otherwise the body's text is searched for the units' names and short forms: Chinese
body names run from the general to the specific (杭州市 → 西湖区 → 市场监督管理局;
杭州市规划和自然资源局 → 西湖分局), so the **last** place name mentioned wins, and a
name inside a longer one at the same place is ignored (杭州市 inside 杭州市西湖区).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guidecheck.attribute.registry import Registry
from guidecheck.compare.text import strip_punct
from guidecheck.normalize.text import clean

MIN_ALIAS = 2  # one-character short forms would match anywhere


def _key(text: str) -> str:
    return strip_punct(clean(text))


@dataclass(frozen=True, slots=True)
class Gazetteer:
    bodies: dict[str, str]  # body key → unit name
    aliases: dict[str, str]  # alias key → unit name
    pattern: re.Pattern[str] | None

    @classmethod
    def from_registry(cls, registry: Registry) -> Gazetteer:
        bodies: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for unit in registry.units:
            for body in unit.bodies.values():
                bodies.setdefault(_key(body), unit.name)
        # a body listed by one unit only names that unit; a shared one (市本级's bodies
        # are the line departments themselves) names the unit listing it as its own
        for unit in registry.units:
            for alias in (unit.name, *unit.short):
                k = _key(alias)
                if len(k) >= MIN_ALIAS:
                    aliases.setdefault(k, unit.name)
        ordered = sorted(aliases, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        return cls(bodies, aliases, pattern)

    def unit_for_body(self, body: str | None) -> str | None:
        """The unit an implementing body belongs to, or None when no name is found."""
        if not body:
            return None
        key = _key(body)
        exact = self.bodies.get(key)
        if exact is not None:
            return exact
        if self.pattern is None:
            return None
        last: str | None = None
        pos = 0
        while True:  # non-overlapping leftmost-longest scan; keep the last hit
            m = self.pattern.search(key, pos)
            if m is None:
                return self.aliases[last] if last else None
            last, pos = m.group(0), m.end()
