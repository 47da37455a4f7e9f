"""A small crawl-like writer for the kill/resume tests, and the end-state invariants.

Run as a script: ``python tests/store_writer.py DB LOG N [--delay S]``. It resumes the
unfinished run or begins one, enqueues N fake URLs (idempotent), then claims and
records them until the frontier is drained, and finishes the run. Before recording a
URL it appends the URL to LOG (so a test counts fetches per URL). URL i is
deterministic: every 7th fails (http_5xx), every 11th is deferred a day, the others
are guides whose body depends only on i. The parent kills it with SIGKILL, through
GUIDECHECK_FAULT or at a random time, and runs it again.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from guidecheck.errors import GuidecheckError
from guidecheck.store import FrontierEntry, SnapshotStore
from guidecheck.store.db import utcnow


@dataclass(frozen=True, slots=True, kw_only=True)
class FakeOutcome:
    url: str
    final_url: str
    status: int | None = 200
    error: str | None = None
    detail: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    not_modified: bool = False
    attempts: int = 1
    retry_after: float | None = None
    elapsed: float = 0.01


def url_of(i: int) -> str:
    return f"http://127.0.0.1/guide/{i}.html"


def body_of(i: int, size: int = 2048) -> bytes:
    """A page of ``size`` bytes that depends only on i (and barely compresses)."""
    head = f"<html><body><h1>事项 {i}</h1>".encode()
    filler = random.Random(i).randbytes(max(0, size - len(head))).hex().encode()
    return head + filler[: max(0, size - len(head))] + b"</body></html>"


def fetch(i: int) -> FakeOutcome:
    url = url_of(i)
    if i % 7 == 0:
        return FakeOutcome(url=url, final_url=url, status=500, error="http_5xx", detail="500")
    return FakeOutcome(url=url, final_url=url, headers={"etag": f'"e{i}"'}, body=body_of(i))


def run(db: Path, log: Path, n: int, delay: float, batch: int, extra_pages: int | None) -> None:
    with SnapshotStore.open(db) as store:
        if extra_pages is not None:  # a "disk" that fills up after a few more pages
            pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
            store.connection.execute(f"PRAGMA max_page_count = {pages + extra_pages}")
        current = store.resume_run() or store.begin_run(channels=["city"], config_digest="t")
        store.enqueue(current, [FrontierEntry(url=url_of(i), channel="city") for i in range(n)])
        with log.open("a", encoding="utf-8") as out:
            while entries := store.claim(current, batch):
                for entry in entries:
                    i = int(entry.url.rsplit("/", 1)[1].split(".")[0])
                    out.write(entry.url + "\n")
                    out.flush()
                    if delay:
                        time.sleep(delay)
                    if i % 11 == 0:
                        store.defer(current, entry.url, utcnow() + timedelta(days=1), "http_429")
                        continue
                    outcome = fetch(i)
                    store.record(current, entry, outcome, "guide" if outcome.body else "error")
        store.finish_run(current, {"n": n})
    print("finished", flush=True)


def check_invariants(db: Path, n: int) -> None:
    """reliability.md §Harness end state, for a finished writer run over n URLs."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        dup = conn.execute(
            "SELECT url_id, run_id, count(*) FROM fetches GROUP BY url_id, run_id HAVING count(*) > 1"
        ).fetchall()
        assert dup == []
        bad = conn.execute(
            "SELECT run_id, url_id, state, reason, next_attempt_at FROM frontier WHERE NOT ("
            " state = 'done' OR (state = 'failed' AND reason IS NOT NULL)"
            " OR (state = 'deferred' AND next_attempt_at IS NOT NULL))"
        ).fetchall()
        assert bad == []
        per_url = dict(
            conn.execute(
                "SELECT u.url, count(s.id) FROM urls u LEFT JOIN snapshots s ON s.url_id = u.id"
                " GROUP BY u.id"
            ).fetchall()
        )
        expected = {url_of(i): 0 if i % 7 == 0 or i % 11 == 0 else 1 for i in range(n)}
        assert per_url == expected
        assert conn.execute("SELECT count(*) FROM runs WHERE state = 'running'").fetchone() == (0,)
    finally:
        conn.close()
    leftovers = [p for p in db.parent.iterdir() if p.name.endswith((".tmp", ".part"))]
    assert leftovers == []


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("log", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--extra-pages", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        run(args.db, args.log, args.n, args.delay, args.batch, args.extra_pages)
    except GuidecheckError as exc:
        print(exc, file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main(sys.argv[1:])
