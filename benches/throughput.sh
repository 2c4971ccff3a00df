#!/usr/bin/env bash
# Reproducible throughput harness for kbscan (issue #6).
#
#   benches/throughput.sh [--quick | --full] [--reps N] [--only STEPS]
#
# Builds kbscan (release), installs what the peers need (ripgrep into
# target/tools, poppler-utils and GNU time via apt when root, a Python venv
# with reportlab + openpyxl under target/bench-venv), generates the corpora
# under target/bench-corpus/<mode>/ with a fixed seed (once; reused while
# their parameters are unchanged), runs every measurement and prints one
# markdown table on stdout. Progress goes to stderr.
#
#   --quick   tiny corpora, one run each: a CI smoke test (~30 s once built)
#   (default) ~256 MB text, 50,000 small files, a 1 GB file, 3 runs each
#   --full    ~1 GB text, 200,000 small files, a 4 GB file, a catalog of
#             1,000,000 documents, 3 runs each (~30 min on 2 cores, plus
#             ~2.5 min to generate the corpora the first time)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=standard
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    --reps | --only) args+=("$1" "$2"); shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

say() { echo "throughput.sh: $*" >&2; }

apt_install() { # command package
  command -v "$1" > /dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    say "installing $2 (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" > /dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" > /dev/null; }
  fi
  command -v "$1" > /dev/null || { say "$1 is missing; install $2"; exit 2; }
}

apt_install pdftotext poppler-utils
[ -x /usr/bin/time ] || apt_install /usr/bin/time time

rg=$(command -v rg || true)
if [ -z "$rg" ]; then
  rg=target/tools/bin/rg
  if [ ! -x "$rg" ]; then
    say "installing ripgrep into target/tools (cargo install)"
    cargo install ripgrep --locked --root target/tools --quiet
  fi
fi

venv=target/bench-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import reportlab, openpyxl' 2> /dev/null; then
  say "creating $venv with reportlab and openpyxl"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check reportlab==5.1.0 openpyxl==3.1.5
fi

say "building kbscan (release)"
cargo build --release --quiet --bin kbscan

exec "$venv/bin/python" benches/throughput.py --mode "$mode" --rg "$rg" "${args[@]}"
