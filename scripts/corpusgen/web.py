"""The three web channels, each with its own layout.

* province — 浙江政务服务网 style: ``<table>`` of ``<th>``/``<td>`` label rows (often two
  pairs in one row), a materials table with a header row; UTF-8; shows the code.
* city — 杭州 city portal style: ``<dl><dt><dd>`` and ``<span class="label">`` pairs,
  materials as ``<ol>``/``<ul>`` lines; GBK bytes declared ``gb2312``; no code.
* app — 杭州办事服务 app style: cards of ``<div class="label">``/``<div class="value">``,
  ``<h4>`` sections with one ``<p>`` per entry, a block of "标签：值" lines, a materials
  table with other headers; UTF-8; shows the code.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from . import boilerplate
from .guides import Guide
from .wording import (
    FORM_TEXT,
    FULLWIDTH,
    Wording,
    citations_text,
    cjk_gap_positions,
    copies_text,
    copy_kind,
    fee_text,
    halfwidth_brackets,
    necessity_text,
    numbered,
    numbering_style,
    online_text,
    phones_text,
    time_text,
    trailing,
    visits_text,
)

# Labels per channel and key: the first is the channel's usual label, the others synonyms.
LABELS: dict[str, dict[str, list[str]]] = {
    "province": {
        "name": ["事项名称", "权力名称"],
        "code": ["基本编码", "权力基本码", "事项编码"],
        "item_type": ["事项类型", "权力类型"],
        "implementing_body": ["实施主体", "实施机关"],
        "legal_basis": ["设定依据", "实施依据", "法律依据"],
        "conditions": ["受理条件", "申请条件"],
        "materials": ["申请材料", "申报材料", "材料清单"],
        "process": ["办理流程", "办理程序"],
        "time_limit_legal": ["法定办结时限", "法定期限"],
        "time_limit_promised": ["承诺办结时限", "承诺期限"],
        "case_type": ["办件类型"],
        "fee": ["是否收费", "收费标准"],
        "visits": ["到办事现场次数", "办事者到办事地点最少次数"],
        "online": ["网上办理深度", "网办深度"],
        "location": ["办理地点", "办理地址"],
        "hours": ["办理时间", "受理时间"],
        "phone": ["咨询电话", "咨询方式"],
        "complaint_phone": ["监督投诉电话", "投诉电话"],
        "result": ["审批结果名称", "结果名称"],
    },
    "city": {
        "name": ["事项名称"],
        "item_type": ["事项类别", "事项类型"],
        "implementing_body": ["办理部门", "受理部门", "实施部门"],
        "legal_basis": ["法律依据", "办理依据", "设定依据"],
        "conditions": ["办理条件", "受理条件"],
        "materials": ["所需材料", "提交材料", "办理材料"],
        "process": ["办事流程", "办理流程"],
        "time_limit_legal": ["法定时限", "法定期限"],
        "time_limit_promised": ["办结时限", "承诺时限"],
        "fee": ["收费情况", "是否收费"],
        "visits": ["跑动次数", "到现场次数"],
        "location": ["办理地址", "具体地址", "办理地点"],
        "hours": ["工作时间", "办公时间"],
        "phone": ["联系电话", "咨询电话"],
        "complaint_phone": ["投诉电话", "监督电话"],
        "result": ["办理结果", "结果名称"],
    },
    "app": {
        "name": ["事项名称", "办事事项"],
        "code": ["事项编码", "事项代码"],
        "implementing_body": ["受理机构", "办理机构"],
        "legal_basis": ["实施依据", "法律依据", "适用依据"],
        "conditions": ["申请条件", "受理条件"],
        "materials": ["材料清单", "所需材料", "需提交材料"],
        "process": ["办理流程", "办理环节"],
        "time_limit_promised": ["承诺期限", "承诺时限", "办结时限"],
        "case_type": ["办件类型"],
        "fee": ["是否收费", "收费信息"],
        "visits": ["最多跑动次数", "跑动次数"],
        "online": ["是否支持网上办理", "网办深度"],
        "location": ["办事地点", "办理地点"],
        "hours": ["受理时间", "办理时间"],
        "phone": ["业务咨询电话", "咨询电话"],
        "complaint_phone": ["投诉监督电话", "监督投诉电话"],
        "result": ["办理结果名称", "办理结果"],
    },
}


def labels_in_use() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table in LABELS.values():
        for key, labels in table.items():
            out.setdefault(key, set()).update(labels)
    return out


def whitespace(text: str, w: Wording, p: float = 0.12) -> str:
    """Escaped text, maybe with a benign &nbsp; / space between two CJK characters."""
    gaps = cjk_gap_positions(text)
    if gaps and w.chance("text.whitespace", p):
        i = w.rng.choice(gaps)
        return escape(text[:i]) + w.rng.choice(["&nbsp;", " ", "\u3000", "&#160;"]) + escape(text[i:])
    return escape(text)


def text_value(key: str, value: dict[str, Any], w: Wording) -> str:
    """A text field as HTML (escaped), with benign width/whitespace variations."""
    text = value["text"]
    if key in {"name", "location"} and "（" in text and w.chance("width.halfwidth_brackets", 0.2):
        text = halfwidth_brackets(text)
    if key == "hours" and w.chance("width.fullwidth_digits", 0.15):
        text = text.translate(FULLWIDTH)
    return whitespace(text, w)


def list_lines(key: str, value: dict[str, Any], w: Wording) -> list[str]:
    """Entries with a numbering prefix in one of the usual styles (escaped)."""
    style = numbering_style(w, process=key == "process")
    if w.chance("list.unnumbered", 0.1):
        style = "none"
    return [escape(numbered(i, style) + trailing(entry, w)) for i, entry in enumerate(value["items"], 1)]


def material_line(m: dict[str, Any], w: Wording) -> str:
    copies = copies_text(m, w)
    return escape(f"{m['name']}（{copies}）" if copies else m["name"])


def shown_name(guide: Guide) -> str:
    """The name a page shows in its title and heading (the name field when present)."""
    name = guide.fields.get("name")
    return name["text"] if name else guide.item.name


class Renderer:
    """Shared value formatting for one guide on one channel."""

    def __init__(self, guide: Guide) -> None:
        self.g = guide
        self.w = guide.wording
        self.f = guide.fields
        self.labels = LABELS[guide.channel]

    def label(self, key: str) -> str:
        return self.w.label(key, self.labels[key])

    def value(self, key: str) -> str:
        """Single-line HTML for a field that is not a list or table."""
        v, w = self.f[key], self.w
        if "text" in v:
            return text_value(key, v, w)
        if key == "code":
            return escape("、".join(v["items"]))
        if key.startswith("time_limit"):
            return escape(time_text(v, w, legal=key == "time_limit_legal"))
        if key == "fee":
            return escape(fee_text(v, w, what=self.g.item.fee_what))
        if key == "visits":
            return escape(visits_text(v, w))
        if key == "online":
            return escape(online_text(v, w))
        if key in {"phone", "complaint_phone"}:
            return escape(phones_text(v, w))
        raise KeyError(key)

    def basis_lines(self) -> list[str]:
        return [escape(line) for line in citations_text(self.f["legal_basis"], self.w)]

    def process_lines(self) -> list[str]:
        v = self.f["process"]
        if self.w.chance("process.arrow_joined", 0.2):
            return [escape("→".join(v["items"]))]
        return list_lines("process", v, self.w)

    def has(self, key: str) -> bool:
        return key in self.f


# ------------------------------------------------------------------ province


def province(guide: Guide) -> bytes:
    r = Renderer(guide)
    w = r.w
    rows: list[str] = []

    def th(key: str) -> str:
        return f'<th class="label">{r.label(key)}</th>'

    def single(key: str) -> None:
        if r.has(key):
            rows.append(f'<tr>{th(key)}<td colspan="3">{r.value(key)}</td></tr>')

    def pair(a: str, b: str) -> None:
        present = [k for k in (a, b) if r.has(k)]
        if len(present) == 2 and w.rng.random() < 0.75:
            rows.append(f"<tr>{th(a)}<td>{r.value(a)}</td>{th(b)}<td>{r.value(b)}</td></tr>")
        else:
            for k in present:
                single(k)

    def lines(key: str, values: list[str]) -> None:
        sep = w.rng.choice(["<br>", "<br/>", "p"])
        body = "".join(f"<p>{v}</p>" for v in values) if sep == "p" else sep.join(values)
        rows.append(f'<tr>{th(key)}<td colspan="3" class="multi">{body}</td></tr>')

    single("name")
    pair("code", "item_type")
    single("implementing_body")
    rows.append('<tr><th class="label">行使层级</th><td>%s</td><th class="label">权力来源</th>'
                "<td>法定本级行使</td></tr>" % ("市级" if guide.unit and guide.unit.is_city else "县级"))
    if r.has("legal_basis"):
        lines("legal_basis", r.basis_lines())
    if r.has("conditions"):
        lines("conditions", list_lines("conditions", r.f["conditions"], w))
    pair("time_limit_legal", "time_limit_promised")
    pair("case_type", "fee")
    pair("visits", "online")
    single("location")
    single("hours")
    pair("phone", "complaint_phone")
    single("result")
    process = r.process_lines() if r.has("process") else []

    headers = [
        ("序号", None), ("材料名称", "name"), ("来源渠道", "source"),
        (w.pick(None, ["材料形式", "提交形式", "介质要求"]), "form"),
        ("原件/复印件", "kind"), (w.pick(None, ["份数", "数量要求"]), "count"),
        (w.pick(None, ["必要性", "是否必要"]), "necessity"),
    ]
    mrows = []
    for i, m in enumerate(r.f.get("materials", {}).get("items", []), 1):
        kind, count = copy_kind(m)
        cells = {
            "name": escape(m["name"]), "source": escape(m.get("source", "")),
            "form": FORM_TEXT.get(m.get("form", ""), ""), "kind": kind, "count": count,
            "necessity": necessity_text(m["necessity"], w) if "necessity" in m else "",
        }
        tds = "".join(f"<td>{i}</td>" if col is None else f"<td>{cells[col]}</td>" for _, col in headers)
        mrows.append(f"<tr>{tds}</tr>")
    head = "".join(f"<th>{h}</th>" for h, _ in headers)
    mat_label = r.label("materials")
    proc_label = r.label("process")
    main = f"""
<div class="zw-detail">
<h1 class="item-title">{escape(shown_name(guide))}</h1>
<div class="zw-tabs tabs"><span class="active" data-target="basic">基本信息</span><span data-target="mat">{mat_label}</span>
<span data-target="flow">{proc_label}</span><span data-target="faq">常见问题</span></div>
<div class="tab-pane" id="basic">
<h3 class="sub-title">基本信息</h3>
<table class="zw-table info-table" cellspacing="0" cellpadding="0"><tbody>
{chr(10).join(rows)}
</tbody></table>
</div>
<div class="tab-pane" id="mat">
<h3 class="sub-title">{mat_label}</h3>
<table class="zw-table material-table"><thead><tr>{head}</tr></thead><tbody>
{chr(10).join(mrows)}
</tbody></table>
</div>
<div class="tab-pane" id="flow">
<table class="zw-table flow-table"><tbody><tr><th class="label">{proc_label}</th><td>{"<br>".join(process)}</td></tr></tbody></table>
</div>
<div class="tab-pane" id="faq"><h3 class="sub-title">常见问题</h3><p class="empty">暂无常见问题</p></div>
<div class="zw-actions"><a class="zw-btn" href="/apply">在线办理</a> <a class="zw-btn" href="/appoint">预约办理</a> <a class="zw-btn" href="/consult">我要咨询</a></div>
</div>"""
    unit = guide.unit.name if guide.unit else ""
    html = boilerplate.page(
        channel="province", prefix="zw", site="浙江政务服务网", title=shown_name(guide),
        crumbs=["首页", "杭州市", unit, guide.item.dept.name, shown_name(guide)],
        main=main, rng=w.rng, charset="utf-8", size_hint=w.rng.randrange(5, 12),
    )
    return html.encode("utf-8")


# ------------------------------------------------------------------ city


def city(guide: Guide) -> bytes:
    r = Renderer(guide)
    w = r.w
    dl: list[str] = []
    for key in ("item_type", "implementing_body", "time_limit_legal", "time_limit_promised",
                "fee", "visits", "result"):
        if r.has(key):
            dl.append(f"<dt>{r.label(key)}：</dt><dd>{r.value(key)}</dd>")
    spans = []
    for key in ("location", "hours", "phone", "complaint_phone"):
        if not r.has(key):
            continue
        spans.append(f'<div class="info-row"><span class="label">{r.label(key)}：</span>'
                     f'<span class="value">{r.value(key)}</span></div>')
    lst = w.rng.choice(["ol", "ul"])
    mats = "\n".join(
        f"<li>{material_line(m, w)}</li>" for m in r.f.get("materials", {}).get("items", [])
    )
    conds = "<br />\n".join(list_lines("conditions", r.f["conditions"], w)) if r.has("conditions") else ""
    basis = "<br />".join(r.basis_lines()) if r.has("legal_basis") else ""
    proc_lines = r.process_lines() if r.has("process") else []
    if len(proc_lines) > 1 and w.rng.random() < 0.5:
        process = "<ul class=\"flow\">" + "".join(f"<li>{p}</li>" for p in proc_lines) + "</ul>"
    else:
        process = "<p>" + "<br />".join(proc_lines) + "</p>"
    main = f"""
<div class="bszn-detail">
<div class="bszn-title">{escape(shown_name(guide))}</div>
<div class="bszn-meta">发布日期：2024-05-20　浏览次数：{w.rng.randrange(100, 9999)}　<a href="javascript:window.print()">打印本页</a></div>
<div class="bszn-block"><div class="block-title">基本信息</div>
<dl class="base-info">
{f"<dt>{r.label('name')}：</dt><dd>{text_value('name', r.f['name'], w)}</dd>" if r.has('name') else ""}
{chr(10).join(dl)}
</dl>
{chr(10).join(spans)}
</div>
<div class="bszn-block"><div class="block-title">{r.label('legal_basis')}</div><div class="block-body">{basis}</div></div>
<div class="bszn-block"><div class="block-title">{r.label('conditions')}</div><div class="block-body">{conds}</div></div>
<div class="bszn-block"><div class="block-title">{r.label('materials')}</div>
<{lst} class="material-list">
{mats}
</{lst}></div>
<div class="bszn-block"><div class="block-title">{r.label('process')}</div><div class="block-body">{process}</div></div>
<div class="bszn-share">分享到：<a href="#">微信</a> <a href="#">微博</a>　<a href="javascript:window.close()">关闭窗口</a></div>
</div>"""
    unit = guide.unit.name if guide.unit else ""
    html = boilerplate.page(
        channel="city", prefix="hz", site="杭州市人民政府门户网站", title=shown_name(guide),
        crumbs=["首页", "政务服务", "办事指南", unit, shown_name(guide)],
        main=main, rng=w.rng, charset="gb2312", size_hint=w.rng.randrange(5, 12),
    )
    return html.encode("gbk")


# ------------------------------------------------------------------ app


def app(guide: Guide) -> bytes:
    r = Renderer(guide)
    w = r.w

    def card(key: str) -> str:
        if not r.has(key):
            return ""
        return (f'<div class="card kv"><div class="label">{r.label(key)}</div>'
                f'<div class="value">{r.value(key)}</div></div>')

    def section(key: str, lines: list[str]) -> str:
        if not r.has(key):
            return ""
        ps = "\n".join(f"<p>{line}</p>" for line in lines)
        return f'<div class="card section"><h4>{r.label(key)}</h4>\n{ps}\n</div>'

    block = "\n".join(
        f"<p>{r.label(k)}：{r.value(k)}</p>"
        for k in ("time_limit_promised", "case_type", "fee", "visits", "online") if r.has(k)
    )
    head = ["材料名称", "原件份数", "复印件份数", "介质要求",
            w.pick(None, ["必要性及描述", "是否必须"]), w.pick(None, ["材料来源", "来源渠道说明"])]
    mrows = []
    for m in r.f.get("materials", {}).get("items", []):
        cells = [escape(m["name"]), str(m.get("originals", 0)), str(m.get("copies", 0)),
                 FORM_TEXT.get(m.get("form", ""), ""),
                 necessity_text(m["necessity"], w) if "necessity" in m else "",
                 escape(m.get("source", ""))]
        mrows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    table = ("<table class=\"m-table\"><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>\n"
             + "\n".join(mrows) + "</table>")
    main = f"""
<div class="app-page">
<div class="app-head"><a class="back" href="javascript:history.back()">返回</a><span class="app-title">办事指南</span></div>
{card('name')}
{card('code')}
{card('implementing_body')}
<div class="card info-lines">
{block}
</div>
{section('legal_basis', r.basis_lines() if r.has('legal_basis') else [])}
{section('conditions', list_lines('conditions', r.f['conditions'], w) if r.has('conditions') else [])}
<div class="card section"><h4>{r.label('materials')}</h4>
{table}
</div>
{section('process', r.process_lines() if r.has('process') else [])}
{card('location')}
{card('hours')}
{card('phone')}
{card('complaint_phone')}
{card('result')}
<div class="app-foot"><a class="app-btn" href="/apply">立即办理</a><a class="app-btn ghost" href="/fav">收藏</a></div>
</div>"""
    html = boilerplate.page(
        channel="app", prefix="app", site="杭州办事服务", title=shown_name(guide),
        crumbs=["首页", "办事", shown_name(guide)],
        main=main, rng=w.rng, charset="utf-8", size_hint=w.rng.randrange(4, 10),
    )
    return html.encode("utf-8")


RENDERERS: dict[str, Callable[[Guide], bytes]] = {"province": province, "city": city, "app": app}
