"""TLS failures against real HTTPS servers on 127.0.0.1 (reliability.md A19, A20).

Certificates come from ``trustme``: a test root CA, an intermediate, and leaves that
are self-signed, expired, for another host name, or served without their intermediate.
Each server records every TLS handshake (ok or failed) and every GET it answers, so a
test can see that a failed verification was never followed by an unverified retry.
"""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
import warnings
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

trustme = pytest.importorskip("trustme")

from guidecheck.crawl.config import FetchSettings, parse_channel_crawl
from guidecheck.crawl.fetch import ERROR_TEXT, Fetcher
from guidecheck.errors import ConfigError

pytestmark = pytest.mark.timeout(30)

FAST = FetchSettings(connect_timeout=2.0, read_timeout=2.0, total_timeout=4.0, retries=2,
                     backoff_base=0.05, backoff_max=0.1)
HOST = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.server.log.append(("get", self.path))
        body = b"<html><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TLSServer(ThreadingHTTPServer):
    """HTTPS on 127.0.0.1 (random port); the handshake runs in the request thread."""

    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__((HOST, 0), _Handler)
        self.context = context
        self.log: list[tuple[str, str]] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.server_address[1]}/page"

    def finish_request(self, request, client_address) -> None:
        request.settimeout(5)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.log.append(("handshake_failed", str(exc)))
            return
        self.log.append(("handshake_ok", ""))
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address) -> None:
        pass

    def gets(self) -> list[str]:
        return [path for kind, path in self.log if kind == "get"]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(timeout=5)


def _context(chain_pem: bytes, key_pem: bytes, tmp: Path, name: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert_file, key_file = tmp / f"{name}.crt", tmp / f"{name}.key"
    cert_file.write_bytes(chain_pem)
    key_file.write_bytes(key_pem)
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pki")
    root = trustme.CA()
    inter = root.create_child_ca()
    good = root.issue_cert(HOST)
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=30)
    expired = root.issue_cert(HOST, not_before=past - datetime.timedelta(days=365), not_after=past)
    other = root.issue_cert("www.example.test")
    via_inter = inter.issue_cert(HOST)
    rogue = trustme.CA()  # a CA nobody trusts, serving its own certificate: self-signed

    root_pem = tmp / "root.pem"
    root.cert_pem.write_to_path(str(root_pem))
    chain_pem = tmp / "root+intermediate.pem"
    chain_pem.write_bytes(root.cert_pem.bytes() + inter.cert_pem.bytes())

    def leaf_only(cert) -> tuple[bytes, bytes]:
        return cert.cert_chain_pems[0].bytes(), cert.private_key_pem.bytes()

    contexts = {
        "good": _context(*leaf_only(good), tmp, "good"),
        "expired": _context(*leaf_only(expired), tmp, "expired"),
        "hostname": _context(*leaf_only(other), tmp, "hostname"),
        # the leaf alone, without the intermediate that signed it: the chain is incomplete
        "missing_intermediate": _context(*leaf_only(via_inter), tmp, "missing"),
        "self_signed": _context(rogue.cert_pem.bytes(), rogue.private_key_pem.bytes(), tmp, "self"),
    }
    servers = {name: TLSServer(ctx) for name, ctx in contexts.items()}
    yield {"servers": servers, "root": str(root_pem), "root_inter": str(chain_pem)}
    for srv in servers.values():
        srv.stop()


class _VerifySpy:
    """Record the ``verify`` every request was sent with (never False)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.seen: list[object] = []
        original = fetcher.session.request

        def request(method, url, **kwargs):
            self.seen.append(kwargs.get("verify", "<unset>"))
            return original(method, url, **kwargs)

        fetcher.session.request = request  # type: ignore[method-assign]


def _fetch(url: str, settings: FetchSettings):
    fetcher = Fetcher(settings)
    spy = _VerifySpy(fetcher)
    try:
        return fetcher.fetch(url), spy.seen
    finally:
        fetcher.close()


def _assert_refused(server: TLSServer, out, verifies: list[object], error: str) -> None:
    assert out.error == error, (out.error, out.detail)
    assert out.body is None and out.status is None
    assert out.attempts == 1  # a certificate problem is not transient: no retry at all
    assert verifies and all(v is True or isinstance(v, str) for v in verifies)
    assert False not in verifies  # never verify=False
    assert server.gets() == []  # no GET ever reached the server
    deadline = time.monotonic() + 3  # the server thread logs the failed handshake just after
    while not server.log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.log and all(kind == "handshake_failed" for kind, _ in server.log)
    assert ERROR_TEXT[error] in out.detail


def test_good_certificate_with_channel_ca_bundle_is_fetched(pki):
    srv = pki["servers"]["good"]
    out, verifies = _fetch(srv.url, replace(FAST, ca_bundle=pki["root"]))
    assert out.ok and out.status == 200 and b"ok" in out.body
    assert verifies == [pki["root"]]
    assert srv.gets() == ["/page"]


def test_a19_self_signed(pki):
    srv = pki["servers"]["self_signed"]
    out, verifies = _fetch(srv.url, FAST)  # default trust store (certifi)
    _assert_refused(srv, out, verifies, "tls_self_signed")
    assert verifies == [True]


def test_a19_expired(pki):
    srv = pki["servers"]["expired"]
    out, verifies = _fetch(srv.url, replace(FAST, ca_bundle=pki["root"]))
    _assert_refused(srv, out, verifies, "tls_expired")


def test_a19_wrong_host_name(pki):
    srv = pki["servers"]["hostname"]
    out, verifies = _fetch(srv.url, replace(FAST, ca_bundle=pki["root"]))
    _assert_refused(srv, out, verifies, "tls_hostname")


def test_a19_missing_intermediate_then_fixed_by_channel_ca_bundle(pki, tmp_path):
    srv = pki["servers"]["missing_intermediate"]
    out, verifies = _fetch(srv.url, replace(FAST, ca_bundle=pki["root"]))
    _assert_refused(srv, out, verifies, "tls_verify")

    # the per-channel setting, as a scan config would carry it
    channel = parse_channel_crawl("province", {
        "list_pages": [srv.url], "guides": "/guide/", "ca_bundle": pki["root_inter"],
    })
    assert channel.fetch.ca_bundle == pki["root_inter"]
    fixed, verifies = _fetch(srv.url, replace(channel.fetch, retries=0, total_timeout=4.0))
    assert fixed.ok and fixed.status == 200, (fixed.error, fixed.detail)
    assert verifies == [pki["root_inter"]]
    assert srv.gets() == ["/page"]  # the only GET the server ever answered: verified


def test_missing_ca_bundle_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ca_bundle: 找不到证书文件"):
        parse_channel_crawl("province", {
            "list_pages": ["https://127.0.0.1:1/"], "guides": "/guide/",
            "ca_bundle": str(tmp_path / "nope.pem"),
        })


def _tls10_context(pki_tmp: Path) -> ssl.SSLContext:
    ca = trustme.CA()
    leaf = ca.issue_cert(HOST)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 on purpose
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1
    except (ValueError, ssl.SSLError) as exc:
        pytest.skip(f"local OpenSSL cannot be configured for a TLS 1.0-only server: {exc}")
    cert, key = pki_tmp / "tls10.crt", pki_tmp / "tls10.key"
    cert.write_bytes(leaf.cert_chain_pems[0].bytes())
    key.write_bytes(leaf.private_key_pem.bytes())
    ctx.load_cert_chain(cert, key)
    return ctx


def _speaks_tls10(srv: TLSServer) -> str | None:
    """None if a TLS 1.0 client can complete a handshake with ``srv``, else why not."""
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE  # a probe of the test server only; no GET is sent
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            client.set_ciphers("DEFAULT:@SECLEVEL=0")
            client.minimum_version = ssl.TLSVersion.TLSv1
            client.maximum_version = ssl.TLSVersion.TLSv1
        with socket.create_connection(srv.server_address, timeout=3) as raw, \
                client.wrap_socket(raw) as tls:
            return None if tls.version() == "TLSv1" else f"negotiated {tls.version()}"
    except (ssl.SSLError, OSError, ValueError) as exc:
        return str(exc)


def test_a20_tls10_only_server_is_tls_protocol(tmp_path):
    srv = TLSServer(_tls10_context(tmp_path))
    try:
        why = _speaks_tls10(srv)
        if why is not None:
            pytest.skip(f"local OpenSSL will not run a TLS 1.0 handshake at all ({why})")
        deadline = time.monotonic() + 3
        while not srv.log and time.monotonic() < deadline:
            time.sleep(0.01)
        srv.log.clear()  # forget the probe's handshake
        out, verifies = _fetch(srv.url, FAST)
        _assert_refused(srv, out, verifies, "tls_protocol")
        assert "SSLError" in out.detail
    finally:
        srv.stop()
