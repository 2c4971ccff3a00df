-- Schema version 2: the catalog over time.
-- Incremental scans remember when each document was last seen; people's
-- review decisions and label overrides survive re-scans.

-- The last scan that walked this document (unchanged files are not
-- rewritten, only marked seen), so files gone from disk can be found.
ALTER TABLE documents ADD COLUMN seen_scan INTEGER;
UPDATE documents SET seen_scan = scan_id;

-- Findings a person rejected (false positive) or accepted, by keyed
-- fingerprint: the same value elsewhere, or another value on the same line,
-- has another fingerprint and is not affected.
CREATE TABLE decisions (
    fingerprint TEXT PRIMARY KEY,
    decision    TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
    path        TEXT NOT NULL,              -- where the finding was when decided
    rule_id     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL
) STRICT;

-- A person's label for a document. Raises the computed label; lowers it
-- only when allow_downgrade was given (automation never silently overrides
-- a person, and a person never silently hides a finding).
CREATE TABLE label_overrides (
    path            TEXT PRIMARY KEY,
    label           TEXT NOT NULL CHECK (label IN ('public', 'internal', 'confidential', 'restricted')),
    allow_downgrade INTEGER NOT NULL DEFAULT 0 CHECK (allow_downgrade IN (0, 1)),
    reason          TEXT NOT NULL,
    set_by          TEXT NOT NULL,
    set_at          TEXT NOT NULL
) STRICT;

ALTER TABLE findings ADD COLUMN decision TEXT CHECK (decision IN ('accept', 'reject'));
ALTER TABLE label_history ADD COLUMN reason TEXT;
ALTER TABLE scans ADD COLUMN new_files INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN changed_files INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN unchanged_files INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN deleted_files INTEGER NOT NULL DEFAULT 0;

DROP VIEW gate_documents;
-- What an indexer needs to decide, per document. Only status 'ok' may be
-- allowed; a document absent from the view was never scanned: deny it too.
-- `allowed_for_<audience>` is not here on purpose: audiences live in the
-- policy file, so compare label_rank with the audience's rank.
CREATE VIEW gate_documents AS
    SELECT path, real_path, label, label_rank, status, error, content_hash, size, mtime_ns, scanned_at
    FROM documents;
