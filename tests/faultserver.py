"""A local fault-injecting HTTP server for the crawler tests and benchmarks.

Run in a SUBPROCESS (``FaultServer`` below starts and stops it): every site listens
on its own random port on 127.0.0.1 only; the first stdout line is JSON
``{"site": port, …}``. Every request is appended to a JSON-lines log
(site, path, attempt, monotonic-free wall timestamp, a few request headers) so tests
can assert request counts and Retry-After spacing.

Sites: ``faults`` (the routes of reliability.md's harness), ``other`` (an
out-of-scope host for redirects), ``province``/``city``/``app`` (the demo corpus, see
scripts/serve_demo.py), ``robots-<404|503|timeout|huge|ok>`` (a robots.txt behaviour
each), and with ``--load-hosts N`` the hosts ``load-0``… serving ~64 KB guide pages
listed in ``/sitemap.xml?n=`` (``--faults`` injects the L2 mix into them).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]


def _load_demo():
    spec = importlib.util.spec_from_file_location("serve_demo", ROOT / "scripts" / "serve_demo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["serve_demo"] = module
    spec.loader.exec_module(module)
    return module


GUIDE_UTF8 = sorted((ROOT / "corpus" / "web" / "province").glob("*.html"))[0].read_bytes()


def _html(title: str, body: str, charset: str = "utf-8") -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>'
            f"</head><body>{body}</body></html>").encode(charset, errors="replace")


ENC_CASES = {
    # header charset, body bytes
    "gb2312-gbk-only": ("text/html; charset=gb2312",
                        _html("朱镕基 堃 测试", "<p>朱镕基 王堃</p>", "gb18030").replace(b"gb18030", b"gb2312")),
    "header-utf8-body-gbk": ("text/html; charset=utf-8",
                             _html("杭州市人力资源", "<p>杭州市人力资源和社会保障局</p>", "gb18030").replace(b"gb18030", b"gbk")),
}


class State:
    def __init__(self, log_path: Path) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115
        self._bomb: dict[str, bytes] = {}

    def hit(self, site: str, path: str, headers: dict[str, str]) -> int:
        with self.lock:
            self.counts[(site, path)] += 1
            attempt = self.counts[(site, path)]
            self.log.write(json.dumps({
                "site": site, "path": path, "attempt": attempt, "ts": time.time(),
                "ua": headers.get("user-agent"), "inm": headers.get("if-none-match"),
                "ims": headers.get("if-modified-since"),
            }, ensure_ascii=False) + "\n")
            self.log.flush()
            return attempt

    def bomb(self, kind: str) -> bytes:
        with self.lock:
            if kind not in self._bomb:
                raw = b"\0" * (64 * 1024 * 1024)  # 64 MiB of zeros → ~64 KB compressed
                if kind == "gzip":
                    self._bomb[kind] = gzip.compress(raw, 9)
                elif kind == "deflate":
                    self._bomb[kind] = zlib.compress(raw, 9)
                else:
                    data = b"<html>chain</html>"
                    for _ in range(6):
                        data = gzip.compress(data)
                    self._bomb[kind] = data
            return self._bomb[kind]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "faultserver/1.0"
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed-ACK stalls)
    site_name = "faults"
    state: State
    demo = None
    ports: dict[str, int] = {}
    fault_mix = False

    def log_message(self, format: str, *args: object) -> None:
        pass

    # -------------------------------------------------------------- helpers
    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
              ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Type", ctype)
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def rst(self) -> None:
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def hang(self, seconds: float = 30.0) -> None:
        time.sleep(seconds)
        self.close_connection = True

    # -------------------------------------------------------------- dispatch
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parts.query
        q = {k: v[0] for k, v in parse_qs(query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        attempt = self.state.hit(self.site_name, self.path, headers)
        site = self.site_name
        try:
            if self.demo is not None:
                reply = self.demo.respond(path, query, headers)
                if reply is None:
                    self.reply(404, _html("404", "页面不存在"))
                else:
                    self.reply(reply.status, reply.body, reply.headers)
                return
            if site.startswith("robots-"):
                return self.robots(site[len("robots-"):], path)
            if site.startswith("load-"):
                return self.load(path, q, attempt)
            return self.faults(path, q, attempt)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def robots(self, mode: str, path: str) -> None:
        if path != "/robots.txt":
            return self.reply(200, GUIDE_UTF8)
        if mode == "404":
            return self.reply(404, b"not found")
        if mode == "503":
            return self.reply(503, b"busy", {"Retry-After": "1"})
        if mode == "timeout":
            return self.hang(10)
        if mode == "huge":
            # the Disallow sits after 600 KiB of comments: beyond the 500 KiB parsed
            body = b"User-agent: *\nDisallow: /early/\n" + b"#" * (600 * 1024) + b"\nDisallow: /\n"
            return self.reply(200, body, ctype="text/plain")
        return self.reply(200, b"User-agent: *\nDisallow: /private/\nCrawl-delay: 0\n",
                          ctype="text/plain")

    def load(self, path: str, q: dict[str, str], attempt: int) -> None:
        if path == "/robots.txt":
            return self.reply(404, b"")
        if path == "/sitemap.xml":
            n = int(q.get("n", "100"))
            locs = "".join(f"<url><loc>/p/{i}.html</loc></url>" for i in range(n))
            return self.reply(200, f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode(),
                              ctype="application/xml")
        if not path.startswith("/p/"):
            return self.reply(404, b"")
        i = int(path[3:].split(".")[0])
        body = LOAD_PAGE.replace(b"<!--N-->", str(i).encode())
        if self.fault_mix:
            bucket = int(hashlib.md5(f"{self.site_name}{i}".encode()).hexdigest(), 16) % 100
            if bucket < 4 and attempt <= 1 + bucket % 2:
                return self.reply((500, 502, 503)[bucket % 3], b"err")
            if 4 <= bucket < 6 and attempt == 1:
                return self.reply(429, b"slow down", {"Retry-After": str(1 + bucket % 3)})
            if 6 <= bucket < 8 and attempt == 1:
                return self.hang(15)
            if bucket == 8 and attempt == 1:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:1000])
                return self.rst()
            if bucket == 9 and attempt == 1:
                return self.drip(len(body), 2000)
            if bucket == 10:
                return self.reply(500, b"permanent")
        return self.reply(200, body)

    def drip(self, size: int, bps: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        step = max(1, bps // 10)
        sent = 0
        while sent < size:
            self.wfile.write(b"x" * min(step, size - sent))
            self.wfile.flush()
            sent += step
            time.sleep(0.1)

    def faults(self, path: str, q: dict[str, str], attempt: int) -> None:
        seg = path.strip("/").split("/")
        head = seg[0]
        if path == "/robots.txt":
            return self.reply(404, b"")
        if head == "ok":
            return self.reply(200, GUIDE_UTF8, {"ETag": '"v1"', "Last-Modified": formatdate(1_700_000_000, usegmt=True)}
                              if not self.headers.get("If-None-Match") == '"v1"' else None) \
                if self.headers.get("If-None-Match") != '"v1"' else self.reply(304, b"", {"ETag": '"v1"'})
        if head == "status":
            return self.reply(int(seg[1]), _html("status", f"status {seg[1]}"))
        if head == "flaky":
            k = int(seg[1])
            if attempt <= k:
                return self.reply(500, b"flaky")
            return self.reply(200, GUIDE_UTF8)
        if head == "retry-after":
            code, value = int(seg[1]), seg[2]
            times = int(q.get("times", "1"))
            if attempt <= times:
                if value == "date":
                    value = formatdate(time.time() + float(q.get("in", "86400")), usegmt=True)
                return self.reply(code, b"later", {"Retry-After": value})
            return self.reply(200, GUIDE_UTF8)
        if head == "hang":
            return self.hang(float(q.get("s", "30")))
        if head == "hang-after-headers":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(GUIDE_UTF8[:100])
            self.wfile.flush()
            return self.hang(float(q.get("s", "30")))
        if head == "drip":
            return self.drip(int(q.get("size", "100000")), int(q.get("bps", "2")))
        if head == "partial":
            self.send_response(200)
            self.send_header("Content-Length", "1024")
            self.end_headers()
            self.wfile.write(b"0123456789abcdef")
            self.close_connection = True
            return
        if head == "drop":
            self.send_response(200)
            self.send_header("Content-Length", str(len(GUIDE_UTF8)))
            self.end_headers()
            self.wfile.write(GUIDE_UTF8[:2000])
            return self.rst()
        if head == "broken-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"10\r\n0123456789abcdef\r\nZZZ\r\nbroken\r\n")
            self.wfile.flush()
            self.close_connection = True
            return
        if head == "big":
            mb = float(q.get("mb", "50"))
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            block = b"<p>" + b"a" * 65530 + b"</p>\n"
            total = int(mb * 1024 * 1024)
            sent = 0
            while sent < total:
                self.wfile.write(block)
                sent += len(block)
            self.close_connection = True
            return
        if head == "huge-length":
            self.send_response(200)
            self.send_header("Content-Length", "5000000000")
            self.end_headers()
            self.wfile.write(b"x" * 1000)
            return self.hang(5)
        if head == "bomb":
            kind = seg[1]
            data = self.state.bomb(kind)
            enc = {"gzip": "gzip", "deflate": "deflate", "chain6": ", ".join(["gzip"] * 6)}[kind]
            return self.reply(200, data, {"Content-Encoding": enc})
        if head == "redirect-loop":
            target = "/redirect-loop/b" if seg[-1] != "b" else "/redirect-loop/a"
            return self.reply(302, b"", {"Location": target})
        if head == "redirect-chain":
            n = int(seg[1])
            return self.reply(302, b"", {"Location": f"/redirect-chain/{n - 1}"}) if n > 0 \
                else self.reply(200, GUIDE_UTF8)
        if head == "self-redirect-cookie":
            return self.reply(307, b"", {"Location": "/self-redirect-cookie",
                                         "Set-Cookie": f"c={attempt}-{time.time()}; Path=/"})
        if head == "redirect-out":
            return self.reply(302, b"", {"Location": f"http://127.0.0.1:{self.ports['other']}/ok"})
        if head == "redirect-https-down":
            return self.reply(302, b"", {"Location": "http://127.0.0.1/ok"})
        if head == "enc":
            ctype, body = ENC_CASES[seg[1]]
            return self.reply(200, body, ctype=ctype)
        if head == "trap":
            y = int(q.get("y", "2000"))
            links = (f'<a href="/trap/calendar?y={y + 1}">next</a>'
                     f'<a href="/trap/calendar?y={y}&amp;amp;x=1">amp</a>'
                     f'<a href="/trap/calendar;jsessionid={attempt}{y}?y={y + 1}">sess</a>')
            return self.reply(200, _html(f"calendar {y}", links))
        if head == "soft404":
            return self.reply(200, _html("提示", "<div>对不起，您访问的页面不存在或已被删除。</div>"))
        if head == "blocked":
            return self.reply(200, _html("安全验证", '<div>访问受限：请完成安全验证，输入验证码后继续。</div><script src="/_waf_/check.js"></script>'))
        if head == "stub-meta":
            return self.reply(200, b'<html><head><meta http-equiv="refresh" content="0;url=/ok"></head><body></body></html>')
        if head == "stub-js":
            return self.reply(200, b'<html><body><script>window.location.href="/ok";</script></body></html>')
        if head == "empty":
            return self.reply(200, b"")
        if head == "pdf-as-html":
            return self.reply(200, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", ctype="text/html")
        if head == "bad-header":
            raw = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Dup: 1\r\n"
                   b"X-Dup: 2\r\nX-Folded: a\r\n  b\r\nNoColonHere\r\nContent-Length: "
                   + str(len(GUIDE_UTF8)).encode() + b"\r\n\r\n" + GUIDE_UTF8)
            self.wfile.write(raw)
            self.close_connection = True
            return
        if head == "deep-div":
            n = int(q.get("n", "100000"))
            return self.reply(200, b"<html><body>" + b"<div>" * n + b"x" + b"</div>" * n + b"</body></html>")
        if head == "one-line":
            # a guide page whose 9 MB of boilerplate sits on one line (no newline anywhere)
            mb = float(q.get("mb", "9"))
            para = "<p>政务服务网 办事服务 热点事项 便民服务 互动交流</p>".encode()
            pad = para * int(mb * 1024 * 1024 / len(para))
            body = GUIDE_UTF8.replace(b"\n", b" ").replace(b"</body>", pad + b"</body>", 1)
            return self.reply(200, body)
        if head == "cell-storm":
            # the extractor's worst case: a 9 MB single-line table of label cells
            mb = float(q.get("mb", "9"))
            cell = "<td>申请材料</td><td>居民身份证</td>"
            body = ("<html><body><table><tr>" + cell * int(mb * 1024 * 1024 / len(cell.encode()))
                    + "</tr></table></body></html>").encode()
            return self.reply(200, body)
        if head == "amp-links":
            return self.reply(200, _html("list", '<a href="/ok?a=1&amp;amp;p=2">x</a>'))
        if head == "base-other":
            other = self.ports["other"]
            return self.reply(200, _html("list", f'<base href="http://127.0.0.1:{other}/x/">'
                                         '<a href="g.html">g</a><a href="/ok">ok</a>'))
        return self.reply(404, _html("404", "not found"))


LOAD_PAGE = b""


def _load_page() -> bytes:
    body = GUIDE_UTF8
    pad = b"<!-- " + b"p" * max(0, 64 * 1024 - len(body) - 40) + b" -->"
    return body.replace(b"</body>", b"<!--N-->" + pad + b"</body>", 1)


def main(argv: list[str] | None = None) -> int:
    global LOAD_PAGE
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--load-hosts", type=int, default=0)
    parser.add_argument("--faults", action="store_true")
    args = parser.parse_args(argv)
    LOAD_PAGE = _load_page()
    state = State(args.log)
    demo = _load_demo()
    names = ["faults", "other", "province", "city", "app",
             *(f"robots-{m}" for m in ("404", "503", "timeout", "huge", "ok")),
             *(f"load-{i}" for i in range(args.load_hosts))]
    ports: dict[str, int] = {}
    servers = []
    for name in names:
        attrs = {"site_name": name, "state": state, "ports": ports, "fault_mix": args.faults}
        if name in demo.CHANNELS:
            attrs["demo"] = demo.DemoSite(name)
        handler = type(f"H_{name}", (Handler,), attrs)
        server = _Server(("127.0.0.1", 0), handler)
        ports[name] = server.server_address[1]
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps(ports), flush=True)
    try:
        sys.stdin.read()  # runs until the parent closes stdin (or kills us)
    except KeyboardInterrupt:
        pass
    return 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # clients hanging up on purpose (timeouts, caps) are not server errors
        super().handle_error(request, client_address)


class FaultServer:
    """Start/stop the server subprocess; read its request log."""

    def __init__(self, log_path: Path, *, load_hosts: int = 0, faults: bool = False) -> None:
        self.log_path = log_path
        cmd = [sys.executable, str(Path(__file__).resolve()), "--log", str(log_path)]
        if load_hosts:
            cmd += ["--load-hosts", str(load_hosts)]
        if faults:
            cmd.append("--faults")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("faultserver did not start")
        self.ports: dict[str, int] = json.loads(line)

    def url(self, site: str, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.ports[site]}{path}"

    def host(self, site: str) -> str:
        return f"127.0.0.1:{self.ports[site]}"

    def requests(self, site: str | None = None, path: str | None = None) -> list[dict]:
        if not self.log_path.exists():
            return []
        rows = [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines() if line]
        return [r for r in rows if (site is None or r["site"] == site)
                and (path is None or r["path"] == path)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc.stdout.close()
        if self.proc.stdin:
            self.proc.stdin.close()


if __name__ == "__main__":
    sys.exit(main())
