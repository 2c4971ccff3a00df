#!/usr/bin/env python3
"""Runs kbscan's throughput measurements and prints one markdown table.

Called by benches/throughput.sh, which builds kbscan and installs the peers
(ripgrep, pdftotext, GNU time, a venv with reportlab/openpyxl) first. Every
measurement is a wall-clock median over --reps runs on a warm page cache;
peak RSS is the maximum over those runs (GNU time). Corpora are generated
once per mode under target/bench-corpus/<mode>/ by gen_corpus.py (fixed
seed) and reused while their parameters are unchanged.

Targets live in TARGETS below: edit them there, nowhere else. A failed
command never ends the run: a failed peer shows as `error: ...` in its row
(and the row's verdict as **error**), a failed step as a row of its own.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MB = 1_000_000
# A measurement whose first run takes longer than this runs only once.
LONG_SECS = 60.0

# Corpus sizes per mode. `text_bytes` excludes the one big file (`big`).
MODES = {
    "quick": dict(text_bytes=6 << 20, big=2 << 20, small=2_000, block=4 << 20, repeat=4,
                  pdf_files=3, pdf_pages=4, xlsx_files=2, xlsx_rows=1_000, catalog=20_000, bomb_mib=128, reps=1),
    "standard": dict(text_bytes=224 << 20, big=32 << 20, small=50_000, block=64 << 20, repeat=16,
                     pdf_files=40, pdf_pages=20, xlsx_files=4, xlsx_rows=10_000, catalog=250_000,
                     bomb_mib=2048, reps=3),
    "full": dict(text_bytes=896 << 20, big=128 << 20, small=200_000, block=64 << 20, repeat=64,
                 pdf_files=100, pdf_pages=20, xlsx_files=10, xlsx_rows=10_000, catalog=1_000_000,
                 bomb_mib=2048, reps=3),
}

# What "good enough" means: the targets of issue #6. Text: wall time at most
# ripgrep's with the same rule regexes, and at least 150 MB/s per core.
# Small files: at least 50 % of ripgrep's files/s, the catalog writer never
# the bottleneck. PDFs >= half of pdftotext's pages/s, XLSX at least as fast
# as openpyxl read-only. 2 threads >= 1.8x one. Peak RSS < 256 MB for any
# corpus, a 4 GB file and the bombs included. Gate >= 50,000 decisions/s
# against 1,000,000 documents. A no-change re-scan of the small-file tree in
# < 10 % of its first scan's time. Throughputs are higher-is-better, memory
# and time lower-is-better.
TARGETS = {
    "text_mbps_per_core": 150.0,  # MB/s per thread, text corpus, end to end
    "text_vs_rg": 1.0,            # rg wall time / kbscan wall time, same threads
    "text_2t_scaling": 1.8,       # 2-thread rate / 1-thread rate
    "rss_mb": 256.0,              # peak RSS of any kbscan run in the table
    "rescan_fraction": 0.10,      # no-change re-scan time / first scan time
    "small_vs_rg": 0.5,           # kbscan files/s / rg files/s, 2 threads each
    "writer_share": 0.5,          # catalog writer busy time / scan wall time
    "gate_paths_per_s": 50_000,   # gate from stdin against the padded catalog
    "pdf_vs_pdftotext": 0.5,      # kbscan pages/s / pdftotext pages/s (1 thread each)
    "xlsx_vs_openpyxl": 1.0,      # kbscan cells/s / openpyxl read-only cells/s
    "big_file_mbps": 150.0,       # single multi-GB text file, 2 threads
    "bomb_secs": 30.0,
}


def human(n):
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def tree_stats(path):
    files = size = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, n))
    return files, size


def list_files(path):
    out = []
    for dirpath, dirs, names in os.walk(path):
        dirs.sort()
        out.extend(os.path.join(dirpath, n) for n in sorted(names))
    return out


class Timed:
    """One measured command: wall seconds, CPU seconds (user + system), peak
    RSS (MB), exit code, stdout."""

    def __init__(self, secs, cpu, rss_mb, code, stdout):
        self.secs, self.cpu, self.rss_mb, self.code, self.stdout = secs, cpu, rss_mb, code, stdout


class Failed(Exception):
    """A measured command exited with an unexpected code."""


class PeerError:
    """A peer that failed: its label and why, shown in its row instead of
    a number."""

    def __init__(self, label, why):
        self.label, self.why = label, why


def run(cmd, stdin=None, ok=(0,), capture=False, cwd=ROOT):
    """Runs `cmd` under GNU time; raises Failed on an unexpected exit code."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-v", "-o", tf.name] + cmd
        fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
        t0 = time.perf_counter()
        p = subprocess.run(full, stdin=fin, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                           stderr=subprocess.PIPE, cwd=cwd)
        secs = time.perf_counter() - t0
        if stdin:
            fin.close()
        rss = cpu = 0.0
        for line in tf.read().splitlines():
            if "Maximum resident set size" in line:
                rss = int(line.rsplit(":", 1)[1]) / 1024
            elif "User time (seconds)" in line or "System time (seconds)" in line:
                cpu += float(line.rsplit(":", 1)[1])
    if p.returncode not in ok:
        err = [ln for ln in p.stderr.decode(errors="replace").splitlines()
               if ln.strip() and not ln.startswith("Command exited with non-zero status")]
        why = err[0].strip() if err else "no message"
        raise Failed(f"`{os.path.basename(cmd[0])}` exited {p.returncode}: {why}")
    return Timed(secs, cpu, rss, p.returncode, p.stdout.decode(errors="replace") if capture else "")


def repeat(n, fn, before=None):
    """Median seconds and max RSS of `n` runs of fn() -> Timed (one run if
    the first takes over LONG_SECS); `before` runs untimed ahead of each run
    (e.g. deleting the catalog)."""
    results = []
    for _ in range(n):
        if before:
            before()
        results.append(fn())
        if results[0].secs > LONG_SECS:
            break
    med = Timed(statistics.median(r.secs for r in results), statistics.median(r.cpu for r in results),
                max(r.rss_mb for r in results), results[-1].code, results[-1].stdout)
    med.last = results[-1]
    return med


def writer_secs(summary):
    """The catalog writer's busy seconds from `scan --json`, when this kbscan
    reports them: the first number whose key (nested keys joined by `.`)
    names the writer and ends in `secs`/`seconds`."""
    stack = [("", summary)]
    while stack:
        prefix, d = stack.pop()
        for k, v in d.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                stack.append((key + ".", v))
            elif (isinstance(v, (int, float)) and "writer" in key
                  and re.search(r"(secs|seconds)$", key)):
                return float(v)
    return None


def pct(x):
    return f"{x:.0%}" if x >= 0.1 else f"{x:.1%}"


class Bench:
    def __init__(self, args):
        self.a = args
        self.cfg = dict(MODES[args.mode])
        if args.reps:
            self.cfg["reps"] = args.reps
        self.reps = self.cfg["reps"]
        self.base = os.path.join(ROOT, "target", "bench-corpus", args.mode)
        self.kbscan = os.path.join(ROOT, "target", "release", "kbscan")
        self.rg = args.rg
        self.py = sys.executable
        self.rows = []
        self.notes = []
        self.peak = (0.0, "")  # highest RSS of any kbscan run, and which
        os.makedirs(self.base, exist_ok=True)
        self.cat_dir = os.path.join(self.base, "catalogs")
        os.makedirs(self.cat_dir, exist_ok=True)

    # -- corpora ------------------------------------------------------------
    def generate(self, name, args):
        """Runs gen_corpus.py once per parameter set (stamp file)."""
        target = os.path.join(self.base, name)
        stamp = target + ".stamp"
        with open(os.path.join(HERE, "gen_corpus.py"), "rb") as f:
            want = json.dumps(args) + hashlib.sha256(f.read()).hexdigest()
        if os.path.exists(stamp) and open(stamp).read() == want:
            return target
        log(f"generating {name} ...")
        if os.path.isdir(target):
            shutil.rmtree(target)
        elif os.path.exists(target):
            os.remove(target)
        t0 = time.perf_counter()
        subprocess.run([self.py, os.path.join(HERE, "gen_corpus.py")] + [a.replace("@", target) for a in args],
                       check=True, stdout=sys.stderr)
        log(f"  {name}: {time.perf_counter() - t0:.1f} s")
        with open(stamp, "w") as f:
            f.write(want)
        return target

    def corpora(self):
        c = self.cfg
        self.text = self.generate("text", ["text", "@", "--bytes", str(c["text_bytes"]), "--big", str(c["big"])])
        self.small = self.generate("small", ["small", "@", "--files", str(c["small"])])
        self.bigdir = self.generate("single", ["block", "@/big.txt", "--bytes", str(c["block"]),
                                               "--repeat", str(c["repeat"])])
        self.pdf = self.generate("pdf", ["pdf", "@", "--files", str(c["pdf_files"]), "--pages", str(c["pdf_pages"])])
        self.xlsx = self.generate("xlsx", ["xlsx", "@", "--files", str(c["xlsx_files"]), "--rows", str(c["xlsx_rows"])])
        self.bombs = self.generate("bombs", ["bomb", "@", "--mib", str(c["bomb_mib"])])
        bad = os.path.join(ROOT, "fixtures", "bad")
        self.bomb_dirs = [self.bombs] + ([bad] if os.path.isdir(bad) else [])

    # -- helpers --------------------------------------------------------------
    def catalog(self, name):
        return os.path.join(self.cat_dir, name + ".db")

    def rm_catalog(self, path):
        for suffix in ("", "-wal", "-shm", ".lock"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)

    def timed(self, cmd, ok=(0,), stdin=None, capture=False, reps=None):
        return repeat(reps or self.reps, lambda: run(cmd, ok=ok, stdin=stdin, capture=capture))

    def peer(self, label, cmd, ok=(0, 1), stdin=None, reps=None):
        """A peer's median run (Timed), or a PeerError saying why it failed."""
        try:
            t = self.timed(cmd, ok=ok, stdin=stdin, reps=reps)
        except Failed as e:
            log(f"  peer {label} failed: {e}")
            return PeerError(label, str(e))
        t.label = label
        return t

    @staticmethod
    def show(peer, fmt):
        """The peer column: `label: <fmt(peer)>`, or the peer's error."""
        if isinstance(peer, PeerError):
            return f"{peer.label}: error: {peer.why}"
        return f"{peer.label}: {fmt(peer)}"

    def scan(self, root, catalog, threads, fresh=True, ok=(0, 1), reps=None):
        # Read every file, however large: the default --max-file-size would
        # record the big files as skipped instead of reading them.
        cmd = [self.kbscan, "scan", root, "--catalog", catalog, "--quiet", "--json", "--threads", str(threads),
               "--max-file-size", "64G"]

        def one():
            t = run(cmd, ok=ok, capture=True)
            t.summary = json.loads(t.stdout)
            return t

        med = repeat(reps or self.reps, one, before=(lambda: self.rm_catalog(catalog)) if fresh else None)
        med.summary = med.last.summary
        statuses = med.summary.get("by_status", {})
        if set(statuses) - {"ok"} and "bombs" not in root and "bad" not in root:
            self.notes.append(f"Not all read in `{os.path.relpath(root, ROOT)}`: {statuses}.")
        what = f"{'re-' if not fresh else ''}scan of `{os.path.relpath(root, ROOT)}`, {threads} thread(s)"
        if med.rss_mb > self.peak[0]:
            self.peak = (med.rss_mb, what)
        return med

    def row(self, measure, target, measured, peer, ratio, met):
        verdict = {None: "—", True: "yes", False: "**no**"}.get(met, met)
        self.rows.append((measure, target, measured, peer, ratio, verdict))
        log(f"  {measure}: {measured} | {peer} | {ratio} | met {verdict}")

    def io_floor(self, root, what, rate):
        files, size = tree_stats(root)
        cat = self.timed(["bash", "-c", f"find '{root}' -type f -print0 | xargs -0 cat > /dev/null"])
        self.row(f"I/O floor: `cat` {what} ({files:,} files, {size / MB:,.0f} MB)", "—",
                 rate(files, size, cat.secs), "—", "—", None)
        return files, size

    def rg_count(self, root, threads):
        flags = ["-U"] if self.multiline else []
        label = f"rg {' '.join(flags + [f'-j{threads}'])} -c -f"
        return self.peer(label, [self.rg, *flags, f"-j{threads}", "-c", "-f", self.patterns, "--no-messages", root])

    def writer_row(self, what, k):
        """The catalog writer's share of a scan's wall time."""
        busy = writer_secs(k.last.summary)
        if busy is None:
            self.row(f"Catalog writer's share of wall time, {what}", f"≤ {TARGETS['writer_share']:.0%} (never the "
                     "bottleneck)", "n/a (`scan --json` reports no writer time)", "—", "—", None)
            return
        share = busy / k.last.secs
        self.row(f"Catalog writer's share of wall time, {what}", f"≤ {TARGETS['writer_share']:.0%} (never the "
                 "bottleneck)", f"{busy:.2f} s busy of {k.last.secs:.2f} s ({pct(share)})", "—", "—",
                 share <= TARGETS["writer_share"])

    # -- measurements ---------------------------------------------------------
    def text_corpus(self):
        T = TARGETS
        files, size = self.io_floor(self.text, "text corpus", lambda f, b, s: f"{b / MB / s:,.0f} MB/s")
        mb = size / MB
        rg1, rg2 = self.rg_count(self.text, 1), self.rg_count(self.text, 2)
        cat_path = self.catalog("text")
        k1 = self.scan(self.text, cat_path, 1)
        k2 = self.scan(self.text, cat_path, 2)
        r1, r2 = mb / k1.secs, mb / k2.secs

        def versus(k, rg, threads, rate):
            met_rate = rate / threads >= T["text_mbps_per_core"]
            per_core = f"≥ {T['text_mbps_per_core']:.0f} MB/s per core"
            if isinstance(rg, PeerError):
                return (f"wall ≤ rg's; {per_core}", self.show(rg, None), "—", "**error**" if met_rate else False)
            faster = rg.secs / k.secs
            return (f"wall ≤ rg's; {per_core}",
                    self.show(rg, lambda p: f"{p.secs:.2f} s, {mb / p.secs:,.0f} MB/s ({mb / p.cpu:,.0f}/CPU-s)"),
                    f"{faster:.2f}×", met_rate and faster >= T["text_vs_rg"])

        target, peer, ratio, met = versus(k1, rg1, 1, r1)
        self.row(f"Text corpus ({files:,} files, {mb:,.0f} MB), 1 thread", target,
                 f"{k1.secs:.2f} s, {r1:,.0f} MB/s ({mb / k1.cpu:,.0f}/CPU-s)", peer, ratio, met)
        target, peer, ratio, met = versus(k2, rg2, 2, r2)
        self.row("Text corpus, 2 threads", target,
                 f"{k2.secs:.2f} s, {r2:,.0f} MB/s = {r2 / 2:,.0f} per core ({mb / k2.cpu:,.0f}/CPU-s)",
                 peer, ratio, met)
        rg_scaling = ("—" if isinstance(rg1, PeerError) or isinstance(rg2, PeerError)
                      else f"rg: {rg1.secs / rg2.secs:.2f}×")
        self.row("Scaling on the text corpus, 2 threads / 1 thread", f"≥ {T['text_2t_scaling']}×",
                 f"{r2 / r1:.2f}×", rg_scaling, "—", r2 / r1 >= T["text_2t_scaling"])
        self.row("Peak RSS, text corpus, 2 threads", f"≤ {T['rss_mb']:.0f} MB", f"{k2.rss_mb:,.0f} MB",
                 self.show(rg2, lambda p: f"{p.rss_mb:,.0f} MB"), "—", k2.rss_mb <= T["rss_mb"])
        s = k2.summary
        self.notes.append(f"Text corpus, last 2-thread scan: {s.get('documents')} documents, {s.get('findings')} "
                          f"findings, labels {s.get('by_label')}, kbscan's own elapsed "
                          f"{s.get('elapsed_secs', float('nan')):.2f} s.")
        busy = writer_secs(k2.last.summary)
        if busy is not None:
            self.notes.append(f"Catalog writer busy {busy:.2f} s of the last 2-thread text scan's "
                              f"{k2.last.secs:.2f} s ({pct(busy / k2.last.secs)}).")
        walk = self.peer("rg --files (walk only)", [self.rg, "--files", "-j2", self.text])
        again = self.scan(self.text, cat_path, 2, fresh=False)
        unchanged = again.summary.get("changes", {}).get("unchanged", 0)
        self.row(f"No-change re-scan, text corpus ({unchanged:,} unchanged)",
                 f"≤ {T['rescan_fraction']:.0%} of the first scan",
                 f"{again.secs:.2f} s ({pct(again.secs / k2.secs)})",
                 self.show(walk, lambda p: f"{p.secs:.2f} s"), "—",
                 again.secs <= T["rescan_fraction"] * k2.secs)

    def rg_line_mode(self):
        """What -U costs rg: the text corpus without it, minus the patterns
        that need it. A note, not a row; one run."""
        if not self.multiline:
            return
        _, size = tree_stats(self.text)
        t = self.peer("rg -j1 -c -f, line patterns only", [
            self.rg, "-j1", "-c", "-f", self.line_patterns, "--no-messages", self.text], reps=1)
        if isinstance(t, PeerError):
            self.notes.append(f"`rg` without `-U` failed: {t.why}.")
        else:
            self.notes.append(
                f"For comparison, `rg -j1 -c -f` without `-U`, given only the {self.n_line:,} patterns that cannot "
                f"match a line break: {t.secs:.2f} s, {size / MB / t.secs:,.1f} MB/s ({size / MB / t.cpu:,.1f}/CPU-s) "
                "on the text corpus (one run).")

    def small_corpus(self):
        T = TARGETS
        files, size = self.io_floor(self.small, "small files", lambda f, b, s: f"{f / s:,.0f} files/s")
        rg2 = self.rg_count(self.small, 2)
        cat_path = self.catalog("small")
        k2 = self.scan(self.small, cat_path, 2)
        f2 = files / k2.secs
        measured = f"{f2:,.0f} files/s ({size / MB / k2.secs:,.0f} MB/s; {files / k2.cpu:,.0f} files/CPU-s)"
        what = f"{files:,} files of 1–8 KiB"
        if isinstance(rg2, PeerError):
            self.row(f"{what}, 2 threads", f"≥ {T['small_vs_rg']:.0%} of rg's files/s", measured,
                     self.show(rg2, None), "—", "**error**")
        else:
            p2 = files / rg2.secs
            self.row(f"{what}, 2 threads", f"≥ {T['small_vs_rg']:.0%} of rg's files/s", measured,
                     self.show(rg2, lambda p: f"{p2:,.0f} files/s ({files / p.cpu:,.0f}/CPU-s)"),
                     f"{f2 / p2:.2f}×", f2 / p2 >= T["small_vs_rg"])
        self.writer_row(f"{files:,} small files, 2 threads", k2)
        self.row(f"Peak RSS, {files:,} small files, 2 threads", f"≤ {T['rss_mb']:.0f} MB", f"{k2.rss_mb:,.0f} MB",
                 self.show(rg2, lambda p: f"{p.rss_mb:,.0f} MB"), "—", k2.rss_mb <= T["rss_mb"])
        walk = self.peer("rg --files", [self.rg, "--files", "-j2", self.small])
        again = self.scan(self.small, cat_path, 2, fresh=False)
        self.row(f"No-change re-scan, {files:,} small files", f"≤ {T['rescan_fraction']:.0%} of the first scan",
                 f"{again.secs:.2f} s ({pct(again.secs / k2.secs)}; {files / again.secs:,.0f} files/s)",
                 self.show(walk, lambda p: f"{files / p.secs:,.0f} files/s (walk only)"), "—",
                 again.secs <= T["rescan_fraction"] * k2.secs)
        self.small_catalog = cat_path

    def gate(self):
        T = TARGETS
        n = self.cfg["catalog"]
        big = self.catalog("gate")
        shutil.copyfile(self.small_catalog, big)
        t0 = time.perf_counter()
        subprocess.run([self.py, os.path.join(HERE, "gen_corpus.py"), "catalog", big, "--to", str(n),
                        "--prefix", os.path.join(self.base, "absent")], check=True, stdout=sys.stderr)
        log(f"  padded catalog to {n} documents in {time.perf_counter() - t0:.1f} s")
        paths = os.path.join(self.cat_dir, "gate-paths.txt")
        with sqlite3.connect(big) as db:
            rows = [r[0] for r in db.execute("SELECT path FROM documents WHERE parent_path IS NULL AND path NOT LIKE ?",
                                              (os.path.join(self.base, "absent") + "%",))]
        with open(paths, "w") as f:
            f.write("\n".join(rows) + "\n")
        g = self.timed([self.kbscan, "gate", "--catalog", big, "--max-label", "confidential", "-"],
                       stdin=paths, ok=(0, 1), capture=True)
        verdicts = {}
        for line in g.stdout.splitlines():
            parts = line.split("\t")
            key = parts[0] if parts[0] == "allow" or len(parts) < 3 else f"deny {parts[2].split(':')[0]}"
            verdicts[key] = verdicts.get(key, 0) + 1
        self.notes.append(f"Gate verdicts for the {len(rows):,} real paths: "
                          + ", ".join(f"{k} {v:,}" for k, v in sorted(verdicts.items())) + ".")
        peer = self.peer("Python sqlite3 + stat", [self.py, os.path.join(HERE, "gate_peer.py"), big, "2"],
                         ok=(0,), stdin=paths)
        rate = len(rows) / g.secs
        self.row(f"Gate, {len(rows):,} paths from stdin, catalog of {n:,} documents",
                 f"≥ {T['gate_paths_per_s']:,} paths/s", f"{rate:,.0f} paths/s ({len(rows) / g.cpu:,.0f}/CPU-s)",
                 self.show(peer, lambda p: f"{len(rows) / p.secs:,.0f} paths/s ({len(rows) / p.cpu:,.0f}/CPU-s)"),
                 "—" if isinstance(peer, PeerError) else f"{rate / (len(rows) / peer.secs):.1f}×",
                 rate >= T["gate_paths_per_s"])

    def relative(self, measure, target, k, peer, unit, fmt, goal):
        """A row whose target is a ratio to the peer's rate (`unit` per run)."""
        r = unit / k.secs
        measured = f"{fmt(r)} ({fmt(unit / k.cpu)}/CPU-s)"
        if isinstance(peer, PeerError):
            self.row(measure, target, measured, self.show(peer, None), "—", "**error**")
            return
        p = unit / peer.secs
        self.row(measure, target, measured, self.show(peer, lambda t: f"{fmt(p)} ({fmt(unit / t.cpu)}/CPU-s)"),
                 f"{r / p:.2f}×", r / p >= goal)

    def pdfs(self):
        files = list_files(self.pdf)
        pages = len(files) * self.cfg["pdf_pages"]
        peer = self.peer("pdftotext", ["bash", "-c", f"for f in '{self.pdf}'/*.pdf; do pdftotext \"$f\" - > /dev/null"
                                       " || exit 3; done"], ok=(0,))
        k = self.scan(self.pdf, self.catalog("pdf"), 1)
        self.relative(f"PDF text, {len(files)} files / {pages:,} pages, 1 thread",
                      f"≥ {TARGETS['pdf_vs_pdftotext']}× pdftotext", k, peer, pages,
                      lambda x: f"{x:,.0f} pages/s", TARGETS["pdf_vs_pdftotext"])

    def sheets(self):
        files = list_files(self.xlsx)
        cells = len(files) * 2 * (self.cfg["xlsx_rows"] + 1) * 8
        peer = self.peer("openpyxl read-only", [self.py, os.path.join(HERE, "xlsx_peer.py")] + files,
                         ok=(0,))
        k = self.scan(self.xlsx, self.catalog("xlsx"), 1)
        self.relative(f"XLSX cells, {len(files)} workbooks / {cells:,} cells, 1 thread",
                      f"≥ {TARGETS['xlsx_vs_openpyxl']}× openpyxl", k, peer, cells,
                      lambda x: f"{x / 1e6:,.2f} M cells/s", TARGETS["xlsx_vs_openpyxl"])

    def big_file(self):
        T = TARGETS
        _, size = tree_stats(self.bigdir)
        cat = self.peer("cat", ["cat", os.path.join(self.bigdir, "big.txt")], ok=(0,), reps=1)
        k = self.scan(self.bigdir, self.catalog("single"), 2, reps=1)
        r = size / MB / k.secs
        self.row(f"One {human(size)} text file, 2 threads", f"≥ {T['big_file_mbps']:.0f} MB/s",
                 f"{r:,.0f} MB/s ({size / MB / k.cpu:,.0f}/CPU-s)",
                 self.show(cat, lambda p: f"{size / MB / p.secs:,.0f} MB/s"),
                 "—" if isinstance(cat, PeerError) else f"{r / (size / MB / cat.secs):.2f}×", r >= T["big_file_mbps"])
        self.row(f"Peak RSS, one {human(size)} text file", f"≤ {T['rss_mb']:.0f} MB",
                 f"{k.rss_mb:,.0f} MB", "—", "—", k.rss_mb <= T["rss_mb"])

    def bombs_(self):
        T = TARGETS
        for d in self.bomb_dirs:
            cat_path = self.catalog("bombs")
            k = self.scan(d, cat_path, 2, reps=1)
            exp = subprocess.run([self.kbscan, "export", "--catalog", cat_path, "--format", "jsonl"],
                                 capture_output=True, check=False)
            docs = [json.loads(x) for x in exp.stdout.decode().splitlines() if x.strip()]
            top = [x for x in docs if "!/" not in x["path"]]
            denied = [x for x in top if x["status"] != "ok"]
            why = sorted({(x.get("error") or x["status"]).split(":")[0] for x in denied})
            name = os.path.relpath(d, ROOT)
            if "bad" in name:
                self.row(f"Hostile fixtures in `{name}` ({len(denied)}/{len(top)} not ok)",
                         f"≤ {T['rss_mb']:.0f} MB, ≤ {T['bomb_secs']:.0f} s", f"{k.rss_mb:,.0f} MB, {k.secs:.1f} s",
                         "—", "—", k.rss_mb <= T["rss_mb"] and k.secs <= T["bomb_secs"])
                continue
            self.notes.append(f"Bombs in `{name}`: " + "; ".join(
                f"`{os.path.basename(x['path'])}` {x.get('error') or x['status']}" for x in top) + ".")
            self.row(f"Zip bombs in `{name}` ({len(denied)}/{len(top)} not ok: {', '.join(why)})",
                     f"≤ {T['rss_mb']:.0f} MB, ≤ {T['bomb_secs']:.0f} s, all not ok",
                     f"{k.rss_mb:,.0f} MB, {k.secs:.1f} s ({k.cpu:.1f} CPU-s)", "—", "—",
                     k.rss_mb <= T["rss_mb"] and k.secs <= T["bomb_secs"] and len(denied) == len(top))

    def peak_rss(self):
        rss, what = self.peak
        self.row("Peak RSS, every kbscan run above", f"≤ {TARGETS['rss_mb']:.0f} MB", f"{rss:,.0f} MB ({what})",
                 "—", "—", rss <= TARGETS["rss_mb"])

    # -- main -------------------------------------------------------------------
    def context_patterns(self):
        """Patterns of the built-in rules anchored on a column header
        (`anchor = "context"`): kbscan runs them only on table cells under
        a matching header. As bare regexes they match most lines (one
        matches any non-blank text), and with -U a whole file at once."""
        found = set()
        for name in sorted(os.listdir(os.path.join(ROOT, "rules"))):
            if name.endswith(".toml"):
                with open(os.path.join(ROOT, "rules", name), "rb") as f:
                    found |= {r["pattern"] for r in tomllib.load(f).get("rule", [])
                              if r.get("anchor") == "context" and "pattern" in r}
        return found

    def patterns_file(self):
        """Writes the rule regexes for rg and decides whether rg needs -U."""
        out = subprocess.run([self.kbscan, "rules", "export-patterns"], capture_output=True, check=True).stdout.decode()
        exported = [ln.split("\t")[-1] for ln in out.splitlines() if ln.strip()]
        context = self.context_patterns()
        # One alternation for rg: named groups would clash between patterns.
        lines = [re.sub(r"\(\?P?<[A-Za-z_][A-Za-z0-9_]*>", "(?:", ln) for ln in exported if ln not in context]
        dropped = len(exported) - len(lines)
        self.patterns = os.path.join(self.base, "patterns.txt")
        with open(self.patterns, "w") as f:
            f.write("\n".join(lines) + "\n")
        # Without -U (multiline) rg refuses a pattern that can match "\n".
        multi = [ln for ln in lines if b"is not allowed" in subprocess.run(
            [self.rg, "-q", "-e", ln, os.devnull], capture_output=True).stderr]
        self.multiline = bool(multi)
        self.n_line = len(lines) - len(multi)
        self.line_patterns = os.path.join(self.base, "patterns-line.txt")
        with open(self.line_patterns, "w") as f:
            f.write("\n".join(ln for ln in lines if ln not in multi) + "\n")
        how = (f"rg runs with `-U` (multiline): {len(multi)} of them can match a line break (a literal `\\n`), "
               "which rg refuses without `-U`; with `-U` rg searches each file as one buffer" if multi
               else "rg searches line by line")
        self.notes.append(
            f"ripgrep is given the same rule regexes: {len(lines)} of the {len(exported)} patterns of `kbscan rules "
            f"export-patterns` (named groups made non-capturing) in one `-f` file, all but the {dropped} of rules "
            "anchored on a column header (`anchor = \"context\"`), which kbscan runs only on table cells under a "
            "matching header and which as bare regexes match nearly every line (one, any non-blank text; with "
            f"`-U` a whole file in one match, which would end rg's search of that file at once); {how}; Unicode on "
            "(rg's default). `rg -c` only counts matching lines: kbscan also validates (Luhn, IBAN, SSN ranges), "
            "scores context, masks, labels and writes the catalog.")
        if dropped != len(context):
            self.notes.append(f"**Check**: {len(context)} context-anchored rules in `rules/`, {dropped} of their "
                              "patterns found verbatim among the exported ones: the others are either not exported "
                              "or exported rewritten (then rg got them).")

    def main(self):
        t0 = time.perf_counter()
        self.load0 = f"{os.getloadavg()[0]:.1f}"
        self.corpora()
        self.patterns_file()
        steps = [self.text_corpus, self.rg_line_mode, self.small_corpus, self.gate, self.pdfs, self.sheets, self.big_file, self.bombs_]
        for step in steps:
            name = step.__name__.strip("_")
            if self.a.only and name not in self.a.only.split(","):
                continue
            log(f"== {name}")
            try:
                step()
            except Exception as e:  # one failed step must not hide the others
                log(f"  {name} failed: {e!r}")
                self.row(f"Step `{name}`", "—", f"error: {e}", "—", "—", "**error**")
        if self.peak[0]:
            self.peak_rss()
        print(self.table(time.perf_counter() - t0))

    def table(self, total):
        cpu = "?"
        try:
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
                if line.startswith("Model name"):
                    cpu = line.split(":", 1)[1].strip()
        except OSError:
            pass
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        rgv = subprocess.run([self.rg, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        kv = subprocess.run([self.kbscan, "--version"], capture_output=True, text=True).stdout.strip()
        git = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        out = [
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, `benches/throughput.sh"
            f"{'' if self.a.mode == 'standard' else ' --' + self.a.mode}`, median of "
            f"{self.reps} run(s), warm page cache, {total / 60:.1f} min in all.",
            f"Machine: {os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}. "
            f"{kv} at `{git}`; {rgv}. Load average at start {self.load0}, at end "
            f"{os.getloadavg()[0]:.1f} (other jobs share the CPUs: the `/CPU-s` rates, throughput per second of "
            "user + system CPU time, are the steadier numbers on a busy machine).",
            "",
            "| Measure | Target | kbscan | Peer | kbscan / peer | Met? |",
            "|---|---|---|---|---|---|",
        ]
        out += ["| " + " | ".join(r) + " |" for r in self.rows]
        out += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=MODES, default="standard")
    p.add_argument("--reps", type=int, default=0, help="repetitions per measurement (default: per mode)")
    p.add_argument("--rg", default="rg")
    p.add_argument("--only", default="", help="comma-separated steps: text_corpus,rg_line_mode,small_corpus,gate,"
                                              "pdfs,sheets,big_file,bombs (gate needs small_corpus)")
    Bench(p.parse_args()).main()


if __name__ == "__main__":
    main()
