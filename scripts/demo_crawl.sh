#!/usr/bin/env bash
# Crawl the demo sites from a local server and scan from the snapshots, in one command:
#
#   scripts/demo_crawl.sh [PORT]      (default 8701; the sites use PORT, PORT+1, PORT+2)
#
# Starts scripts/serve_demo.py on 127.0.0.1 (writes out/demo-crawl.yaml), runs
# `guidecheck crawl out/demo-crawl.yaml` (snapshots in out/guidecheck.db) and
# `guidecheck scan out/demo-crawl.yaml -o out/findings-web.json`, then stops the server.
# Run it again to see a re-crawl (conditional GET: every page unchanged). DELAY=0.2 sets
# the politeness delay per host written into the config (default 0.05 s: a local demo).
set -u
cd "$(dirname "$0")/.."
PORT="${1:-8701}"
PY="${PYTHON:-.venv/bin/python}"
[ -x "$PY" ] || PY=python3
GC=.venv/bin/guidecheck
[ -x "$GC" ] || GC=guidecheck
CONFIG=out/demo-crawl.yaml
mkdir -p out
rm -f "$CONFIG"
"$PY" scripts/serve_demo.py --port "$PORT" --config "$CONFIG" --delay "${DELAY:-0.05}" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null' EXIT
for _ in $(seq 100); do
  [ -s "$CONFIG" ] && break
  kill -0 "$SERVER" 2>/dev/null || { echo "演示站点未能启动（端口 $PORT 被占用？）" >&2; exit 2; }
  sleep 0.1
done
"$GC" crawl "$CONFIG"
crawled=$?
[ "$crawled" -le 1 ] || exit "$crawled"
"$GC" scan "$CONFIG" -o out/findings-web.json
