#!/usr/bin/env bash
# PDF text quality against poppler's pdftotext: for every PDF in the given
# folders (default: ../shared/samples/pdf and fixtures), count the email
# addresses and phone numbers each side finds. pdftotext's text goes through
# simple regexes; kbscan's through its own extraction and detector (pii.email
# and pii.phone findings, role mailboxes and placeholders excluded by the
# rules, so kbscan may count fewer on purpose). Prints one markdown table.
#   bash benches/compare/pdf_text.sh [DIR...]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v pdftotext >/dev/null || { apt-get update -qq && apt-get install -y -qq poppler-utils; }
cargo build --release --quiet
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(../shared/samples/pdf fixtures/kb fixtures/formats)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t pdfs < <(find "${dirs[@]}" -name '*.pdf' -type f 2>/dev/null | sort)
[ ${#pdfs[@]} -gt 0 ] || { echo "no PDFs found in ${dirs[*]}"; exit 0; }
mkdir -p "$work/pdfs"
i=0
for f in "${pdfs[@]}"; do i=$((i+1)); cp "$f" "$work/pdfs/$(printf %03d $i)-$(basename "$f")"; done
target/release/kbscan scan "$work/pdfs" --catalog "$work/k.db" --quiet --max-file-size 1G || true
target/release/kbscan export --catalog "$work/k.db" --format jsonl > "$work/k.jsonl"
python3 - "$work" <<'PY'
import json, os, re, subprocess, sys
work = sys.argv[1]
email = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
phone = re.compile(r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]\d{3,4}")
docs = {}
for line in open(os.path.join(work, "k.jsonl")):
    d = json.loads(line)
    docs[os.path.basename(d["path"])] = d
print("| PDF | pdftotext chars | emails: pdftotext / kbscan | phones: pdftotext / kbscan | kbscan status |")
print("|---|---:|---:|---:|---|")
tot = [0, 0, 0, 0]
for name in sorted(os.listdir(os.path.join(work, "pdfs"))):
    path = os.path.join(work, "pdfs", name)
    r = subprocess.run(["pdftotext", "-q", path, "-"], capture_output=True, text=True, errors="replace")
    text = r.stdout
    pe, pp = len(set(email.findall(text))), len(set(phone.findall(text)))
    d = docs.get(name, {})
    ke = len({f["snippet"] for f in d.get("findings", []) if f["category"] == "pii.email"})
    kp = len({f["snippet"] for f in d.get("findings", []) if f["category"] == "pii.phone"})
    status = d.get("status", "missing") + (f" ({d['error']})" if d.get("error") else "")
    for k, v in enumerate((pe, ke, pp, kp)):
        tot[k] += v
    print(f"| {name[4:]} | {len(text)} | {pe} / {ke} | {pp} / {kp} | {status} |")
print(f"| **total** | | {tot[0]} / {tot[1]} | {tot[2]} / {tot[3]} | |")
PY
