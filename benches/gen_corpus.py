#!/usr/bin/env python3
"""Reproducible benchmark corpora for kbscan (used by benches/throughput.sh).

Every file's bytes depend only on the master seed, the corpus kind and the
file's index, so the same arguments give the same corpus on any machine and
in any degree of parallelism.

The text imitates a knowledge base: helpdesk tickets, wiki pages and CSV
exports, dense in numbers that are *not* sensitive (ticket ids, timestamps,
amounts, versions, order numbers, IP addresses) with about 1 % of lines
holding something sensitive (PII, a credential, a credit assessment, an
internal annotation). Every sensitive value is synthetic and generated at
run time; nothing here is a real person's data or a real key.

Sub-commands:
  text   DIR --bytes N --big N     files of varied sizes plus one big file
  small  DIR --files N             N files of 1-8 KiB
  block  FILE --bytes N --repeat K one block of text written K times (4 GB file)
  pdf    DIR --files N --pages P   PDFs (reportlab)
  xlsx   DIR --files N --rows R    workbooks (openpyxl, write-only)
  bomb   DIR --mib N               a high-ratio zip, a many-member zip, a nested zip
  catalog DB --to N --prefix P     pad a kbscan catalog to N documents
"""

import argparse
import io
import os
import random
import sqlite3
import string
import sys
import zipfile
from multiprocessing import Pool

SEED = 20261124

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra Steven "
    "Ashley Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa Lukas Anna "
    "Jonas Lea Felix Marie Paul Sophie Hugo Chloe Louis Emma Luca Giulia Mateo Lucia Aisha Omar Priya Ravi"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson "
    "Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Dubois Moreau Laurent Rossi Russo Patel"
).split()
DOMAINS = (
    "contoso-mail.com fabrikam.de northwind-traders.co.uk tailspin-toys.fr wideworldimporters.com "
    "adatum.net proseware.io litware.org fourthcoffee.com margiestravel.eu"
).split()
STREETS = "Maple Oak Pine Cedar Elm Washington Lake Hill Park Main Sunset Ridge Highland Church Mill".split()
STREET_KINDS = "Street Avenue Road Lane Drive Court Boulevard".split()
CITIES = [("Springfield", "IL"), ("Madison", "WI"), ("Portland", "OR"), ("Austin", "TX"),
          ("Columbus", "OH"), ("Raleigh", "NC"), ("Denver", "CO"), ("Tucson", "AZ")]
PRODUCTS = (
    "VPN client, Outlook, SharePoint, Teams, the billing portal, the CRM, SAP GUI, the HR self-service portal, "
    "Jira, Confluence, the payroll export, the mobile app, the warehouse scanner, the print server, Citrix, "
    "the SSO login page, the customer portal, the ERP connector, the reporting dashboard, Azure AD"
).split(", ")
VERBS = (
    "fails to start after the update, times out when loading large reports, shows a blank page on login, "
    "keeps asking for credentials, crashes when exporting to PDF, syncs only partially, is slow since Monday, "
    "rejects the certificate, loses the session after ten minutes, cannot reach the license server, "
    "returns an internal server error on save, duplicates entries in the nightly export"
).split(", ")
WORDS = (
    "the a to of and in for is on that with this be it as at by from or an are was we please can will "
    "user customer ticket issue update server client account access request team report system error "
    "configuration network password reset policy document page version release change incident problem "
    "service desk knowledge article solution workaround steps restart cache browser settings profile "
    "mailbox license group permission folder share backup restore migration deployment environment "
    "production staging test monitoring alert threshold escalation priority resolved pending waiting "
    "approval manager department finance invoice order payment shipment warehouse supplier contract "
    "quarter budget forecast meeting agenda notes action owner deadline review feedback training "
    "onboarding offboarding laptop monitor printer phone headset docking station keyboard driver firmware"
).split()
ROLE_MAILS = ["support", "helpdesk", "noreply", "info", "it-service", "billing", "servicedesk"]
HEADINGS = ["Overview", "Symptoms", "Cause", "Resolution", "Workaround", "Related articles",
            "Prerequisites", "Steps", "Known issues", "Change log", "FAQ", "Contacts"]


class Gen:
    """Text generator for one file; all randomness from one seeded RNG."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    # -- non-sensitive content, dense in numbers --------------------------
    def sentence(self):
        r = self.r
        n = r.randint(6, 18)
        words = r.choices(WORDS, k=n)
        kind = r.random()
        if kind < 0.25:
            s = f"{r.choice(PRODUCTS)} {r.choice(VERBS)}"
            return s[0].upper() + s[1:] + "."
        if kind < 0.45:
            words.insert(r.randrange(len(words)), self.number_token())
        s = " ".join(words)
        return s[0].upper() + s[1:] + r.choice([".", ".", ".", "?", "!", ":"])

    def number_token(self):
        r = self.r
        k = r.randrange(12)
        if k == 0:
            return f"INC{r.randint(0, 9999999):07d}"
        if k == 1:
            return f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}"
        if k == 2:
            return f"v{r.randint(1, 12)}.{r.randint(0, 30)}.{r.randint(0, 99)}"
        if k == 3:
            return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        if k == 4:
            return f"EUR {r.randint(1, 99999):,}.{r.randint(0, 99):02d}"
        if k == 5:
            return f"KB{r.randint(100000, 999999)}"
        if k == 6:
            return f"PO-{r.randint(2019, 2026)}-{r.randint(1, 99999):05d}"
        if k == 7:
            return f"port {r.choice([22, 80, 443, 1433, 3306, 5432, 8080, 8443])}"
        if k == 8:
            return f"{r.randint(1, 500)} GB"
        if k == 9:
            return f"build {r.randint(1000, 99999)}"
        if k == 10:
            return f"{r.randint(1, 31):02d}.{r.randint(1, 12):02d}.{r.randint(2019, 2026)}"
        return f"ext. {r.randint(1000, 9999)}"

    def benign_tricky(self):
        """Lines that look sensitive but are not (role mailboxes, placeholders,
        accounting credit notes, 'internal server error')."""
        r = self.r
        return r.choice([
            f"Contact {r.choice(ROLE_MAILS)}@{r.choice(DOMAINS)} for access requests.",
            f"Example: set the sender to user{r.randint(1, 99)}@example.com in the test profile.",
            f"Credit note CN-{r.randint(2020, 2026)}-{r.randint(1, 9999):04d} was issued for invoice {r.randint(100000, 999999)}.",
            "We accept credit cards, bank transfer and PayPal on the customer portal.",
            f"The API returned 500 Internal Server Error for request {r.randint(10**7, 10**8 - 1)}.",
            f"Order {r.randint(1000, 9999)} {r.randint(1000, 9999)} {r.randint(1000, 9999)} shipped on {self.number_token()}.",
            f"Call the service desk on extension {r.randint(1000, 9999)} outside business hours.",
        ])

    # -- sensitive content (synthetic) -----------------------------------
    def name(self):
        return f"{self.r.choice(FIRST)} {self.r.choice(LAST)}"

    def email(self):
        r = self.r
        return f"{r.choice(FIRST).lower()}.{r.choice(LAST).lower()}{r.choice(['', str(r.randint(1, 99))])}@{r.choice(DOMAINS)}"

    def phone(self):
        r = self.r
        if r.random() < 0.5:
            return f"({r.randint(201, 989)}) {r.randint(201, 989)}-{r.randint(0, 9999):04d}"
        return f"+49 {r.choice([30, 40, 69, 89, 221])} {r.randint(1000000, 99999999)}"

    def ssn(self):
        r = self.r
        area = r.choice([r.randint(1, 665), r.randint(667, 899)])
        return f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"

    def card(self):
        r = self.r
        digits = [4] + [r.randint(0, 9) for _ in range(14)]
        total = 0
        for i, d in enumerate(reversed(digits)):
            if i % 2 == 0:
                d *= 2
                if d > 9:
                    d -= 9
            total += d
        digits.append((10 - total % 10) % 10)
        s = "".join(map(str, digits))
        return " ".join(s[i:i + 4] for i in range(0, 16, 4))

    def iban(self):
        r = self.r
        bban = "".join(str(r.randint(0, 9)) for _ in range(18))
        num = int(bban + "131400")  # D=13 E=14, check digits 00
        check = 98 - num % 97
        s = f"DE{check:02d}{bban}"
        return " ".join(s[i:i + 4] for i in range(0, len(s), 4))

    def token(self, alphabet, n):
        return "".join(self.r.choices(alphabet, k=n))

    def sensitive(self):
        r = self.r
        k = r.randrange(16)
        if k == 0:
            return f"Customer email: {self.email()}"
        if k == 1:
            return f"Please call {self.name()} back on {self.phone()} regarding the refund."
        if k == 2:
            return f"SSN: {self.ssn()} (verified by phone)"
        if k == 3:
            return f"Card on file: {self.card()}, exp {r.randint(1, 12):02d}/{r.randint(27, 31)}"
        if k == 4:
            return f"Refund to IBAN {self.iban()}, account holder {self.name()}"
        if k == 5:
            return f"Date of birth: {r.randint(1940, 2004)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        if k == 6:
            city, state = r.choice(CITIES)
            return f"Ship to {r.randint(10, 9999)} {r.choice(STREETS)} {r.choice(STREET_KINDS)}, {city}, {state} {r.randint(10000, 99999)}"
        if k == 7:
            return f"aws_access_key_id = AKIA{self.token(string.ascii_uppercase + '234567', 16)}"
        if k == 8:
            return f"aws_secret_access_key = {self.token(string.ascii_letters + string.digits + '/+', 40)}"
        if k == 9:
            return f"export GITHUB_TOKEN=ghp_{self.token(string.ascii_letters + string.digits, 36)}"
        if k == 10:
            return f"db.password: {self.token(string.ascii_letters + string.digits + '!#%', 14)}"
        if k == 11:
            pw = self.token(string.ascii_letters + string.digits, 12)
            return f"DATABASE_URL=postgres://svc_crm:{pw}@db-prod-{r.randint(1, 9)}.corp.local:5432/crm"
        if k == 12:
            return (f"Credit check for {self.name()}: score {r.randint(420, 620)}, high risk of default, "
                    f"credit limit reduced to EUR {r.randint(2, 50) * 100}.")
        if k == 13:
            return f"Customer is {r.choice([30, 60, 90, 120])} days delinquent; account handed over to collections."
        if k == 14:
            return "Internal note (not visible to the customer): he is rude on the phone, do not offer goodwill credit."
        return "CONFIDENTIAL - internal only. Do not share this workaround with the customer."

    def inject(self, lines, csv=False):
        """Replaces ~1 % of lines with sensitive ones and ~2 % with lines that
        only look sensitive, in place."""
        r = self.r
        n = len(lines)
        for i in r.sample(range(n), k=min(n, int(n * 0.01 + r.random()))):
            s = self.sensitive()
            lines[i] = self.csv_row(s) if csv else s
        for i in r.sample(range(n), k=min(n, int(n * 0.02 + r.random()))):
            s = self.benign_tricky()
            lines[i] = self.csv_row(s) if csv else s

    # -- pools: prose is drawn from pools built once from the master seed, so
    # generating a gigabyte takes seconds, not minutes; headers, sensitive and
    # look-alike lines are fresh in every file.
    def prose_block(self):
        r = self.r
        if r.random() < 0.08:
            return f"\n--- Reply {self.number_token()} ---"
        return " ".join(self.sentence() for _ in range(r.choice((1, 1, 2, 3))))

    def wiki_block(self):
        r = self.r
        k = r.random()
        if k < 0.08:
            return f"\n## {r.choice(HEADINGS)}\n"
        if k < 0.15:
            return "\n".join(f"- {self.sentence()}" for _ in range(r.randint(2, 6)))
        if k < 0.18:
            return (f"```\nserver = srv-{r.randint(1, 99):02d}.corp.local\ntimeout = {r.randint(5, 120)}\n"
                    f"retries = {r.randint(1, 9)}\n```")
        if k < 0.22:
            rows = [f"| {r.choice(WORDS)} | {self.number_token()} | {self.number_token()} |"
                    for _ in range(r.randint(2, 8))]
            return "| Setting | Value | Since |\n|---|---|---|\n" + "\n".join(rows)
        return self.prose_block()

    def csv_row(self, notes=None):
        r = self.r
        notes = self.sentence() if notes is None else notes
        return (f"{r.randint(1, 10**7)},{self.number_token()},C{r.randint(10**5, 10**6 - 1)},"
                f"\"{r.choice(PRODUCTS)}\",{r.randint(1, 9999)}.{r.randint(0, 99):02d},EUR,"
                f"{r.choice(['open', 'closed', 'pending'])},{r.choice(FIRST).lower()},\"{notes.replace(chr(34), '')}\"")

    def body(self, pool, size, avg):
        lines = self.r.choices(pool, k=max(1, size // avg))
        self.inject(lines, csv=pool is POOLS["csv"][0])
        return lines

    # -- documents --------------------------------------------------------
    def document(self, kind, size):
        r = self.r
        pool, avg = POOLS[kind]
        if kind == "txt":
            head = [
                f"Ticket INC{r.randint(0, 9999999):07d} - {r.choice(PRODUCTS)} {r.choice(VERBS)}",
                f"Opened: {self.number_token()}  Priority: P{r.randint(1, 4)}  "
                f"Queue: {r.choice(['Service Desk', 'Network', 'Apps', 'Billing'])}",
                f"Reporter: {r.choice(ROLE_MAILS)}@{r.choice(DOMAINS)}",
                "",
            ]
        elif kind == "md":
            head = [f"# {r.choice(PRODUCTS).title()}: {r.choice(HEADINGS)}", ""]
        else:
            head = ["id,created,customer_ref,product,amount,currency,status,agent,notes"]
        return ("\n".join(head + self.body(pool, size, avg)) + "\n").encode()


def build_pool(make, n):
    lines = [make() for _ in range(n)]
    return lines, max(1, sum(len(x) + 1 for x in lines) // n)


POOLS = {}


def init_pools():
    """Builds the prose pools once, before worker processes fork (they
    inherit them)."""
    if not POOLS:
        g = Gen(SEED - 1)
        POOLS["txt"] = build_pool(g.prose_block, 8000)
        POOLS["md"] = build_pool(g.wiki_block, 8000)
        POOLS["csv"] = build_pool(g.csv_row, 8000)


def file_seed(corpus, index):
    return (SEED * 1_000_003 + hash_str(corpus)) * 10_000_019 + index


def hash_str(s):
    h = 0
    for c in s.encode():
        h = (h * 131 + c) % 1_000_000_007
    return h


def write_one(task):
    path, corpus, index, kind, size = task
    data = Gen(file_seed(corpus, index)).document(kind, size)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def run_tasks(tasks):
    init_pools()
    with Pool(min(2, os.cpu_count() or 1)) as pool:
        return sum(pool.imap_unordered(write_one, tasks, chunksize=64))


def cmd_text(a):
    r = random.Random(SEED)
    tasks, total, i = [], 0, 0
    while total < a.bytes:
        size = int(min(max(r.lognormvariate(9.7, 1.3), 512), 8 << 20))  # median ~16 KiB
        kind = r.choice(["txt", "txt", "md", "md", "csv"])
        path = os.path.join(a.dir, f"dept-{i % 16:02d}", f"space-{(i // 16) % 32:02d}", f"doc-{i:06d}.{kind}")
        tasks.append((path, "text", i, kind, size))
        total += size
        i += 1
    if a.big:
        tasks.append((os.path.join(a.dir, "exports", "helpdesk-export.txt"), "text-big", 0, "txt", a.big))
    n = run_tasks(tasks)
    print(f"text: {len(tasks)} files, {n} bytes")


def cmd_small(a):
    r = random.Random(SEED + 1)
    tasks = []
    for i in range(a.files):
        kind = r.choice(["txt", "txt", "md", "md", "csv"])
        path = os.path.join(a.dir, f"d{i // 10000:02d}", f"s{(i // 500) % 20:02d}", f"f{i:06d}.{kind}")
        tasks.append((path, "small", i, kind, r.randint(1024, 8192 - 200)))
    n = run_tasks(tasks)
    print(f"small: {len(tasks)} files, {n} bytes")


def cmd_block(a):
    init_pools()
    block = Gen(file_seed("block", 0)).document("txt", a.bytes)
    os.makedirs(os.path.dirname(a.file) or ".", exist_ok=True)
    with open(a.file, "wb") as f:
        for _ in range(a.repeat):
            f.write(block)
    print(f"block: {len(block) * a.repeat} bytes")


def cmd_pdf(a):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    os.makedirs(a.dir, exist_ok=True)
    init_pools()
    for i in range(a.files):
        g = Gen(file_seed("pdf", i))
        c = canvas.Canvas(os.path.join(a.dir, f"report-{i:04d}.pdf"), pagesize=A4, invariant=1)
        for _ in range(a.pages):
            t = c.beginText(40, 800)
            t.setFont("Helvetica", 9)
            lines = "\n".join(g.body(POOLS["txt"][0], 60 * POOLS["txt"][1], POOLS["txt"][1])).split("\n")
            for line in lines[:60]:
                t.textLine(line[:110])
            c.drawText(t)
            c.showPage()
        c.save()
    print(f"pdf: {a.files} files, {a.files * a.pages} pages")


def write_workbook(task):
    from openpyxl import Workbook

    path, index, rows = task
    g = Gen(file_seed("xlsx", index))
    r = g.r
    wb = Workbook(write_only=True)
    for s in range(2):
        ws = wb.create_sheet(f"Export{s + 1}")
        ws.append(["id", "created", "customer_ref", "product", "amount", "status", "agent", "notes"])
        for _ in range(rows):
            notes = g.sensitive() if r.random() < 0.01 else r.choice(POOLS["txt"][0])
            ws.append([r.randint(1, 10**7), g.number_token(), f"C{r.randint(10**5, 10**6 - 1)}",
                       r.choice(PRODUCTS), r.randint(1, 999999) / 100, r.choice(["open", "closed"]),
                       r.choice(FIRST), notes])
    wb.save(path)
    return 1


def cmd_xlsx(a):
    os.makedirs(a.dir, exist_ok=True)
    init_pools()
    tasks = [(os.path.join(a.dir, f"export-{i:04d}.xlsx"), i, a.rows) for i in range(a.files)]
    with Pool(min(2, os.cpu_count() or 1)) as pool:
        n = sum(pool.imap_unordered(write_workbook, tasks))
    print(f"xlsx: {n} files, {a.files * 2 * (a.rows + 1) * 8} cells")


def cmd_bomb(a):
    os.makedirs(a.dir, exist_ok=True)
    # One member that inflates ~1000:1 to `--mib` MiB (compression ratio budget).
    chunk = b"\0" * (1 << 20)
    with zipfile.ZipFile(os.path.join(a.dir, "ratio-bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("zeros.txt", "w", force_zip64=True) as m:
            for _ in range(a.mib):
                m.write(chunk)
    # Many small members that together exceed the expanded-bytes budget.
    member = b"A" * (900 << 10)
    with zipfile.ZipFile(os.path.join(a.dir, "many-members.zip"), "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(2000):
            z.writestr(f"part-{i:04d}.txt", member)
    # Nested: a zip of zips of the many-members bomb (depth and total budget).
    buf = io.BytesIO()
    with open(os.path.join(a.dir, "many-members.zip"), "rb") as f:
        inner = f.read()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i in range(8):
            z.writestr(f"inner-{i}.zip", inner)
    with open(os.path.join(a.dir, "nested.zip"), "wb") as f:
        f.write(buf.getvalue())
    print("bomb: 3 files")


def cmd_catalog(a):
    """Pads a catalog made by a real scan with synthetic documents, so the
    gate can be measured against N rows. Copies every column of an existing
    row and gives each copy a new path (the schema may grow: columns are read
    from the table, not hard-coded)."""
    db = sqlite3.connect(a.db)
    (have,) = db.execute("SELECT count(*) FROM documents").fetchone()
    if have >= a.to:
        print(f"catalog: {have} documents")
        return
    cols = [row[1] for row in db.execute("PRAGMA table_info(documents)") if row[1] not in ("id", "path", "real_path")]
    col_list = ", ".join(cols)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    db.execute(
        f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO documents (path, real_path, {col_list})
            SELECT ? || '/d' || (i % 1000) || '/doc-' || i || '.md',
                   ? || '/d' || (i % 1000) || '/doc-' || i || '.md', {col_list}
            FROM n, (SELECT {col_list} FROM documents WHERE status = 'ok' LIMIT 1)""",
        (a.to - have, a.prefix, os.path.abspath(a.prefix)),
    )
    db.commit()
    (have,) = db.execute("SELECT count(*) FROM documents").fetchone()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(f"catalog: {have} documents")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("text"); s.add_argument("dir"); s.add_argument("--bytes", type=int, required=True)
    s.add_argument("--big", type=int, default=0); s.set_defaults(f=cmd_text)
    s = sub.add_parser("small"); s.add_argument("dir"); s.add_argument("--files", type=int, required=True)
    s.set_defaults(f=cmd_small)
    s = sub.add_parser("block"); s.add_argument("file"); s.add_argument("--bytes", type=int, required=True)
    s.add_argument("--repeat", type=int, required=True); s.set_defaults(f=cmd_block)
    s = sub.add_parser("pdf"); s.add_argument("dir"); s.add_argument("--files", type=int, required=True)
    s.add_argument("--pages", type=int, required=True); s.set_defaults(f=cmd_pdf)
    s = sub.add_parser("xlsx"); s.add_argument("dir"); s.add_argument("--files", type=int, required=True)
    s.add_argument("--rows", type=int, required=True); s.set_defaults(f=cmd_xlsx)
    s = sub.add_parser("bomb"); s.add_argument("dir"); s.add_argument("--mib", type=int, default=2048)
    s.set_defaults(f=cmd_bomb)
    s = sub.add_parser("catalog"); s.add_argument("db"); s.add_argument("--to", type=int, required=True)
    s.add_argument("--prefix", required=True); s.set_defaults(f=cmd_catalog)
    a = p.parse_args()
    a.f(a)


if __name__ == "__main__":
    sys.exit(main())
