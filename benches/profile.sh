#!/usr/bin/env bash
# Profiles one kbscan scan with perf and prints where the CPU time goes.
#
#   benches/profile.sh [DIR] [THREADS]
#
# DIR defaults to one department of the generated text corpus (run
# benches/throughput.sh first); THREADS to 1. Uses the software cpu-clock
# event, which works in VMs without hardware counters. Prints the top
# functions by self time, then by inclusive time (DWARF call graphs), and
# leaves target/profile/perf.data for `perf report -i`.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-}
threads=${2:-1}
if [ -z "$dir" ]; then
  for mode in full standard quick; do
    [ -d "target/bench-corpus/$mode/text/dept-00" ] && { dir=target/bench-corpus/$mode/text/dept-00; break; }
  done
fi
[ -n "$dir" ] || { echo "no corpus: run benches/throughput.sh --quick first, or give DIR" >&2; exit 2; }
command -v perf > /dev/null || { echo "perf is missing (apt-get install linux-perf)" >&2; exit 2; }
cargo build --release --quiet --bin kbscan
out=target/profile
mkdir -p "$out"
rm -f "$out"/catalog.db*
echo "== $dir, $threads thread(s): functions by self time" >&2
perf record -q -F 1999 -e cpu-clock -o "$out/perf.data" -- \
  target/release/kbscan scan "$dir" --catalog "$out/catalog.db" --quiet --threads "$threads" > /dev/null
top() { grep -E '^ +[0-9]' | sed -E 's/ +(- +)*$//' | head -"$1" || true; }
perf report -i "$out/perf.data" --no-children --sort symbol --stdio 2> /dev/null | top 40
rm -f "$out"/catalog.db*
echo "== inclusive time (children), DWARF call graphs" >&2
perf record -q -F 499 -e cpu-clock --call-graph dwarf,32768 -o "$out/perf-graph.data" -- \
  target/release/kbscan scan "$dir" --catalog "$out/catalog.db" --quiet --threads "$threads" > /dev/null
perf report -i "$out/perf-graph.data" --children --sort symbol --stdio -g none 2> /dev/null | top 60
