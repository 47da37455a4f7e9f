#!/usr/bin/env bash
# Render the pictures in docs/images/ from the two-week demo report (issue 5):
#   docs/images/report-html.png   the HTML page, headless Chromium, 1400×2000
#   docs/images/report-docx.png   page 1 of the DOCX bulletin, LibreOffice → PDF → pdftoppm
#
#   bash scripts/render_docs_images.sh [REPORT_DIR]
#
# REPORT_DIR holds weekly-*.html and weekly-*.docx from `guidecheck report`; without it
# the demo is built in a temporary folder: week 2 of the corpus, two scans with --at,
# then `guidecheck report` on the second week. For docs only, never for tests or CI.
# Needs (Debian, as root):
#   apt-get update && apt-get install -y chromium fonts-noto-cjk fonts-arphic-ukai \
#       libreoffice-writer poppler-utils
# The official fonts (方正小标宋简体, 仿宋_GB2312, 楷体_GB2312, 黑体) are not free; a
# private fontconfig file maps them to Noto Serif/Sans CJK SC and AR PL UKai so the
# rendering shows the intended faces as closely as free fonts allow.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
GC=${GUIDECHECK:-$ROOT/.venv/bin/guidecheck}
OUT=$ROOT/docs/images
for tool in chromium libreoffice pdftoppm; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the header of $0)" >&2; exit 2; }
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

REPORT=${1:-}
if [[ -z $REPORT ]]; then
  REPORT=$WORK/report
  "$PY" scripts/make_two_weeks.py --out "$WORK/week2" >/dev/null
  # scan exits 1 when it finds errors: expected here
  "$GC" scan corpus/scan.yaml --store "$WORK/demo.db" --at 2026-11-20T10:00 -o "$WORK/w1.json" >/dev/null || true
  # from inside $WORK so the findings' file locations read week2/web/…, not /tmp/…
  (cd "$WORK" && "$GC" scan week2/scan.yaml --store demo.db --at 2026-11-27T10:00 -o w2.json >/dev/null) || true
  "$GC" report --store "$WORK/demo.db" --week 2026-11-27 --format docx,html -o "$REPORT"
fi
HTML=$(ls "$REPORT"/weekly-*.html | head -1)
DOCX=$(ls "$REPORT"/weekly-*.docx | head -1)

# Font substitutes for the official faces (only for this rendering).
mkdir -p "$WORK/fontconfig"
cat > "$WORK/fontconfig/fonts.conf" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <match target="pattern"><test name="family"><string>方正小标宋简体</string></test>
    <edit name="family" mode="assign" binding="strong"><string>Noto Serif CJK SC</string></edit>
    <edit name="weight" mode="assign" binding="strong"><const>bold</const></edit></match>
  <match target="pattern"><test name="family"><string>仿宋_GB2312</string></test>
    <edit name="family" mode="assign" binding="strong"><string>Noto Serif CJK SC</string></edit></match>
  <match target="pattern"><test name="family"><string>宋体</string></test>
    <edit name="family" mode="assign" binding="strong"><string>Noto Serif CJK SC</string></edit></match>
  <match target="pattern"><test name="family"><string>黑体</string></test>
    <edit name="family" mode="assign" binding="strong"><string>Noto Sans CJK SC</string></edit>
    <edit name="weight" mode="assign" binding="strong"><const>bold</const></edit></match>
  <match target="pattern"><test name="family"><string>楷体_GB2312</string></test>
    <edit name="family" mode="assign" binding="strong"><string>AR PL UKai CN</string></edit></match>
</fontconfig>
EOF
export FONTCONFIG_FILE=$WORK/fontconfig/fonts.conf
mkdir -p "$OUT"

chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run \
  --user-data-dir="$WORK/chrome" --hide-scrollbars \
  --screenshot="$OUT/report-html.png" --window-size=1400,2000 "file://$HTML" 2>/dev/null

libreoffice --headless -env:UserInstallation="file://$WORK/lo" \
  --convert-to pdf --outdir "$WORK/pdf" "$DOCX" >/dev/null 2>&1
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$WORK/pdf/$(basename "${DOCX%.docx}").pdf" "$OUT/report-docx"

for png in "$OUT/report-html.png" "$OUT/report-docx.png"; do
  size=$(stat -c %s "$png")
  echo "$png: $size bytes"
  (( size < 500 * 1024 )) || { echo "$png is over 500 KB" >&2; exit 1; }
done
