"""Crawl → snapshot store → scan, against the real demo sites (scripts/serve_demo.py)
served on 127.0.0.1 (random ports) from a copy of the corpus the tests can change.

One crawl feeds the first tests; a re-crawl after a block page and a changed time limit
feeds the next. The whole file stays well under a minute.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from guidecheck.attribute.registry import load_registry
from guidecheck.cli import main
from guidecheck.crawl.reach import ChannelReach, Evidence, UnreachedPage
from guidecheck.scan import _missing_scope

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
sys.path.insert(0, str(ROOT / "scripts"))
from serve_demo import scan_config, serve

BLOCK_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head>"
              "<body><p>访问过于频繁，请完成人机验证后继续访问。</p></body></html>")
HOLD_RUN = """
import sys, time
from guidecheck.store import SnapshotStore
store = SnapshotStore.open(sys.argv[1])
store.begin_run(channels=["province"], config_digest="x")
print("ready", flush=True)
time.sleep(60)
"""
CHANGED = ("app", "xihu_xk-00077-006-01.html", "承诺期限：３个工作日", "承诺期限：7个工作日")


class Demo:
    def __init__(self, tmp: Path) -> None:
        self.corpus = tmp / "corpus"
        self.corpus.mkdir()
        for name in ("handbook", "manuals"):
            (self.corpus / name).symlink_to(CORPUS / name)
        for name in ("registry.yaml", "scan.yaml", "suppressions.yaml"):
            if (CORPUS / name).exists():
                (self.corpus / name).symlink_to(CORPUS / name)
        shutil.copytree(CORPUS / "web", self.corpus / "web")
        self.servers, self.ports = serve(0, self.corpus)
        assert all(s.server_address[0] == "127.0.0.1" for s in self.servers)
        self.config = tmp / "demo-crawl.yaml"
        data = scan_config(self.ports, self.config, corpus=self.corpus, delay=0.0)
        data["crawl"]["concurrency"] = 8
        self.config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                               encoding="utf-8")
        self.store = tmp / "guidecheck.db"

    def url(self, channel: str, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[channel]}/guide/{name}"

    def serve_bytes(self, channel: str, name: str, body: bytes) -> None:
        (self.corpus / "web" / channel / name).write_bytes(body)
        for server in self.servers:
            site = server.RequestHandlerClass.site  # type: ignore[attr-defined]
            site._cache.clear()

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _scan(capsys: pytest.CaptureFixture[str], config: Path, out: Path, *extra: str
          ) -> tuple[int, dict[str, Any], str]:
    code, _stdout, err = _run(capsys, "scan", str(config), "-o", str(out), "--jobs", "2", "-q", *extra)
    return code, json.loads(out.read_text(encoding="utf-8")), err


def _comparable(doc: dict[str, Any]) -> dict[str, str]:
    return {f["key"]: json.dumps({k: v for k, v in f.items() if k not in ("location", "evidence")},
                                 ensure_ascii=False, sort_keys=True)
            for f in doc["findings"]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    site = Demo(tmp_path_factory.mktemp("crawlscan"))
    yield site
    site.stop()


@pytest.fixture(scope="module")
def first(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The first crawl and the scans from it and from the files."""
    tmp = tmp_path_factory.mktemp("first")
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        crawl_code = main(["crawl", str(demo.config), "--quiet"])
        web_code = main(["scan", str(demo.config), "-o", str(tmp / "web.json"), "--jobs", "2", "-q"])
        scan_err = err.getvalue()
        file_code = main(["scan", str(CORPUS / "scan.yaml"), "-o", str(tmp / "files.json"),
                          "--jobs", "2", "-q", "--store", str(tmp / "files.db")])
    return {
        "crawl_code": crawl_code, "crawl_out": out.getvalue(), "scan_err": scan_err,
        "web_code": web_code, "file_code": file_code,
        "web": json.loads((tmp / "web.json").read_text(encoding="utf-8")),
        "files": json.loads((tmp / "files.json").read_text(encoding="utf-8")),
    }


def test_crawl_prints_summary_and_exits_0(first: dict[str, Any]) -> None:
    assert first["crawl_code"] == 0
    head = first["crawl_out"].splitlines()[0]
    assert re.match(r"抓取运行 #1：新内容 \d+ 页，未变化 0 页，失败 0 页，robots.txt 禁止 3 页", head)
    assert "未能抓取" not in first["crawl_out"]


def test_scan_from_snapshots_equals_file_scan(first: dict[str, Any], demo: Demo) -> None:
    web, files = first["web"], first["files"]
    assert first["web_code"] == first["file_code"]
    assert _comparable(web) == _comparable(files)
    assert web["findings"], "the demo corpus carries injected deviations"
    assert web["summary"]["unreached"] == [] and web["summary"]["missing_skipped"] == 0
    assert "未能抓取" not in first["scan_err"]


def test_every_finding_on_a_page_keeps_its_snapshot(first: dict[str, Any], demo: Demo) -> None:
    on_pages = [f for f in first["web"]["findings"] if f["channel"] in ("province", "city", "app")
                and f["location"] is not None]
    assert on_pages
    for f in on_pages:
        ev = f["evidence"]
        assert ev is not None and set(ev) == {"url", "fetched_at", "content_sha256"}
        assert ev["url"] == f["location"]["url"]
        assert datetime.fromisoformat(ev["fetched_at"]).tzinfo is not None
    f = on_pages[0]
    name = f["evidence"]["url"].rsplit("/", 1)[-1]
    body = (CORPUS / "web" / f["channel"] / name).read_bytes()
    assert f["evidence"]["content_sha256"] == hashlib.sha256(body).hexdigest()
    for f in first["web"]["findings"]:
        if f["channel"] == "manual" or f["rule"] in ("GC101", "GC710"):
            assert f["evidence"] is None


@pytest.fixture(scope="module")
def second(demo: Demo, first: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
           ) -> dict[str, Any]:
    """Re-crawl with one province guide (that has findings) behind a block page, and one
    app page's promised time limit changed; scan and list the changes."""
    tmp = tmp_path_factory.mktemp("second")
    victim = next(f for f in first["web"]["findings"]
                  if f["channel"] == "province" and f["evidence"] is not None)
    blocked_url = victim["evidence"]["url"]
    demo.serve_bytes("province", blocked_url.rsplit("/", 1)[-1], BLOCK_PAGE.encode())
    channel, name, old, new = CHANGED
    text = (CORPUS / "web" / channel / name).read_text(encoding="utf-8")
    assert old in text
    demo.serve_bytes(channel, name, text.replace(old, new).encode("utf-8"))
    since = datetime.now(timezone.utc).isoformat(timespec="seconds")
    time.sleep(1.1)  # fetch times are compared to the second
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        crawl_code = main(["crawl", str(demo.config), "--quiet"])
        crawl_out = out.getvalue()
        scan_code = main(["scan", str(demo.config), "-o", str(tmp / "web.json"), "--jobs", "2", "-q"])
        scan_err = err.getvalue()
        out.seek(0), out.truncate()
        changes_code = main(["changes", "--config", str(demo.config), "--since", since])
    return {
        "blocked_url": blocked_url, "victim": victim, "crawl_code": crawl_code,
        "crawl_out": crawl_out, "scan_code": scan_code, "scan_err": scan_err,
        "web": json.loads((tmp / "web.json").read_text(encoding="utf-8")),
        "changes_code": changes_code, "changes": out.getvalue(),
    }


def test_block_page_is_no_missing_guide_and_no_change(first: dict[str, Any], second: dict[str, Any],
                                                      demo: Demo) -> None:
    url, victim = second["blocked_url"], second["victim"]
    assert second["crawl_code"] == 1  # part of the province channel was not reached
    assert "浙江政务服务网有 1 个页面本次未能抓取" in second["crawl_out"]
    web = second["web"]
    gc101 = {f["key"] for f in web["findings"] if f["rule"] == "GC101"}
    assert gc101 == {f["key"] for f in first["web"]["findings"] if f["rule"] == "GC101"}
    assert not any(f["rule"] == "GC101" and f["channel"] == "province" and f["unit"] == victim["unit"]
                   and f["item_code"] == victim["item_code"] for f in web["findings"])
    # the last good snapshot stays the baseline: the blocked guide's findings are unchanged
    before = {f["key"]: f for f in first["web"]["findings"] if (f["evidence"] or {}).get("url") == url}
    after = {f["key"]: f for f in web["findings"] if (f["evidence"] or {}).get("url") == url}
    assert before and after == before
    [entry] = web["summary"]["unreached"]
    assert entry["url"] == url and entry["reason"] == "blocked" and entry["kind"] == "guide"
    assert entry["baseline"]["content_sha256"] == victim["evidence"]["content_sha256"]
    assert "浙江政务服务网有 1 个页面本次未能抓取（被拦截（验证码/防火墙） 1），未据此判定缺失" in second["scan_err"]
    assert url in second["scan_err"]
    # no content change for the blocked page, only a page-state change
    content, _, states = second["changes"].partition("页面状态变化")
    assert url not in content and url in states


def test_changes_lists_the_changed_time_limit(second: dict[str, Any], demo: Demo) -> None:
    channel, name, _old, _new = CHANGED
    assert second["changes_code"] == 0
    text = second["changes"]
    assert text.startswith("内容变化：1 项")
    assert demo.url(channel, name) in text
    row = next(line for line in text.splitlines() if "承诺办结时限" in line and "原内容" not in line)
    assert "3个工作日" in row.replace("３", "3") and "7个工作日" in row
    # and the scan sees it: a time-limit finding on that page from the new snapshot
    hits = [f for f in second["web"]["findings"] if f["field"] == "time_limit_promised"
            and (f["evidence"] or {}).get("url") == demo.url(channel, name)]
    assert hits and hits[0]["actual"] == "7个工作日"


def test_unreached_page_without_baseline_suspends_gc101_for_its_unit_only() -> None:
    registry = load_registry(CORPUS / "registry.yaml")
    pattern = re.compile(r"^(?P<unit>[a-z]+)(?:_|\.)")
    page = UnreachedPage(channel="province", url="http://127.0.0.1:1/guide/xihu_xk-00077-006-01.html",
                         kind="guide", reason="http_5xx")
    reach = {"province": ChannelReach(channel="province", run_id=2, run_state="finished",
                                      unreached=[page])}
    channels, units = _missing_scope(reach, registry, pattern)
    assert channels == set() and units == {("西湖区", "province")}
    odd = UnreachedPage(channel="city", url="http://127.0.0.1:1/guide/12345.html", kind="guide",
                        reason="blocked")
    listless = UnreachedPage(channel="app", url="http://127.0.0.1:1/api/guides?page=2", kind="json",
                             reason="read_timeout")
    kept = UnreachedPage(channel="city", url="http://127.0.0.1:1/guide/xihu_x.html", kind="guide",
                         reason="soft_404", baseline=Evidence(url="u", fetched_at=datetime.now(timezone.utc),
                                                              content_sha256="0", snapshot_id=1))
    reach = {
        "city": ChannelReach(channel="city", run_id=2, run_state="finished", unreached=[odd, kept]),
        "app": ChannelReach(channel="app", run_id=2, run_state="finished", unreached=[listless]),
    }
    assert _missing_scope(reach, registry, pattern) == ({"city", "app"}, set())


def test_second_crawl_while_a_run_is_active_refuses_with_one_line(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "busy.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_RUN, str(db)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        code, out, err = _run(capsys, "crawl", str(demo.config), "--store", str(db), "--quiet")
    finally:
        holder.kill()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and re.match(rf"错误：运行 #1 正在进行（pid {holder.pid}，", lines[0])
