#!/usr/bin/env bash
# The main job on the demo corpus, as the bureau runs it each week:
#   1. scan week 1 (the committed corpus) as of last Friday,
#   2. make week 2 (some deviations fixed, new ones added) and scan it as of this Friday,
#   3. write the weekly report (window 上周三至本周二) in DOCX, XLSX, HTML and JSON.
# Everything goes to out/demo/. Scans exit 1 when they find error-level deviations: expected here.
set -euo pipefail
cd "$(dirname "$0")/.."
gc=.venv/bin/guidecheck
out=out/demo
rm -rf "$out" && mkdir -p "$out"

scan() {  # scan CONFIG AT OUTPUT — exit code 1 only means "findings at error level"
    "$gc" scan "$1" --store "$out/guidecheck.db" --at "$2" -o "$3" || [ $? -eq 1 ]
}

scan corpus/scan.yaml 2026-11-20T10:00 "$out/findings-week1.json"
.venv/bin/python scripts/make_two_weeks.py --out "$out/week2"
scan "$out/week2/scan.yaml" 2026-11-27T10:00 "$out/findings-week2.json"
"$gc" report --store "$out/guidecheck.db" --week 2026-11-27 -o "$out/report"
ls -l "$out/report"
