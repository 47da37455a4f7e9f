"""Semantic value → text, with benign wording variations recorded.

Every renderer takes the *semantic* value of a field (the form the truth file
records, docs/architecture.md "Semantic values") and writes it as a guide
would. A :class:`Wording` makes the seeded choices and records the id of every
benign variation it applies, so tests can later assert none is flagged.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, TypeVar

T = TypeVar("T")

VARIATIONS: dict[str, str] = {
    "time.chinese_numerals": "时限写成中文数字（十五个工作日）",
    "time.no_ge": "时限省略“个”（15工作日）",
    "time.tian": "日写成天（60天）",
    "time.immediate_wording": "即办写成当场办结/即来即办",
    "time.none_wording": "无法定时限写成“无”",
    "time.fullwidth_digits": "时限数字用全角（１５个工作日）",
    "fee.free_wording": "不收费写成免费/无/0元/否",
    "fee.charged_wording": "收费写法不同（每件/工本费 N元，依据位置不同）",
    "copies.chinese_numeral": "份数写成中文（原件一份）",
    "copies.each": "原件及复印件各1份 / 原件1份、复印件1份 互换",
    "copies.yishi": "多份原件写成一式N份",
    "materials.shuffled": "材料顺序打乱",
    "phone.paren": "电话区号加括号（(0571)87654321）",
    "phone.fullwidth_paren": "电话区号加全角括号（（0571）87654321）",
    "phone.plain": "电话不带分隔符（057187654321）",
    "phone.spaced": "电话带空格（0571 8765 4321）",
    "citation.no_brackets": "法规名称不带书名号",
    "citation.arabic_articles": "条款写成阿拉伯数字（第29条）",
    "citation.compact_articles": "多条合写（第二十九、三十条）",
    "width.halfwidth_brackets": "半角括号",
    "width.fullwidth_digits": "全角数字",
    "text.trailing_punct": "条目末尾加句号/分号",
    "text.whitespace": "多余空白、&nbsp;、换行",
    "list.numbering": "列表编号样式不同（1、/（一）/①/第一步：）",
    "list.unnumbered": "列表不编号",
    "process.arrow_joined": "流程用“→”连写在一行",
    "visits.wording": "跑动次数写成零次/一次/最多跑一次",
    "online.wording": "网办深度写法不同（IV级/四级/全程网办）",
    "label.synonym": "标签同义词（所需材料/材料清单、承诺期限/办结时限…）",
    "docx.run_split": "Word 文本被拆成多个 run",
    "docx.zero_width": "零宽空格",
    "docx.fullwidth_space": "全角空格",
    "docx.tracked_insertion": "修订：插入（计入正文）",
    "docx.tracked_deletion": "修订：删除（不计入正文）",
    "docx.auto_numbering": "Word 自动编号（数字不在文本中）",
    # field-level, applied by corpusgen.deviations.benign (a separate rng)
    "materials.shuffled_all": "省/市/窗口渠道材料顺序打乱",
    "materials.alias": "材料名用等价简称（身份证 = 居民身份证）",
    "citation.short_title": "法规名称省略“中华人民共和国”",
}
"""Every benign variation id the generator may record, with a description."""

DIGITS = "零一二三四五六七八九"
CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def chinese_number(n: int) -> str:
    """0–9999 in Chinese numerals: 15 → 十五, 105 → 一百零五, 1049 → 一千零四十九."""
    if n < 0 or n > 9999:
        raise ValueError(n)
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    units = [(1000, "千"), (100, "百"), (10, "十")]
    out = ""
    rest = n
    zero = False
    for size, name in units:
        d, rest = divmod(rest, size)
        if d:
            if zero:
                out += "零"
                zero = False
            out += DIGITS[d] + name
        elif out:
            zero = True
    if rest:
        if zero:
            out += "零"
        out += DIGITS[rest]
    return out


FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class Wording:
    """Seeded wording choices for one guide; records the variations applied."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.variations: list[str] = []

    def record(self, vid: str) -> None:
        if vid not in VARIATIONS:
            raise KeyError(f"unknown variation id {vid!r}")
        if vid not in self.variations:
            self.variations.append(vid)

    def chance(self, vid: str, p: float) -> bool:
        """True with probability ``p``; records ``vid`` when true."""
        hit = self.rng.random() < p
        if hit:
            self.record(vid)
        return hit

    def pick(self, vid: str | None, options: Sequence[T], p_default: float = 0.5) -> T:
        """The first option (the plain form) with probability ``p_default``, else another
        one, recording ``vid``."""
        if len(options) == 1 or self.rng.random() < p_default:
            return options[0]
        if vid:
            self.record(vid)
        return options[self.rng.randrange(1, len(options))]

    def label(self, key: str, labels: Sequence[str], p_default: float = 0.6) -> str:
        """A label for ``key``: the channel's usual one, or a recorded synonym."""
        return self.pick("label.synonym", labels, p_default)

    def shuffle(self, items: list[T]) -> list[T]:
        out = list(items)
        self.rng.shuffle(out)
        if out != items:
            self.record("materials.shuffled")
        return out


# ---------------------------------------------------------------- time limits


def time_text(value: dict[str, Any], w: Wording, *, legal: bool) -> str:
    if value.get("immediate"):
        return w.pick("time.immediate_wording", ["即办", "当场办结", "即来即办"], 0.6)
    if value.get("no_statutory"):
        return w.pick("time.none_wording", ["无法定时限", "无"], 0.7) if legal else "无法定时限"
    amount = int(value["amount"])
    unit = value["unit"]
    number = str(amount)
    style = w.rng.random()
    if style < 0.2 and amount > 0:
        number = chinese_number(amount)
        w.record("time.chinese_numerals")
    elif style < 0.3:
        number = number.translate(FULLWIDTH)
        w.record("time.fullwidth_digits")
    if unit == "working_day":
        return number + w.pick("time.no_ge", ["个工作日", "工作日"], 0.8)
    if unit == "day":
        return number + w.pick("time.tian", ["日", "天"], 0.7)
    if unit == "calendar_day":
        return number + "个自然日"
    if unit == "month":
        return number + "个月"
    raise ValueError(unit)


def time_plain(value: dict[str, Any], *, legal: bool) -> str:
    """The handbook's own form: 15个工作日, 60日, 即办, 无法定时限."""
    if value.get("immediate"):
        return "即办"
    if value.get("no_statutory"):
        return "无法定时限"
    names = {"working_day": "个工作日", "day": "日", "calendar_day": "个自然日", "month": "个月"}
    return f"{int(value['amount'])}{names[value['unit']]}"


# ---------------------------------------------------------------- fee


def fee_text(value: dict[str, Any], w: Wording | None, *, what: str = "") -> str:
    if value.get("free"):
        if w is None:
            return "不收费"
        return w.pick("fee.free_wording", ["不收费", "免费", "无", "0元"], 0.5)
    amounts = "、".join(value["amounts"])
    basis = value["basis"]
    forms = [
        f"收费，{what}{amounts}，收费依据：{basis}",
        f"{what}{amounts}。收费依据：{basis}",
        f"收取{what}{amounts}，依据{basis}",
    ]
    if w is None:
        return forms[0]
    return w.pick("fee.charged_wording", forms, 0.5)


# ---------------------------------------------------------------- legal basis


def citations_text(value: dict[str, Any], w: Wording | None, sep: str = "；") -> list[str]:
    """One string per law: 《中华人民共和国行政许可法》第二十九条、第三十条."""
    brackets = True
    arabic = compact = False
    if w is not None:
        brackets = not w.chance("citation.no_brackets", 0.2)
        arabic = w.chance("citation.arabic_articles", 0.25)
        compact = not arabic and w.chance("citation.compact_articles", 0.15)
    out = []
    for cit in value["citations"]:
        law = f"《{cit['law']}》" if brackets else cit["law"]
        nums = [str(a) if arabic else chinese_number(a) for a in cit["articles"]]
        if compact and len(nums) > 1:
            arts = "第" + "、".join(nums) + "条"
        else:
            arts = "、".join(f"第{n}条" for n in nums)
        out.append(law + arts)
    return out


# ---------------------------------------------------------------- materials


def count_text(n: int, w: Wording | None) -> str:
    if w is not None and w.chance("copies.chinese_numeral", 0.15):
        return chinese_number(n).replace("二", "两") if n == 2 else chinese_number(n)
    return str(n)


def copies_text(mat: dict[str, Any], w: Wording | None) -> str:
    """原件1份、复印件1份 / 原件及复印件各1份 / 复印件2份 / 一式两份 ('' if neither)."""
    o, c = mat.get("originals"), mat.get("copies")
    if o and c:
        if o == c:
            each = f"原件及复印件各{count_text(o, w)}份"
            split = f"原件{count_text(o, w)}份、复印件{count_text(c, w)}份"
            return w.pick("copies.each", [each, split]) if w else each
        return f"原件{count_text(o, w)}份、复印件{count_text(c, w)}份"
    if o:
        if o > 1 and w is not None and w.chance("copies.yishi", 0.5):
            return f"一式{chinese_number(o).replace('二', '两')}份"
        return f"原件{count_text(o, w)}份"
    if c:
        return f"复印件{count_text(c, w)}份"
    return ""


def copy_kind(mat: dict[str, Any]) -> tuple[str, str]:
    """Handbook columns 原件/复印件 and 份数: ('原件及复印件', '各1份')."""
    o, c = mat.get("originals"), mat.get("copies")
    if o and c:
        return ("原件及复印件", f"各{o}份") if o == c else ("原件及复印件", f"原件{o}份、复印件{c}份")
    if o:
        return "原件", f"{o}份"
    if c:
        return "复印件", f"{c}份"
    return "", ""


FORM_TEXT = {"paper": "纸质", "electronic": "电子", "both": "纸质和电子"}
NECESSITY_TEXT = {"required": "必要", "optional": "非必要", "deferred": "容缺后补"}


def necessity_text(value: str, w: Wording | None) -> str:
    if w is None:
        return NECESSITY_TEXT[value]
    options = {
        "required": ["必要", "是", "必须"],
        "optional": ["非必要", "否", "选择提交"],
        "deferred": ["容缺后补", "容缺"],
    }[value]
    return w.pick(None, options, 0.7)


# ---------------------------------------------------------------- other kinds


def visits_text(value: dict[str, Any], w: Wording | None) -> str:
    n = value["count"]
    plain = f"{n}次"
    if w is None:
        return plain
    return w.pick("visits.wording", [plain, "零次"] if n == 0 else [plain, "一次", "最多跑一次"], 0.6)


ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}
ASCII_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def online_text(value: dict[str, Any], w: Wording | None) -> str:
    if not value.get("available"):
        return w.pick("online.wording", ["否", "仅窗口办理", "不支持"], 0.6) if w else "否"
    d = value["depth"]
    if w is None:
        return f"{ROMAN[d]}级"
    if d == 4:
        options = ["全程网办（Ⅳ级）", "Ⅳ级", "IV级", "四级", "全程网办"]
    else:
        options = [
            f"网上办理（{ROMAN[d]}级）",
            f"{ROMAN[d]}级",
            f"{ASCII_ROMAN[d]}级",
            f"{chinese_number(d)}级",
        ]
    return w.pick("online.wording", options, 0.5)


def phone_text(number: str, w: Wording | None) -> str:
    """0571-87654321 in one of its equivalent spellings; service numbers as they are."""
    if "-" not in number:
        return number
    area, local = number.split("-")
    if w is None:
        return number
    options = [
        number,
        f"({area}){local}",
        f"（{area}）{local}",
        area + local,
        f"{area} {local[:4]} {local[4:]}",
    ]
    vids = [None, "phone.paren", "phone.fullwidth_paren", "phone.plain", "phone.spaced"]
    i = 0 if w.rng.random() < 0.5 else w.rng.randrange(1, len(options))
    if vids[i]:
        w.record(vids[i])
    return options[i]


def phones_text(value: dict[str, Any], w: Wording | None) -> str:
    return "、".join(phone_text(n, w) for n in value["numbers"])


NUMBERING_STYLES = ["arabic_dot", "arabic_dun", "paren_cn", "circled", "cn_dun"]
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"


def numbered(i: int, style: str) -> str:
    """Prefix for entry ``i`` (1-based) in a numbering style."""
    if style == "arabic_dot":
        return f"{i}. "
    if style == "arabic_dun":
        return f"{i}、"
    if style == "paren_cn":
        return f"（{chinese_number(i)}）"
    if style == "circled":
        return CIRCLED[i - 1]
    if style == "cn_dun":
        return f"{chinese_number(i)}、"
    if style == "step":
        return f"第{chinese_number(i)}步："
    if style == "none":
        return ""
    raise ValueError(style)


def numbering_style(w: Wording, *, process: bool = False) -> str:
    styles = NUMBERING_STYLES + (["step"] if process else [])
    style = w.pick("list.numbering", styles, 0.6)
    return style


def trailing(text: str, w: Wording, p: float = 0.2) -> str:
    if w.chance("text.trailing_punct", p):
        return text + w.pick(None, ["。", "；", ";"], 0.5)
    return text


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def cjk_gap_positions(text: str) -> list[int]:
    """Positions between two CJK characters (where inserted whitespace is benign)."""
    return [i for i in range(1, len(text)) if is_cjk(text[i - 1]) and is_cjk(text[i])]


def halfwidth_brackets(text: str) -> str:
    return text.replace("（", "(").replace("）", ")")
