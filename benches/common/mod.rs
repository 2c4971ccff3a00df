//! Deterministic knowledge-base text for the criterion benches.
//!
//! The same shapes as `benches/gen_corpus.py` (tickets, wiki prose, CSV
//! rows), dense in numbers that are not sensitive (ticket ids, timestamps,
//! amounts, versions), with a chosen share of lines holding something
//! sensitive from one family. Every sensitive value is synthetic and made at
//! run time from a fixed seed: nothing here is real data or a real key.

use criterion::Criterion;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "the", "a", "to", "of", "and", "in", "for", "is", "on", "that", "with", "this", "be", "it", "as",
    "at", "by", "from", "or", "we", "please", "can", "will", "user", "ticket", "issue", "update",
    "server", "client", "access", "request", "team", "report", "system", "error", "configuration",
    "network", "reset", "policy", "document", "page", "version", "release", "change", "incident",
    "problem", "service", "desk", "knowledge", "article", "solution", "workaround", "steps",
    "restart", "cache", "browser", "settings", "profile", "mailbox", "license", "group",
    "permission", "folder", "share", "backup", "restore", "migration", "deployment", "production",
    "staging", "monitoring", "alert", "escalation", "priority", "resolved", "pending", "approval",
    "manager", "department", "finance", "invoice", "order", "payment", "shipment", "warehouse",
    "supplier", "contract", "quarter", "budget", "meeting", "agenda", "owner", "deadline",
    "review", "training", "onboarding", "laptop", "monitor", "printer", "headset", "driver",
];
#[rustfmt::skip]
const PRODUCTS: &[&str] = &[
    "VPN client", "Outlook", "SharePoint", "Teams", "the billing portal", "the CRM", "SAP GUI",
    "Jira", "Confluence", "the payroll export", "the mobile app", "Citrix", "the SSO login page",
];
#[rustfmt::skip]
const FIRST: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "Linda", "David", "Susan", "Lukas", "Anna", "Jonas",
    "Sophie", "Hugo", "Chloe", "Luca", "Giulia", "Mateo", "Aisha", "Omar", "Priya", "Ravi",
];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "Smith", "Johnson", "Garcia", "Miller", "Davis", "Martinez", "Wilson", "Anderson", "Taylor",
    "Moore", "Mueller", "Schmidt", "Fischer", "Dubois", "Moreau", "Rossi", "Patel", "Nguyen",
];
const DOMAINS: &[&str] = &[
    "contoso-mail.com",
    "fabrikam.de",
    "northwind-traders.co.uk",
    "tailspin-toys.fr",
    "adatum.net",
];
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Which sensitive lines to mix in.
#[derive(Clone, Copy, Debug)]
pub enum Family {
    /// No sensitive lines at all (only look-alikes such as role mailboxes).
    Clean,
    Pii,
    Secret,
    /// Credit assessments and internal annotations.
    CreditInternal,
    /// All of the above in equal parts.
    Mixed,
}

/// A seeded generator of knowledge-base lines.
pub struct Gen {
    rng: StdRng,
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs.choose(&mut self.rng).copied().unwrap_or("")
    }

    fn n(&mut self, lo: u64, hi: u64) -> u64 {
        self.rng.random_range(lo..=hi)
    }

    fn token(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| ALNUM[self.rng.random_range(0..ALNUM.len())] as char)
            .collect()
    }

    fn number_token(&mut self) -> String {
        match self.n(0, 7) {
            0 => format!("INC{:07}", self.n(0, 9_999_999)),
            1 => format!(
                "2024-{:02}-{:02} {:02}:{:02}",
                self.n(1, 12),
                self.n(1, 28),
                self.n(0, 23),
                self.n(0, 59)
            ),
            2 => format!("v{}.{}.{}", self.n(1, 12), self.n(0, 30), self.n(0, 99)),
            3 => format!(
                "10.{}.{}.{}",
                self.n(0, 255),
                self.n(0, 255),
                self.n(1, 254)
            ),
            4 => format!("EUR {}.{:02}", self.n(1, 99_999), self.n(0, 99)),
            5 => format!("PO-{}-{:05}", self.n(2019, 2026), self.n(1, 99_999)),
            6 => format!(
                "{:02}.{:02}.{}",
                self.n(1, 28),
                self.n(1, 12),
                self.n(2019, 2026)
            ),
            _ => format!("build {}", self.n(1000, 99_999)),
        }
    }

    fn sentence(&mut self) -> String {
        let mut s = String::new();
        if self.rng.random_bool(0.25) {
            s.push_str(self.pick(PRODUCTS));
            s.push_str(" times out when loading large reports.");
            return s;
        }
        let k = self.n(6, 16);
        let at = self.n(0, k);
        for i in 0..k {
            if i > 0 {
                s.push(' ');
            }
            if i == at && self.rng.random_bool(0.45) {
                s.push_str(&self.number_token());
            } else {
                s.push_str(self.pick(WORDS));
            }
        }
        s.push('.');
        s
    }

    /// Lines that only look sensitive.
    fn look_alike(&mut self) -> String {
        match self.n(0, 4) {
            0 => format!("Contact support@{} for access requests.", self.pick(DOMAINS)),
            1 => format!("Set the sender to user{}@example.com in the test profile.", self.n(1, 99)),
            2 => format!("Credit note CN-{}-{:04} was issued for invoice {}.", self.n(2020, 2026), self.n(1, 9999), self.n(100_000, 999_999)),
            3 => "We accept credit cards and bank transfer. The API returned 500 Internal Server Error.".into(),
            _ => format!("Order {} {} {} shipped.", self.n(1000, 9999), self.n(1000, 9999), self.n(1000, 9999)),
        }
    }

    fn name(&mut self) -> String {
        format!("{} {}", self.pick(FIRST), self.pick(LAST))
    }

    /// A 16-digit number that passes Luhn, grouped by four.
    fn card(&mut self) -> String {
        let mut d: Vec<u32> = std::iter::once(4)
            .chain((0..14).map(|_| self.n(0, 9) as u32))
            .collect();
        let sum: u32 = d
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &x)| {
                if i % 2 == 0 {
                    if x * 2 > 9 {
                        x * 2 - 9
                    } else {
                        x * 2
                    }
                } else {
                    x
                }
            })
            .sum();
        d.push((10 - sum % 10) % 10);
        let s: String = d
            .iter()
            .map(|x| char::from_digit(*x, 10).unwrap_or('0'))
            .collect();
        format!("{} {} {} {}", &s[0..4], &s[4..8], &s[8..12], &s[12..16])
    }

    fn pii(&mut self) -> String {
        match self.n(0, 6) {
            0 => format!(
                "Customer email: {}.{}@{}",
                self.pick(FIRST).to_lowercase(),
                self.pick(LAST).to_lowercase(),
                self.pick(DOMAINS)
            ),
            1 => format!(
                "Please call {} back on ({}) {}-{:04}.",
                self.name(),
                self.n(201, 989),
                self.n(201, 989),
                self.n(0, 9999)
            ),
            2 => format!(
                "SSN: {:03}-{:02}-{:04} (verified by phone)",
                self.n(1, 665),
                self.n(1, 99),
                self.n(1, 9999)
            ),
            3 => format!(
                "Card on file: {}, exp {:02}/{}",
                self.card(),
                self.n(1, 12),
                self.n(27, 31)
            ),
            4 => format!(
                "Date of birth: {}-{:02}-{:02}",
                self.n(1940, 2004),
                self.n(1, 12),
                self.n(1, 28)
            ),
            5 => format!(
                "Ship to {} Maple Street, Springfield, IL {}",
                self.n(10, 9999),
                self.n(10_000, 99_999)
            ),
            _ => format!("Passport number: X{}", self.n(10_000_000, 99_999_999)),
        }
    }

    fn secret(&mut self) -> String {
        match self.n(0, 4) {
            0 => format!("aws_access_key_id = AKIA{}", self.token(16).to_uppercase()),
            1 => format!("export GITHUB_TOKEN=ghp_{}", self.token(36)),
            2 => format!("db.password: {}#{}", self.token(10), self.n(10, 99)),
            3 => format!(
                "DATABASE_URL=postgres://svc_crm:{}@db-prod-{}.corp.local:5432/crm",
                self.token(12),
                self.n(1, 9)
            ),
            _ => format!(
                "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
                self.token(64)
            ),
        }
    }

    fn credit_internal(&mut self) -> String {
        match self.n(0, 3) {
            0 => format!("Credit check for {}: score {}, high risk of default, limit reduced.", self.name(), self.n(420, 620)),
            1 => format!("Customer is {} days delinquent; account handed over to collections.", self.n(1, 4) * 30),
            2 => "Internal note (not visible to the customer): rude on the phone, no goodwill credit.".into(),
            _ => "CONFIDENTIAL - internal only. Do not share this workaround with the customer.".into(),
        }
    }

    fn sensitive(&mut self, family: Family) -> String {
        match family {
            Family::Clean => self.look_alike(),
            Family::Pii => self.pii(),
            Family::Secret => self.secret(),
            Family::CreditInternal => self.credit_internal(),
            Family::Mixed => match self.n(0, 2) {
                0 => self.pii(),
                1 => self.secret(),
                _ => self.credit_internal(),
            },
        }
    }

    /// About `bytes` of ticket/wiki prose; `share` of the lines hold
    /// something from `family`, 2 % are look-alikes.
    pub fn text(&mut self, bytes: usize, family: Family, share: f64) -> String {
        let mut out = String::with_capacity(bytes + 256);
        while out.len() < bytes {
            let x: f64 = self.rng.random();
            let line = if x < share {
                self.sensitive(family)
            } else if x < share + 0.02 {
                self.look_alike()
            } else if x < share + 0.06 {
                format!("\n## {}\n", self.pick(PRODUCTS))
            } else {
                self.sentence()
            };
            out.push_str(&line);
            out.push('\n');
        }
        out
    }

    /// One CSV/XLSX row of an export: `id, created, customer, product,
    /// amount, status, agent, notes`.
    pub fn row(&mut self, family: Family, share: f64) -> [String; 8] {
        let notes = if self.rng.random_bool(share) {
            self.sensitive(family)
        } else {
            self.sentence()
        };
        [
            self.n(1, 10_000_000).to_string(),
            self.number_token(),
            format!("C{}", self.n(100_000, 999_999)),
            self.pick(PRODUCTS).to_string(),
            format!("{}.{:02}", self.n(1, 9999), self.n(0, 99)),
            self.pick(&["open", "closed", "pending"]).to_string(),
            self.pick(FIRST).to_string(),
            notes.replace('\n', " "),
        ]
    }
}

/// The CSV header matching [`Gen::row`].
pub const HEADER: [&str; 8] = [
    "id",
    "created",
    "customer_ref",
    "product",
    "amount",
    "status",
    "agent",
    "notes",
];

/// Criterion settings for the bench machine, which is small and shared:
/// short, steady runs of `samples` samples.
pub fn criterion(samples: usize) -> Criterion {
    Criterion::default()
        .sample_size(samples)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
}
