"""Hostile crawled text in the report outputs: reliability.md section F (F1–F9).

Each test puts F-series strings into findings (tests/report_factory.py) and checks the
written files with the libraries that read them: openpyxl, python-docx, lxml.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from lxml import html as lxml_html
from openpyxl import load_workbook
from report_factory import finding, make_report

from guidecheck.compare.text import char_diff
from guidecheck.report import html_page
from guidecheck.report.docx_bulletin import write_docx
from guidecheck.report.html_page import render_html, write_html
from guidecheck.report.model import Sample
from guidecheck.report.safe import (
    CELL_MAX,
    FILENAME_MAX_BYTES,
    TRUNCATION_MARK,
    Sanitizer,
    safe_filename,
    safe_url,
    sheet_title,
)
from guidecheck.report.xlsx_annex import write_xlsx

TESTS = Path(__file__).resolve().parent
FORMULAS = [
    '=HYPERLINK("http://evil","x")',
    "=cmd|' /C calc'!A0",  # F1
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",  # F2 (ASVS 1.2.10)
]


def _cells(path: Path) -> list:  # type: ignore[type-arg]
    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def _xlsx_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


# --- F1/F2: formulas stay literal text -----------------------------------------------------
@pytest.mark.parametrize("payload", FORMULAS)
def test_f1_f2_formula_lookalikes_stay_literal_string_cells(payload: str, tmp_path: Path) -> None:
    report = make_report(
        [
            finding(
                0,
                actual=payload,
                expected=payload,
                message=payload,
                item_name=payload,
                unit=payload,
            )
        ]
    )
    path = tmp_path / "a.xlsx"
    stats = write_xlsx(report, path)
    hits = [c for c in _cells(path) if c.value == payload]
    assert len(hits) >= 5  # unit (summary + sheet), item, expected, actual, message
    assert {c.data_type for c in hits} == {"s"}
    assert all(c.quotePrefix for c in hits)  # editing the cell keeps it text
    assert "<f>" not in _xlsx_xml(path)  # no formula anywhere in the workbook
    assert stats.formulas >= 5


@pytest.mark.parametrize("payload", FORMULAS)
def test_f1_f2_csv_cells_get_a_quote_prefix(payload: str) -> None:
    assert Sanitizer().csv_cell(payload) == "'" + payload
    assert Sanitizer().csv_cell("3个工作日") == "3个工作日"


# --- F3: control characters -------------------------------------------------------------------
CONTROL = "材料\x00名称\x0b换行\x1b[31m红\x08退格\x1f"  # 5 illegal characters


@pytest.mark.parametrize("write", [write_docx, write_xlsx, write_html])
def test_f3_control_characters_are_replaced_and_counted(write, tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    report = make_report(
        [finding(0, message=CONTROL, unit="西湖区\x00", item_name=CONTROL)], title="通报\x0c标题"
    )
    path = tmp_path / "out.bin"
    with caplog.at_level(logging.INFO, logger="guidecheck.report.safe"):
        stats = write(report, path)
    assert stats.control_chars >= 5 + 1
    assert "control characters replaced" in caplog.text
    assert path.stat().st_size > 0


def test_f3_replaced_text_is_readable_in_docx_and_xlsx(tmp_path: Path) -> None:
    report = make_report([finding(0, message=CONTROL, unit="西湖区")])
    write_docx(report, tmp_path / "a.docx")
    text = "\n".join(p.text for p in Document(str(tmp_path / "a.docx")).paragraphs)
    assert "材料\ufffd名称\ufffd换行\ufffd[31m红" in text
    write_xlsx(report, tmp_path / "a.xlsx")
    messages = [c.value for c in _cells(tmp_path / "a.xlsx") if str(c.value).startswith("材料")]
    assert messages == [
        CONTROL.replace("\x00", "\ufffd")
        .replace("\x0b", "\ufffd")
        .replace("\x1b", "\ufffd")
        .replace("\x08", "\ufffd")
        .replace("\x1f", "\ufffd")
    ]


# --- F4: long text -------------------------------------------------------------------------------
def test_f4_long_text_is_cut_with_a_visible_mark_never_silently(tmp_path: Path) -> None:
    long = "甲" * 39_990 + "结尾"
    report = make_report([finding(0, actual=long)])
    stats = write_xlsx(report, tmp_path / "a.xlsx")
    cut = [c.value for c in _cells(tmp_path / "a.xlsx") if str(c.value).startswith("甲甲")]
    assert len(cut) == 1 and len(cut[0]) == CELL_MAX
    assert cut[0].endswith(TRUNCATION_MARK) and "HTML" in TRUNCATION_MARK
    assert stats.truncated == 1
    # the HTML page the mark points to holds the full text
    assert long in render_html(report)


# --- F5: markup and links ---------------------------------------------------------------------------
HOSTILE = {
    "title": "<script>alert(1)</script>",
    "unit": '" onmouseover=x "',
    "actual": "<img src=x onerror=alert(2)>",
    "message": "</td></tr></table><script>alert(3)</script>",
}
BAD_LINKS = [
    "javascript:alert(1)",
    "data:text/html,<script>alert(4)</script>",
    "JAVASCRIPT:alert(5)",
    " javascript:alert(6)",
    "vbscript:x",
    "file:///etc/passwd",
    "https://ok.example/\x00x",
    "http:/no-host",
]


def _hostile_report():  # type: ignore[no-untyped-def]
    rows = [
        finding(
            i,
            unit=HOSTILE["unit"],
            actual=HOSTILE["actual"],
            message=HOSTILE["message"],
            location={"url": url, "where": '"><svg onload=alert(7)>'},
        )
        for i, url in enumerate(BAD_LINKS)
    ]
    return make_report(
        rows + [finding(99, location={"url": "https://ok.example/p?a=1&b=2", "where": ""})],
        title=HOSTILE["title"],
    )


def test_f5_hostile_markup_is_escaped_and_bad_links_dropped(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    stats = write_html(_hostile_report(), path)
    tree = lxml_html.fromstring(path.read_bytes())
    scripts = tree.xpath("//script")
    assert len(scripts) == 1 and scripts[0].text == html_page._assets()[1]
    assert not tree.xpath("//img | //svg[@onload] | //*[starts-with(name(), 'on')]")
    handlers = [
        a
        for el in tree.iter()
        if isinstance(el.tag, str)
        for a in el.attrib
        if a.lower().startswith("on")
    ]
    assert handlers == []
    assert tree.xpath("//@href") == ["https://ok.example/p?a=1&b=2"]
    assert stats.links_dropped == len(BAD_LINKS)
    assert tree.xpath("//title")[0].text == HOSTILE["title"]  # shown as text
    assert HOSTILE["unit"] in tree.xpath('//table[@id="findings-table"]/tbody/tr/@data-unit')


def test_f5_csp_meta_allows_only_the_page_script(tmp_path: Path) -> None:
    page = render_html(_hostile_report())
    tree = lxml_html.fromstring(page)
    csp = tree.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
    assert len(csp) == 1
    policy = dict(d.strip().split(" ", 1) for d in csp[0].split(";"))
    assert policy["default-src"] == "'none'" and policy["img-src"] == "data:"
    assert "unsafe-inline" not in policy["script-src"]
    import base64
    import hashlib

    script = tree.xpath("//script")[0].text
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert policy["script-src"] == f"'sha256-{digest}'"


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://a.example/x", True),
        ("http://a.example", True),
        ("HTTPS://A.example/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("//a.example/x", False),
        ("https://", False),
        ("https://a.example/\nx", False),
        (None, False),
        ("", False),
    ],
)
def test_f5_safe_url_keeps_only_absolute_http_links(url, ok) -> None:  # type: ignore[no-untyped-def]
    assert (safe_url(url) is not None) is ok


def test_f5_xlsx_hyperlinks_only_for_http(tmp_path: Path) -> None:
    write_xlsx(_hostile_report(), tmp_path / "a.xlsx")
    links = [c.hyperlink.target for c in _cells(tmp_path / "a.xlsx") if c.hyperlink]
    assert links == ["https://ok.example/p?a=1&b=2"]


# --- F6: the canary through every template -------------------------------------------------------
CANARY = "<x>"


def _canary_report():  # type: ignore[no-untyped-def]
    c = CANARY
    rows = [
        finding(
            i,
            **{
                k: f"{c}{k}"
                for k in (
                    "unit",
                    "item_code",
                    "item_name",
                    "channel_label",
                    "field_label",
                    "rule",
                    "rule_name",
                    "expected",
                    "actual",
                    "message",
                    "implementing_body",
                )
            },
            severity=f"{c}sev",
            detail=f"{c}[-{c}-][+{c}+]",
            location={"url": f"https://a.example/{c}", "where": c},
        )
        for i in range(2)
    ]
    rows.append(finding(5, unit=f"{c}dept", channel="*", location=None))
    sample = Sample(seed=7, size=3, rate=None, strata={f"{c}/province": 3}, guides=("g",))
    report = make_report(rows, sample=sample, title=c, resolved=[rows[0]])
    scans = tuple({**s, "channel_label": c} for s in report.scans)
    units = tuple(
        type(u)(
            **{
                **{f: getattr(u, f) for f in u.__slots__},  # type: ignore[arg-type]
                "trend": ((c, 0.5), (c + "2", 0.6)),
            }
        )
        for u in report.units
    )
    from dataclasses import replace

    return replace(
        report,
        issuer=c,
        recipients=c,
        scans=scans,
        units=units,
        window=replace(report.window, label=c),
    )


def test_f6_the_canary_is_escaped_in_every_template() -> None:
    html_page.environment.cache_clear()
    env = html_page.environment()
    assert env.autoescape is True
    page = render_html(_canary_report())
    assert CANARY not in page
    assert page.count("&lt;x&gt;") > 40
    loaded = {key[1] for key in env.cache}  # type: ignore[union-attr]
    on_disk = {p.name for p in html_page.TEMPLATES.glob("*.html")}
    assert loaded == on_disk, "a template was not exercised by the canary"


def test_f6_templates_never_switch_escaping_off() -> None:
    for path in html_page.TEMPLATES.glob("*"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\|\s*safe|autoescape\s+false|Markup", text), path.name
    assert "select_autoescape(" not in Path(html_page.__file__).read_text(encoding="utf-8")


# --- F7: a diff of two crawled HTML versions -----------------------------------------------------
def test_f7_a_diff_of_two_html_versions_renders_tags_as_text() -> None:
    old = '<p class="m">材料<b>1份</b></p>'
    new = '<p class="m">材料<script>alert(1)</script><b onclick="x()">2份</b></p>'
    report = make_report([finding(0, expected=old, actual=new, detail=char_diff(old, new))])
    tree = lxml_html.fromstring(render_html(report))
    detail = tree.xpath('//div[@class="detail"]')[0]
    shown = detail.text_content()
    assert "<script>alert(1)</script>" in shown and 'onclick="x()"' in shown
    assert detail.xpath(".//ins") and not detail.xpath(".//script | .//b | .//p")
    assert len(tree.xpath("//script")) == 1
    assert not tree.xpath("//@onclick")


# --- F8: names from hostile titles --------------------------------------------------------------
F8_TITLES = [
    "../a",
    "..\\..\\a",
    "/etc/passwd",
    "CON",
    "con.xlsx",
    "LPT1",
    "a/../../b",
    "中" * 300,
    "中" * 300,
    "",
    ".",
    "..",
    "a\x00b",
    "  .hidden. ",
    'a:b*c?"<>|',
]


def test_f8_file_names_are_safe_unique_short_and_inside_the_output_dir(tmp_path: Path) -> None:
    taken: set[str] = set()
    for title in F8_TITLES:
        path = safe_filename(title, tmp_path, suffix=".xlsx", taken=taken)
        name = path.name
        assert name not in taken
        taken.add(name)
        assert path.parent == tmp_path.resolve()
        assert len(name.encode()) <= FILENAME_MAX_BYTES
        assert not re.search(r'[\x00-\x1f/\\:*?"<>|]', name)
        assert not name.startswith(".") and name.endswith(".xlsx")
        assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1"}
        path.write_bytes(b"x")  # the name is usable
    assert len(taken) == len(F8_TITLES)


def test_f8_a_name_already_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "通报.docx").write_bytes(b"old")
    assert safe_filename("通报", tmp_path, suffix=".docx").name == "通报-2.docx"


def test_f8_sheet_names_from_hostile_unit_names(tmp_path: Path) -> None:
    hostile = [
        "a[b]:c*?/\\d",
        "'quoted'",
        "History",
        "汇总",
        "x" * 40,
        "x" * 40 + "y",
        "X" * 40,
        "杭州市" * 20,
    ]
    taken: set[str] = set()
    titles = [sheet_title(h, taken) for h in hostile]
    assert len({t.lower() for t in titles}) == len(hostile)
    for t in titles:
        assert 0 < len(t) <= 31 and not re.search(r"[\[\]:*?/\\]", t)
        assert not t.startswith("'") and not t.endswith("'")
    report = make_report([finding(i, unit=u) for i, u in enumerate(hostile)])
    write_xlsx(report, tmp_path / "a.xlsx")
    names = load_workbook(tmp_path / "a.xlsx").sheetnames
    assert len(names) == len(hostile) + 2 and len({n.lower() for n in names}) == len(names)


# --- F9: 10,000 rows, streaming ----------------------------------------------------------------
F9_SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from report_factory import finding, make_report
from guidecheck.report.xlsx_annex import write_xlsx
rows = [finding(i, message="问题说明" * 40, actual="=1+" + str(i)) for i in range(10_000)]
report = make_report(rows, checked=5_000)
stats = write_xlsx(report, sys.argv[2])
# VmHWM is this process's own peak; ru_maxrss would carry the forking parent's over exec.
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"rss_kb": hwm, "formulas": stats.formulas}))
"""


@pytest.mark.timeout(120)
def test_f9_ten_thousand_rows_stream_within_the_memory_bound(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    out = subprocess.run(
        [sys.executable, "-c", F9_SCRIPT, str(TESTS), str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=110,
    )
    result = json.loads(out.stdout)
    assert result["rss_kb"] < 500 * 1024, result
    assert result["formulas"] == 10_000
    with zipfile.ZipFile(path) as z:
        sheets = sorted(
            (n for n in z.namelist() if n.startswith("xl/worksheets/sheet")),
            key=lambda n: int(re.sub(r"\D", "", n)),
        )
        unit_sheets = sheets[1:-1]  # summary first, resolved last
        rows = sum(z.read(n).count(b"<row ") - 2 for n in unit_sheets)  # title, header
    assert rows == 10_000
