#!/usr/bin/env python3
"""Document-level precision/recall of kbscan, Presidio and detect-secrets on the
labelled corpus in fixtures/eval, plus each tool's throughput. Prints markdown.

Run through run.sh, which builds the venv. Every tool is judged on the same
documents (every truth row except zip containers, which have no text of their
own) and the peers read the same text kbscan reads: the document itself when it
is plain text, else its rendering under fixtures/eval/text/ (docx, xlsx, pdf, eml
and archive members), which the generator writes from the same content.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FAMILIES = ["pii", "secret", "credit", "internal"]
PII_KINDS = ["pii.email", "pii.phone", "pii.national_id", "pii.payment_card", "pii.bank_account",
             "pii.date_of_birth", "pii.postal_address", "pii.passport", "pii.person_name"]

# Presidio entity -> our category. Not mapped: DATE_TIME (any date, not a birth
# date), PERSON/LOCATION/NRP/ORGANIZATION (need a spaCy NER model, which cannot be
# downloaded here), URL, IP/MAC, UUID, CRYPTO, driver and medical licences.
PRESIDIO_MAP = {
    "EMAIL_ADDRESS": "pii.email", "PHONE_NUMBER": "pii.phone", "US_SSN": "pii.national_id",
    "US_ITIN": "pii.national_id", "UK_NINO": "pii.national_id", "UK_NHS": "pii.national_id",
    "CREDIT_CARD": "pii.payment_card", "IBAN_CODE": "pii.bank_account", "US_BANK_NUMBER": "pii.bank_account",
    "US_PASSPORT": "pii.passport", "UK_PASSPORT": "pii.passport", "UK_POSTCODE": "pii.postal_address",
}
PRESIDIO_KINDS = sorted(set(PRESIDIO_MAP.values()))


def load_corpus(root):
    """[(path, truth categories, text)] for every row that has text of its own."""
    items = []
    with open(root / "truth.jsonl") as fh:
        for line in fh:
            row = json.loads(line)
            path = row["path"]
            if row.get("container") and path.endswith(".zip"):
                continue
            cats = set(row.get("own_categories", row["categories"]))
            rendering = root / "text" / (path[len("docs/"):].replace("!/", "/") + ".txt")
            src = rendering if rendering.exists() else root / path
            text = src.read_bytes().decode("utf-8", errors="replace")
            name = Path(path.split("!/")[-1]).name + (".txt" if src == rendering else "")
            items.append((path, cats, text, name))
    return items


def family(cat):
    return cat.split(".", 1)[0]


def scopes_of(cats):
    """Scopes a set of categories counts for: its families and its PII kinds."""
    out = {family(c) for c in cats}
    out |= {c for c in cats if c.startswith("pii.")}
    return out


# ---------------------------------------------------------------- peers

def run_presidio(items, threshold):
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    import spacy
    from spacy.language import Language
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SlimSpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import UkNinoRecognizer, UkPassportRecognizer, UkPostcodeRecognizer

    # Pattern recognizers with in-text context words (shared/research/pii.md section 5, recipe B):
    # a blank English pipeline whose lemmas are the lowercased tokens, so context words work
    # without a downloadable model.
    if "kbscan_lower_lemma" not in Language.factories:
        @Language.component("kbscan_lower_lemma")
        def lower_lemma(doc):
            for t in doc:
                t.lemma_ = t.lower_
            return doc
    nlp = spacy.blank("en")
    nlp.add_pipe("kbscan_lower_lemma")
    nlp.max_length = 10 ** 8
    engine = SlimSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}], auto_download=False)
    engine.nlp = {"en": nlp}
    reg = RecognizerRegistry(supported_languages=["en"])
    reg.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    for rec in (UkNinoRecognizer(), UkPassportRecognizer(), UkPostcodeRecognizer()):  # shipped, off by default
        reg.add_recognizer(rec)
    analyzer = AnalyzerEngine(nlp_engine=engine, registry=reg, supported_languages=["en"])
    analyzer.analyze(text="warm-up jane@example.org", language="en")

    preds = {}
    start = time.perf_counter()
    for path, _, text, _ in items:
        found = set()
        for r in analyzer.analyze(text=text, language="en", score_threshold=threshold):
            cat = PRESIDIO_MAP.get(r.entity_type)
            if cat:
                found.add(cat)
        preds[path] = found
    return preds, time.perf_counter() - start


def run_detect_secrets(items):
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    preds = {}
    with tempfile.TemporaryDirectory() as tmp, default_settings():
        # detect-secrets scans files; give it each text under the document's own
        # file name so its file-type heuristics see what they would in real use.
        files = []
        for i, (path, _, text, name) in enumerate(items):
            f = Path(tmp) / f"{i:05d}" / name
            f.parent.mkdir()
            f.write_text(text)
            files.append((path, str(f)))
        start = time.perf_counter()
        for path, f in files:
            sc = SecretsCollection()
            sc.scan_file(f)
            preds[path] = {"secret"} if any(True for _ in sc) else set()
        elapsed = time.perf_counter() - start
    return preds, elapsed


# ---------------------------------------------------------------- kbscan

def read_export(lines):
    """Predictions, labels and statuses from `kbscan export --format jsonl` output."""
    preds, labels, status = {}, {}, {}
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        path = row["path"].removeprefix("./")
        preds[path] = {c if c.startswith("pii.") else family(c) for c in row.get("categories", [])}
        labels[path] = row.get("label")
        status[path] = row.get("status")
    return preds, labels, status


def run_kbscan(binary, root):
    binary = Path(binary).resolve()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        print(f"error: kbscan binary not found or not executable: {binary}\n"
              "       build it with `cargo build --release` or pass --peers-only", file=sys.stderr)
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp) / "eval.db"
        start = time.perf_counter()
        scan = subprocess.run([str(binary), "scan", "docs", "--catalog", str(catalog), "--quiet"], cwd=root,
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        if scan.returncode not in (0, 1):
            print(f"error: kbscan scan exited {scan.returncode}:\n{scan.stderr}", file=sys.stderr)
            sys.exit(2)
        exp = subprocess.run([str(binary), "export", "--catalog", str(catalog), "--format", "jsonl"], cwd=root,
                             capture_output=True, text=True)
        if exp.returncode != 0:
            print(f"error: kbscan export exited {exp.returncode}:\n{exp.stderr}", file=sys.stderr)
            sys.exit(2)
    preds, labels, status = read_export(exp.stdout.splitlines())
    return preds, elapsed, labels, status


# ---------------------------------------------------------------- scoring

def prf(items, preds, scope):
    tp = fp = fn = 0
    for path, cats, _, _ in items:
        t = scope in scopes_of(cats)
        p = scope in scopes_of(preds.get(path, set()))
        tp += t and p
        fp += p and not t
        fn += t and not p
    prec = tp / (tp + fp) if tp + fp else (1.0 if fn == 0 else 0.0)
    rec = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return prec, rec, f1, tp, fp, fn


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="fixtures/eval", type=Path)
    ap.add_argument("--kbscan", help="path to the kbscan binary")
    ap.add_argument("--kbscan-jsonl", type=Path, help="score an existing `kbscan export --format jsonl` file "
                    "(made from a scan of fixtures/eval/docs run inside fixtures/eval) instead of running kbscan")
    ap.add_argument("--peers-only", action="store_true", help="run Presidio and detect-secrets only")
    ap.add_argument("--no-peers", action="store_true", help="score kbscan only")
    ap.add_argument("--presidio-threshold", type=float, default=0.4)
    ap.add_argument("--json-out", type=Path, help="also write per-tool predictions and scores here")
    ap.add_argument("--errors", type=int, default=0, metavar="N", help="list up to N misses per tool and scope on stderr")
    a = ap.parse_args()
    root = a.corpus.resolve()
    items = load_corpus(root)
    mb = sum(len(t.encode()) for _, _, t, _ in items) / 1e6

    tools = {}  # name -> (preds, seconds, covered scopes)
    if a.kbscan_jsonl:
        preds, labels, status = read_export(a.kbscan_jsonl.read_text().splitlines())
        tools["kbscan"] = (preds, None, set(FAMILIES) | set(PII_KINDS))
    elif not a.peers_only:
        if not a.kbscan:
            print("error: pass --kbscan PATH/TO/kbscan (or --peers-only)", file=sys.stderr)
            sys.exit(2)
        preds, secs, labels, status = run_kbscan(a.kbscan, root)
        tools["kbscan"] = (preds, secs, set(FAMILIES) | set(PII_KINDS))
    if not a.no_peers:
        p, s = run_presidio(items, a.presidio_threshold)
        tools["Presidio"] = (p, s, {"pii"} | set(PRESIDIO_KINDS))
        p, s = run_detect_secrets(items)
        tools["detect-secrets"] = (p, s, {"secret"})

    names = list(tools)
    out = []
    out.append(f"Corpus: {len(items)} documents with text of their own ({mb:.2f} MB of text), "
               f"document-level scores per scope. `—`: the tool does not cover that scope.\n")
    out.append("| scope | docs | " + " | ".join(f"{n} P / R / F1" for n in names) + " |")
    out.append("| --- | ---: | " + " | ".join("---" for _ in names) + " |")
    results = {}
    for scope in FAMILIES + PII_KINDS:
        support = sum(1 for _, c, _, _ in items if scope in scopes_of(c))
        cells = []
        for n in names:
            preds, _, covered = tools[n]
            if scope not in covered:
                cells.append("—")
                continue
            pr, rc, f1, tp, fp, fn = prf(items, preds, scope)
            results.setdefault(n, {})[scope] = {"precision": pr, "recall": rc, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
            cells.append(f"{pr:.2f} / {rc:.2f} / {f1:.2f}")
            if a.errors:
                miss = [(path, "FN") for path, c, _, _ in items if scope in scopes_of(c) and scope not in scopes_of(preds.get(path, set()))]
                miss += [(path, "FP") for path, c, _, _ in items if scope not in scopes_of(c) and scope in scopes_of(preds.get(path, set()))]
                for path, kind in miss[:a.errors]:
                    print(f"{n}\t{scope}\t{kind}\t{path}", file=sys.stderr)
        out.append(f"| {scope} | {support} | " + " | ".join(cells) + " |")
    out.append("")
    out.append("| tool | detection wall time (s) | throughput (MB/s) |")
    out.append("| --- | ---: | ---: |")
    for n in names:
        secs = tools[n][1]
        if secs is None:
            out.append(f"| {n} | (not run) | — |")
        else:
            out.append(f"| {n} | {secs:.2f} | {mb / secs if secs else float('inf'):.2f} |")
    out.append("")
    out.append(f"Presidio {version('presidio-analyzer')}: pattern recognizers only (no NER model), in-text context words on, "
               f"score >= {a.presidio_threshold}; UK NINO/passport/postcode recognizers switched on. "
               f"detect-secrets {version('detect-secrets')}: default plugins and filters. "
               "kbscan's time is the whole `kbscan scan` (walk, extraction of office files, catalog writes) "
               "over `docs/`; the peers' time is detection only, on text already in memory.")
    if "kbscan" in tools:
        out += label_summary(root, labels, status)
    print("\n".join(out))
    if a.json_out:
        a.json_out.write_text(json.dumps({"results": results, "mb": mb, "seconds": {n: tools[n][1] for n in names},
                                          "predictions": {n: {k: sorted(v) for k, v in tools[n][0].items()} for n in names}},
                                         indent=1))


def label_summary(root, labels, status):
    """kbscan's label accuracy and leaks over every truth row, containers included."""
    order = {"public": 0, "internal": 1, "confidential": 2, "restricted": 3}
    rows = [json.loads(line) for line in open(root / "truth.jsonl")]
    exact = leaks = missing = failed = 0
    for r in rows:
        got = labels.get(r["path"])
        if got is None:
            missing += 1
            continue
        failed += status.get(r["path"]) != "ok"
        exact += got == r["label"]
        leaks += order.get(got, -1) < order[r["label"]]
    return ["", f"kbscan labels: {exact}/{len(rows)} exact ({exact / len(rows):.3f}), {leaks} leaks (labelled below "
                f"truth), {failed} not read (status other than ok), {missing} truth rows missing from the export."]


def version(dist):
    try:
        from importlib.metadata import version as v
        return v(dist)
    except Exception:
        return "?"


if __name__ == "__main__":
    main()
