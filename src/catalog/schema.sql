-- kbscan catalog, schema version 1.
-- The catalog is the map of a knowledge base: one row per document (files and
-- the documents inside archives and emails), its findings (masked, never the
-- raw value), the scans that produced them and every label change.
-- Readers (the gate, exports, an indexer's own sqlite3 connection) use the
-- `gate_documents` view; kbscan is the only writer.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,  -- 'fingerprint_key', 'created_at', 'created_by'
    value TEXT NOT NULL
) STRICT;

CREATE TABLE scans (
    id             INTEGER PRIMARY KEY,
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    -- running until the writer commits its last batch; 'partial' after SIGINT
    status         TEXT NOT NULL CHECK (status IN ('running', 'complete', 'partial', 'failed')),
    roots          TEXT NOT NULL,           -- JSON array of the roots as given
    rules_version  TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    tool_version   TEXT NOT NULL,
    documents      INTEGER NOT NULL DEFAULT 0,  -- documents written by this scan
    findings       INTEGER NOT NULL DEFAULT 0,
    bytes          INTEGER NOT NULL DEFAULT 0   -- bytes read from disk
) STRICT;

CREATE TABLE documents (
    id             INTEGER PRIMARY KEY,
    path           TEXT NOT NULL UNIQUE,    -- as walked; members as 'outer.zip!/dir/f.md'
    parent_path    TEXT,                    -- the containing document, NULL for files on disk
    real_path      TEXT,                    -- canonical absolute form of path, so an indexer may ask either way
    size           INTEGER,                 -- bytes on disk (files) or in the container (members)
    mtime_ns       INTEGER,                 -- files only: what the gate compares with a fresh stat
    inode          INTEGER,
    content_hash   TEXT,                    -- BLAKE3 hex of the raw bytes (files only)
    status         TEXT NOT NULL CHECK (status IN ('ok', 'error', 'skipped', 'deleted')),
    error          TEXT,                    -- one-line reason when status is not 'ok'
    notes          TEXT NOT NULL DEFAULT '[]',  -- JSON array, e.g. ["no-text"]
    label          TEXT NOT NULL CHECK (label IN ('public', 'internal', 'confidential', 'restricted')),
    label_rank     INTEGER NOT NULL CHECK (label_rank BETWEEN 0 AND 3),
    decided_by     TEXT,                    -- the category that set the label
    categories     TEXT NOT NULL DEFAULT '[]',  -- JSON array, sorted
    scan_id        INTEGER NOT NULL REFERENCES scans(id),
    rules_version  TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    scanned_at     TEXT NOT NULL
) STRICT;
CREATE INDEX documents_parent ON documents(parent_path);
CREATE INDEX documents_real_path ON documents(real_path);
CREATE INDEX documents_scan ON documents(scan_id);

CREATE TABLE findings (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    rule_id      TEXT NOT NULL,
    category     TEXT NOT NULL,
    confidence   REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
    location     TEXT NOT NULL,             -- JSON object, e.g. {"kind":"page","page":3,"line":12}
    location_text TEXT NOT NULL,            -- the same, for people: 'page 3, line 12'
    snippet      TEXT NOT NULL,             -- masked: 'j***@e***.com', '**** **** **** 9855'
    fingerprint  TEXT NOT NULL              -- BLAKE3 keyed with meta.fingerprint_key over rule + value
) STRICT;
CREATE INDEX findings_document ON findings(document_id);
CREATE INDEX findings_fingerprint ON findings(fingerprint);

CREATE TABLE label_history (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL,
    scan_id     INTEGER NOT NULL REFERENCES scans(id),
    old_label   TEXT,                       -- NULL when the document first appeared
    new_label   TEXT NOT NULL,
    old_status  TEXT,
    new_status  TEXT NOT NULL,
    changed_at  TEXT NOT NULL
) STRICT;
CREATE INDEX label_history_path ON label_history(path);

-- What an indexer needs to decide, per document. Rows whose status is not
-- 'ok' must be treated as denied; a document absent from the view was never
-- scanned and must be denied too.
CREATE VIEW gate_documents AS
    SELECT path, label, label_rank, status, error, content_hash, size, mtime_ns, scanned_at
    FROM documents;
