#!/usr/bin/env python3
"""Peer for the gate measurement: what an indexer could do by itself with the
catalog's `gate_documents` view and a stat per path (no hashing, no
canonical-path fallback). Usage: gate_peer.py CATALOG MAX_RANK < paths"""
import os
import sqlite3
import sys

db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
max_rank = int(sys.argv[2])
q = "SELECT label_rank, status, size, mtime_ns FROM gate_documents WHERE path = ?"
out = []
for line in sys.stdin:
    path = line.rstrip("\n")
    row = db.execute(q, (path,)).fetchone()
    allow = False
    if row and row[1] == "ok" and row[0] <= max_rank:
        try:
            st = os.stat(path)
            allow = st.st_size == row[2] and st.st_mtime_ns == row[3]
        except OSError:
            pass
    out.append(f"{'allow' if allow else 'deny'}\t{path}")
    if len(out) >= 4096:
        sys.stdout.write("\n".join(out) + "\n")
        out.clear()
sys.stdout.write("\n".join(out) + "\n" if out else "")
