"""Serve the demo corpus's web pages (corpus/web/*) as three local sites on 127.0.0.1.

    python scripts/serve_demo.py [--port 8701] [--config out/demo-crawl.yaml]

province → port, city → port+1, app → port+2. Each site has list pages with
pagination (``/list/<n>.html``), a sitemap (``/sitemap.xml``), a JSON endpoint
(``/api/guides?page=<n>``), the guide pages (``/guide/<file>``, with ETag and
Last-Modified, answering conditional GETs with 304) and a robots.txt that disallows
``/guide/draft/`` — where a decoy page with wrong data sits, linked from the lists.
The province channel is crawled from its list pages, city from its sitemap, app from
its JSON endpoint. ``--config`` writes a whole scan config (corpus/scan.yaml with these
channels crawled, the store ``guidecheck.db`` beside it) to crawl and scan as it is.

Only 127.0.0.1 is ever bound. Stop with Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = ("province", "city", "app")
PER_PAGE = 10
DECOY_PATH = "/guide/draft/decoy.html"
LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def _page(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>"
        f"{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    ).encode()


class DemoSite:
    """One channel's pages, answered from memory."""

    def __init__(self, channel: str, corpus: Path = ROOT / "corpus") -> None:
        self.channel = channel
        self.files = sorted((corpus / "web" / channel).glob("*.html"))
        self.pages = {f"/guide/{f.name}": f for f in self.files}
        self._cache: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def guide_paths(self) -> list[str]:
        return list(self.pages)

    def _bytes(self, path: str) -> bytes:
        with self._lock:
            if path not in self._cache:
                self._cache[path] = self.pages[path].read_bytes()
            return self._cache[path]

    def _decoy(self) -> bytes:
        # A real province-style guide with wrong data: it must never be fetched.
        data = (ROOT / "corpus" / "web" / "province").glob("*.html")
        first = sorted(data)[0].read_text(encoding="utf-8")
        return first.replace("工作日", "个月").replace("居民身份证", "诱饵材料（不应抓取）").encode("utf-8")

    def list_count(self) -> int:
        return max(1, -(-len(self.files) // PER_PAGE))

    def respond(self, path: str, query: str, headers: dict[str, str]) -> Reply | None:
        if path == "/robots.txt":
            return Reply(200, {"Content-Type": "text/plain"},
                         b"User-agent: *\nDisallow: /guide/draft/\n")
        if path in ("/", "/index.html"):
            return Reply(200, {"Content-Type": "text/html; charset=utf-8"},
                         _page(f"{self.channel} 办事指南", '<a href="/list/1.html">事项列表</a>'))
        if path.startswith("/list/") and path.endswith(".html"):
            try:
                n = int(path[len("/list/"):-len(".html")])
            except ValueError:
                return None
            return self._list(n)
        if path == "/sitemap.xml":
            locs = "".join(f"<url><loc>{p}</loc></url>" for p in [*self.guide_paths, DECOY_PATH])
            return Reply(200, {"Content-Type": "application/xml"},
                         ('<?xml version="1.0" encoding="UTF-8"?><urlset '
                          'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                          f"{locs}</urlset>").encode())
        if path == "/api/guides":
            page = int((parse_qs(query).get("page") or ["1"])[0] or 1)
            chunk = self.guide_paths[(page - 1) * PER_PAGE: page * PER_PAGE]
            items = [{"title": Path(p).stem, "url": p} for p in chunk]
            if page == self.list_count():
                items.append({"title": "草稿", "url": DECOY_PATH})
            data = {"page": page, "items": items,
                    "next": f"/api/guides?page={page + 1}" if page < self.list_count() else None}
            return Reply(200, {"Content-Type": "application/json; charset=utf-8"},
                         json.dumps(data, ensure_ascii=False).encode("utf-8"))
        if path == DECOY_PATH:
            return Reply(200, {"Content-Type": "text/html; charset=utf-8"}, self._decoy())
        if path in self.pages:
            body = self._bytes(path)
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if headers.get("if-none-match") == etag:
                return Reply(304, {"ETag": etag}, b"")
            ctype = "text/html" if self.channel == "city" else "text/html; charset=utf-8"
            return Reply(200, {"Content-Type": ctype, "ETag": etag,
                               "Last-Modified": LAST_MODIFIED}, body)
        return None

    def _list(self, n: int) -> Reply | None:
        if not 1 <= n <= self.list_count():
            return None
        chunk = self.guide_paths[(n - 1) * PER_PAGE: n * PER_PAGE]
        links = "".join(f'<li><a href="{p}">{Path(p).stem}</a></li>' for p in chunk)
        if n == self.list_count():
            links += f'<li><a href="{DECOY_PATH}">草稿（内部）</a></li>'
        nav = "".join(f'<a href="/list/{i}.html">{i}</a> ' for i in range(1, self.list_count() + 1))
        if n < self.list_count():
            nav += f'<a href="/list/{n + 1}.html">下一页</a>'
        return Reply(200, {"Content-Type": "text/html; charset=utf-8"},
                     _page(f"事项列表 第{n}页", f"<ul>{links}</ul><div class=\"pager\">{nav}</div>"))


def crawl_config(ports: dict[str, int], *, delay: float = 0.2) -> dict:
    """The channels' ``crawl:`` sections for sites on these ports."""
    p, c, a = (ports[name] for name in CHANNELS)
    return {
        "crawl": {"concurrency": 4},
        "channels": {
            "province": {"crawl": {
                "list_pages": [f"http://127.0.0.1:{p}/list/1.html"],
                "pagination": r"/list/\d+\.html$", "guides": r"/guide/", "delay": delay}},
            "city": {"crawl": {
                "sitemaps": [f"http://127.0.0.1:{c}/sitemap.xml"], "guides": r"/guide/",
                "delay": delay}},
            "app": {"crawl": {
                "json": [{"url": f"http://127.0.0.1:{a}/api/guides?page=1", "url_key": "url",
                          "next_key": "next"}],
                "guides": r"/guide/", "delay": delay}},
        },
    }


def scan_config(ports: dict[str, int], config_path: Path, *, corpus: Path = ROOT / "corpus",
                delay: float = 0.2) -> dict:
    """The demo scan config (corpus/scan.yaml) with the three web channels crawled from
    these ports instead of read from files; paths relative to ``config_path``'s folder,
    the snapshot store ``guidecheck.db`` beside it. The manual channel stays files."""
    import os

    import yaml

    data = yaml.safe_load((corpus / "scan.yaml").read_text(encoding="utf-8"))
    here = config_path.resolve().parent

    def rel(p: str) -> str:
        return os.path.relpath((corpus / p).resolve(), here).replace(os.sep, "/")

    handbook = data["handbook"] if isinstance(data["handbook"], list) else [data["handbook"]]
    data["handbook"] = [rel(h) if isinstance(h, str) else {**h, "path": rel(h["path"])}
                        for h in handbook]
    for key in ("registry", "suppressions"):
        if data.get(key):
            data[key] = rel(data[key])
    web = crawl_config(ports, delay=delay)
    data["crawl"] = web["crawl"]
    for name, spec in data["channels"].items():
        if name in web["channels"]:
            spec.pop("inputs", None)
            spec["crawl"] = web["channels"][name]["crawl"]
        else:
            spec["inputs"] = [rel(p) for p in spec["inputs"]]
    data["store"] = "guidecheck.db"
    return data


class _Handler(BaseHTTPRequestHandler):
    server_version = "demo-portal/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    site: DemoSite

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.site.respond(parts.path, parts.query, headers) or Reply(
            404, {"Content-Type": "text/html; charset=utf-8"}, _page("404", "页面不存在"))
        self.send_response(reply.status)
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(port: int, corpus: Path) -> tuple[list[ThreadingHTTPServer], dict[str, int]]:
    servers, ports = [], {}
    for i, channel in enumerate(CHANNELS):
        handler = type(f"H_{channel}", (_Handler,), {"site": DemoSite(channel, corpus)})
        server = ThreadingHTTPServer(("127.0.0.1", port + i if port else 0), handler)
        server.daemon_threads = True
        servers.append(server)
        ports[channel] = server.server_address[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers, ports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="本地演示站点（仅 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8701, help="province 的端口；city、app 依次 +1、+2（0 = 随机）")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--config", type=Path, help="写出对应的抓取配置（YAML）")
    parser.add_argument("--delay", type=float, default=0.2, help="配置中的礼貌间隔（秒）")
    args = parser.parse_args(argv)
    servers, ports = serve(args.port, args.corpus)
    for name, port in ports.items():
        print(f"{name}: http://127.0.0.1:{port}/", flush=True)
    if args.config:
        import yaml

        args.config.parent.mkdir(parents=True, exist_ok=True)
        data = scan_config(ports, args.config, corpus=args.corpus, delay=args.delay)
        args.config.write_text(
            "# 演示扫描配置（scripts/serve_demo.py 生成）：province、city、app 从本地演示站点抓取，\n"
            "# manual 读文件。guidecheck crawl 本文件；guidecheck scan 本文件 -o findings.json\n"
            + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        print(f"抓取配置：{args.config}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    for server in servers:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
