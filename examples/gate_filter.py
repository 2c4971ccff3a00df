#!/usr/bin/env python3
"""Pre-indexing gate for a retrieval pipeline, using only the standard library.

Filters LangChain/LlamaIndex-style documents (anything with a
``metadata["source"]`` path, or a ``metadata["file_path"]``) through kbscan's
catalog before they are embedded. Fails closed: a document is kept only when
the catalog has its source, the scan read it completely (status ``ok``), the
file on disk is still the size and mtime that was scanned, and its label is
within the audience's ceiling. Everything else is dropped with a reason.

Usage as a script (JSON lines of documents on stdin, kept ones on stdout):

    python3 gate_filter.py --catalog kbscan.db --max-label internal < docs.jsonl

Usage as a library:

    from gate_filter import Gate
    gate = Gate("kbscan.db", max_label="internal")
    docs = [d for d in docs if gate.allows(d.metadata["source"])]
"""

import argparse
import json
import os
import sqlite3
import sys

LABELS = ["public", "internal", "confidential", "restricted"]
MEMBER_SEPARATOR = "!/"


class Gate:
    """Read-only view of a kbscan catalog; safe to use while a scan runs."""

    def __init__(self, catalog, max_label="public"):
        if max_label not in LABELS:
            raise ValueError(f"unknown label {max_label!r}")
        self.max_rank = LABELS.index(max_label)
        # Read-only: the indexer must never write the catalog.
        self.db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)

    def _row(self, path):
        q = ("SELECT path, label_rank, status, error, size, mtime_ns, real_path "
             "FROM gate_documents WHERE path = ? OR real_path = ? LIMIT 1")
        row = self.db.execute(q, (path, path)).fetchone()
        if row is None:
            outer, sep, member = path.partition(MEMBER_SEPARATOR)
            real = os.path.realpath(outer) + (sep + member if sep else "")
            row = self.db.execute(q, (real, real)).fetchone()
        return row

    def decide(self, path):
        """Returns (allowed, reason)."""
        row = self._row(path)
        if row is None:
            return False, "unscanned"
        doc_path, rank, status, error, _, _, _ = row
        # The file on disk is the outermost container.
        outer = doc_path.split(MEMBER_SEPARATOR, 1)[0]
        outer_row = self._row(outer) if outer != doc_path else row
        if outer_row is None:
            return False, "unscanned"
        _, _, outer_status, _, size, mtime_ns, real_path = outer_row
        if status == "deleted" or outer_status == "deleted":
            return False, "deleted"
        try:
            st = os.stat(real_path or outer)
        except OSError:
            return False, "deleted"
        # kbscan's own gate re-hashes (BLAKE3) when only the mtime moved;
        # the standard library has no BLAKE3, so this filter is stricter.
        if st.st_size != size or st.st_mtime_ns != mtime_ns:
            return False, "changed-since-scan"
        if status != "ok":
            return False, f"{status}:{error}"
        if rank > self.max_rank:
            return False, f"label:{LABELS[rank]}"
        return True, None

    def allows(self, path):
        return self.decide(path)[0]


def source_of(doc):
    meta = doc.get("metadata", {})
    return meta.get("source") or meta.get("file_path")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--catalog", default=os.environ.get("KBSCAN_CATALOG", "kbscan.db"))
    ap.add_argument("--max-label", default="public", choices=LABELS)
    args = ap.parse_args()
    gate = Gate(args.catalog, args.max_label)
    kept = dropped = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        doc = json.loads(line)
        source = source_of(doc)
        ok, reason = gate.decide(source) if source else (False, "no source")
        if ok:
            kept += 1
            sys.stdout.write(json.dumps(doc) + "\n")
        else:
            dropped += 1
            print(f"dropped {source}: {reason}", file=sys.stderr)
    print(f"kept {kept}, dropped {dropped}", file=sys.stderr)


if __name__ == "__main__":
    main()
