#!/usr/bin/env bash
# Renders `kbscan report --format html` in headless Chromium and checks what a
# data owner would see: a screenshot (target/report-check/report.png) and the
# rendered DOM containing the label counts, a changed document and masked
# snippets. Not run in CI (it installs Chromium); run it by hand:
#   bash tests/browser/check_report.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
cargo build --release --quiet
out=target/report-check
rm -rf "$out" && mkdir -p "$out/kb"
cp -r fixtures/kb/. "$out/kb/"
( cd "$out" && ../release/kbscan scan kb --quiet --catalog k.db || true
  printf 'Updated contact: jane.roe@acme-widgets.io\n' >> kb/wiki/faq.md 2>/dev/null || printf 'x\n' > kb/new.md
  ../release/kbscan scan kb --quiet --catalog k.db || true
  ../release/kbscan report --format html --catalog k.db > report.html )
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)")
chromium "${flags[@]}" --window-size=1200,2400 --screenshot="$out/report.png" "file://$PWD/$out/report.html" 2>/dev/null
chromium "${flags[@]}" --dump-dom "file://$PWD/$out/report.html" 2>/dev/null > "$out/dom.html"
fail=0
for want in "kbscan report" "Documents by label" "restricted" "Changes since the previous scan" "Most sensitive documents" "****"; do
  grep -q -- "$want" "$out/dom.html" || { echo "missing in rendered page: $want"; fail=1; }
done
size=$(stat -c %s "$out/report.png")
[ "$size" -gt 20000 ] || { echo "screenshot suspiciously small: $size bytes"; fail=1; }
[ $fail -eq 0 ] && echo "report OK: $out/report.png ($size bytes)"
exit $fail
