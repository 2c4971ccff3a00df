#!/usr/bin/env bash
# Compares kbscan with Presidio (pattern recognizers) and detect-secrets on the
# labelled corpus in fixtures/eval and prints a markdown table (see README.md).
#
#   benches/compare/run.sh [--kbscan target/release/kbscan] [--errors N] [--json-out FILE]
#   benches/compare/run.sh --peers-only
#   benches/compare/run.sh --kbscan-jsonl export.jsonl [--no-peers]
#
# The venv lives in $KBSCAN_COMPARE_VENV (default target/compare-venv) and is
# reused; delete it to reinstall.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${KBSCAN_COMPARE_VENV:-$repo/target/compare-venv}"
python="${PYTHON:-python3}"

args=("$@")
if [[ " ${args[*]} " != *" --kbscan "* && " ${args[*]} " != *" --peers-only "* && " ${args[*]} " != *" --kbscan-jsonl "* ]]; then
  args+=(--kbscan "$repo/target/release/kbscan")  # the default build; fails clearly below when absent
fi
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[i]}" == "--kbscan" ]]; then
    bin="${args[i + 1]:-}"
    if [[ -z "$bin" || ! -x "$bin" ]]; then
      echo "error: kbscan binary not found or not executable: '${bin}'" >&2
      echo "       build it with 'cargo build --release' or run with --peers-only" >&2
      exit 2
    fi
  fi
done

stamp="$venv/.requirements"
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$here/requirements.txt" "$stamp"; then
  echo "setting up $venv ..." >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$stamp"
fi

# tldextract (used by Presidio's e-mail recognizer) must not try to fetch the public suffix list.
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS=""
cd "$repo"
exec "$venv/bin/python" "$here/compare.py" --corpus "$repo/fixtures/eval" "${args[@]}"
