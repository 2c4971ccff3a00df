//! Rules as data: the TOML rule format, loading (embedded or `--rules DIR`),
//! validation and compilation into what the engine runs.
//!
//! A rule file holds `[[rule]]` tables; `docs/rules.md` documents every field
//! and the confidence model. Everything that can be wrong with a rule (bad
//! regex, unknown validator, duplicate id, a phrase its anchors cannot find)
//! is reported here, at load time, with the rule id and file name; the engine
//! never sees a broken rule.

use super::literals::is_word;
use super::mask::Mask;
use super::validators::Validator;
use anyhow::{bail, ensure, Context, Result};
use include_dir::{include_dir, Dir};
use regex::bytes::{RegexSet, RegexSetBuilder};
use regex_automata::meta;
use regex_automata::util::{primitives::PatternID, syntax};
use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// The built-in rule packs, embedded at build time.
static BUILTIN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rules");

/// The policy lives next to the rules but is not a rule file.
const POLICY_FILE: &str = "policy.toml";

/// A parsed and validated set of rules, with a version that changes whenever
/// any rule text changes.
pub struct RuleSet {
    pub(crate) rules: Vec<Rule>,
    version: String,
}

impl RuleSet {
    /// The rule packs compiled into the binary (`rules/*.toml` minus the
    /// policy).
    pub fn builtin() -> Result<RuleSet> {
        let mut sources = Vec::new();
        for file in BUILTIN.files() {
            let name = file.path().to_string_lossy().into_owned();
            if !is_rule_file(file.path()) {
                continue;
            }
            let text = file
                .contents_utf8()
                .with_context(|| format!("built-in rule file {name} is not UTF-8"))?;
            sources.push((name, text.to_string()));
        }
        RuleSet::from_sources(sources).context("Failed to load the built-in rules")
    }

    /// Every `*.toml` in `dir` except `policy.toml` (for `--rules DIR`).
    pub fn from_dir(dir: &Path) -> Result<RuleSet> {
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("Failed to read rules directory {}", dir.display()))?;
        let mut sources = Vec::new();
        for entry in entries {
            let path = entry
                .with_context(|| format!("Failed to read rules directory {}", dir.display()))?
                .path();
            if !path.is_file() || !is_rule_file(&path) {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("Failed to read rule file {}", path.display()))?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            sources.push((name, text));
        }
        ensure!(
            !sources.is_empty(),
            "no rule files (*.toml) in {}",
            dir.display()
        );
        RuleSet::from_sources(sources)
            .with_context(|| format!("Failed to load rules from {}", dir.display()))
    }

    /// Parses rule files given as `(file name, TOML text)`.
    pub fn from_sources(mut sources: Vec<(String, String)>) -> Result<RuleSet> {
        sources.sort();
        let mut hasher = blake3::Hasher::new();
        let mut rules = Vec::new();
        for (name, text) in &sources {
            hasher.update(name.as_bytes());
            hasher.update(&[0]);
            hasher.update(text.as_bytes());
            hasher.update(&[0]);
            let file: RuleFile =
                toml::from_str(text).with_context(|| format!("{name}: invalid rule file"))?;
            for spec in file.rule {
                let id = spec.id.clone();
                rules.push(Rule::compile(spec).with_context(|| format!("{name}: rule {id:?}"))?);
            }
        }
        let mut seen = HashSet::new();
        for r in &rules {
            ensure!(seen.insert(r.id.as_str()), "duplicate rule id {:?}", r.id);
        }
        let version = hasher.finalize().to_hex()[..16].to_string();
        Ok(RuleSet { rules, version })
    }

    /// The rules, in file-name then file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// A stable 16-hex-digit hash of the rule texts: results recorded under
    /// another version may be stale.
    pub fn version(&self) -> String {
        self.version.clone()
    }
}

fn is_rule_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "toml")
        && path.file_name().is_some_and(|n| n != POLICY_FILE)
}

// ------------------------------------------------------------------------
// File format
// ------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    name: String,
    category: String,
    description: String,
    #[serde(default)]
    references: Vec<String>,
    pattern: Option<String>,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    anchor: Option<String>,
    min_digits: Option<usize>,
    window: Option<[usize; 2]>,
    validator: Option<OneOrMany>,
    confidence: Option<f32>,
    min_confidence: Option<f32>,
    context: Option<ContextSpec>,
    negative_context: Option<ContextSpec>,
    #[serde(default)]
    requires_context: bool,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    allow_regex: Vec<String>,
    mask: Option<String>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextSpec {
    words: Vec<String>,
    window: Option<usize>,
    boost: Option<f32>,
    penalty: Option<f32>,
}

// ------------------------------------------------------------------------
// Compiled rules
// ------------------------------------------------------------------------

/// Marks a keyword that may start inside a word (`*q~` in an Azure secret
/// `...8Q~...`, `*passw` in `dbpassword`); other keywords match only where a
/// word starts, which keeps the literal pass fast and quiet.
pub(crate) const INSIDE_WORDS: char = '*';
/// Default base confidence when a rule does not give one.
const DEFAULT_CONFIDENCE: f32 = 0.6;
/// Default threshold a detection must reach to be reported.
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.5;
const DEFAULT_CONTEXT_WINDOW: usize = 64;
const DEFAULT_BOOST: f32 = 0.2;
const DEFAULT_PENALTY: f32 = 0.3;
/// Default candidate window (bytes before, after) around an anchor hit.
const DEFAULT_WINDOW: [usize; 2] = [32, 160];
const MAX_WINDOW: usize = 16 * 1024;

/// What finds a rule's candidates before its regex runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Anchor {
    /// Any of the rule's keywords (lowercase literals) in the lowercased text.
    Keywords,
    /// An `@` byte (email addresses).
    At,
    /// A run of digits (with single separators) of at least this many digits.
    Digits(usize),
    /// The caller's context (a column header) holds one of the rule's
    /// context words: the regex runs over the whole text (one cell).
    Context,
}

/// Hotwords looked up around a confirmed match (or in the caller's context).
///
/// The detector finds them in its single literal pass (`literals.rs`);
/// a hotword counts where it starts a word and ends one (or, for a prefix
/// such as `delinquen*`, wherever it starts a word).
pub(crate) struct Hotwords {
    /// Lowercase words, each with whether it matches as a prefix.
    pub(crate) words: Vec<(String, bool)>,
    pub(crate) window: usize,
    /// Boost (context) or penalty (negative context).
    pub(crate) weight: f32,
}

impl Hotwords {
    fn compile(spec: ContextSpec, default_weight: f32, negative: bool) -> Result<Hotwords> {
        ensure!(!spec.words.is_empty(), "context needs at least one word");
        let weight = if negative { spec.penalty } else { spec.boost };
        let other = if negative { spec.boost } else { spec.penalty };
        ensure!(
            other.is_none(),
            "{} takes `{}`",
            if negative {
                "negative_context"
            } else {
                "context"
            },
            if negative { "penalty" } else { "boost" }
        );
        let mut words = Vec::new();
        for w in &spec.words {
            let w = w.trim().to_lowercase();
            let word = match w.strip_suffix('*') {
                Some(stem) => (stem.to_string(), true),
                None => (w, false),
            };
            ensure!(!word.0.is_empty(), "empty context word");
            words.push(word);
        }
        Ok(Hotwords {
            words,
            window: spec
                .window
                .unwrap_or(DEFAULT_CONTEXT_WINDOW)
                .min(MAX_WINDOW),
            weight: weight.unwrap_or(default_weight).clamp(0.0, 1.0),
        })
    }
}

/// One detection rule, compiled.
pub struct Rule {
    /// Stable identifier, `family.kind[.variant]` (e.g. `secret.github.pat`).
    pub id: String,
    /// Short human name.
    pub name: String,
    /// `family.kind`; the policy maps categories to labels.
    pub category: String,
    /// What it detects and why that is sensitive.
    pub description: String,
    /// Where the format or the sensitivity is documented.
    pub references: Vec<String>,
    /// Texts that must produce a detection of this rule.
    pub examples: Vec<String>,
    /// Look-alike texts that must not.
    pub negative_examples: Vec<String>,
    pub(crate) pattern: String,
    /// The engine itself, not `regex::Regex`: its searches take the
    /// caller's per-thread cache, where `regex::Regex` takes one from a
    /// shared pool on every call (a lock for every thread but the first).
    pub(crate) regex: meta::Regex,
    /// Capture group whose span is the sensitive value, if not the whole match.
    pub(crate) value_group: Option<usize>,
    /// Capture group that validators and the allow-list check, if not the
    /// value (`scheme://user:<secret>@host`: report the URL, judge the
    /// password).
    pub(crate) secret_group: Option<usize>,
    pub(crate) anchor: Anchor,
    pub(crate) keywords: Vec<String>,
    pub(crate) window: [usize; 2],
    pub(crate) validators: Vec<Validator>,
    pub(crate) confidence: f32,
    pub(crate) min_confidence: f32,
    pub(crate) context: Option<Hotwords>,
    pub(crate) negative_context: Option<Hotwords>,
    pub(crate) requires_context: bool,
    allow: HashSet<String>,
    allow_regex: Option<RegexSet>,
    pub(crate) mask: Mask,
}

/// `^[a-z0-9]+(?:[._-][a-z0-9]+)*$`, checked by hand.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.split(['.', '_', '-']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Builds the regex of a phrase rule: each phrase literal, case-insensitive,
/// any run of whitespace between words, word-bounded where it starts or ends
/// with a word character.
fn phrase_regex(phrases: &[String]) -> String {
    let alts: Vec<String> = phrases
        .iter()
        .map(|p| {
            let p = p.trim();
            let words: Vec<String> = p.split_whitespace().map(regex::escape).collect();
            let body = words.join(r"\s+");
            let lead = if p.bytes().next().is_some_and(is_word) {
                r"\b"
            } else {
                ""
            };
            let trail = if p.bytes().last().is_some_and(is_word) {
                r"\b"
            } else {
                ""
            };
            format!("{lead}{body}{trail}")
        })
        .collect();
    format!("(?i)(?:{})", alts.join("|"))
}

/// Byte-oriented and ASCII-only like `regex::bytes` with Unicode off;
/// larger than default limits because some rules are long alternations.
fn build_regex(pattern: &str) -> Result<meta::Regex> {
    const LIMIT: usize = 8 << 20;
    meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .nfa_size_limit(Some(LIMIT))
                .onepass_size_limit(Some(LIMIT))
                .hybrid_cache_capacity(LIMIT)
                .dfa_size_limit(Some(LIMIT)),
        )
        .build(pattern)
        .with_context(|| format!("invalid pattern {pattern:?}"))
}

/// Normalises a value for exact allow-list comparison: lowercase, and for
/// values that are mostly digits, digits only (`4242 4242 ...` equals
/// `4242424242424242`).
pub(crate) fn allow_key(value: &str) -> String {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let alnum = value.bytes().filter(u8::is_ascii_alphanumeric).count();
    if digits > 0 && digits == alnum {
        value.chars().filter(char::is_ascii_digit).collect()
    } else {
        value.trim().to_lowercase()
    }
}

impl Rule {
    fn compile(spec: RuleSpec) -> Result<Rule> {
        ensure!(
            valid_id(&spec.id),
            "id must match [a-z0-9]+([._-][a-z0-9]+)*"
        );
        let mut parts = spec.category.split('.');
        let (family, kind) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        ensure!(
            valid_id(family) && valid_id(kind) && parts.next().is_none(),
            "category must be family.kind, got {:?}",
            spec.category
        );
        ensure!(!spec.name.trim().is_empty(), "name is empty");
        ensure!(!spec.description.trim().is_empty(), "description is empty");

        let (pattern, mut keywords) = match (&spec.pattern, spec.phrases.is_empty()) {
            (Some(p), true) => (p.clone(), spec.keywords.clone()),
            (None, false) => {
                let kw = if spec.keywords.is_empty() {
                    spec.phrases
                        .iter()
                        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                        .collect()
                } else {
                    spec.keywords.clone()
                };
                (phrase_regex(&spec.phrases), kw)
            }
            (Some(_), false) => bail!("give either `pattern` or `phrases`, not both"),
            (None, true) => bail!("needs a `pattern` or `phrases`"),
        };
        for k in &mut keywords {
            *k = k.to_lowercase();
            ensure!(
                !k.trim_start_matches(INSIDE_WORDS).trim().is_empty(),
                "empty keyword"
            );
        }
        if !spec.keywords.is_empty() {
            for p in &spec.phrases {
                let lp = p.to_lowercase();
                ensure!(
                    keywords
                        .iter()
                        .any(|k| lp.contains(k.trim_start_matches(INSIDE_WORDS))),
                    "phrase {p:?} contains none of the keywords, so it could never be found"
                );
            }
        }
        let regex = build_regex(&pattern)?;
        let group = |name: &str| {
            regex
                .group_info()
                .pattern_names(PatternID::ZERO)
                .position(|n| n == Some(name))
        };
        let value_group = group("value");
        let secret_group = group("secret");

        let anchor = match (spec.anchor.as_deref(), keywords.is_empty()) {
            (None | Some("keywords"), false) => Anchor::Keywords,
            (Some("at"), true) => Anchor::At,
            (Some("digits"), true) => Anchor::Digits(spec.min_digits.unwrap_or(1).max(1)),
            (Some("context"), true) => Anchor::Context,
            (Some("keywords") | None, true) => {
                bail!(
                    "needs `keywords`, `phrases` or an `anchor` (\"at\", \"digits\", \"context\")"
                )
            }
            (Some(a), false) if a == "at" || a == "digits" || a == "context" => {
                bail!("anchor {a:?} and keywords are exclusive")
            }
            (Some(a), _) => bail!("unknown anchor {a:?} (known: keywords, at, digits, context)"),
        };
        ensure!(
            spec.min_digits.is_none() || matches!(anchor, Anchor::Digits(_)),
            "min_digits only applies to anchor = \"digits\""
        );

        let mut validators = Vec::new();
        for v in spec.validator.map(OneOrMany::into_vec).unwrap_or_default() {
            validators.push(Validator::parse(&v)?);
        }
        let confidence = spec.confidence.unwrap_or(DEFAULT_CONFIDENCE);
        let min_confidence = spec.min_confidence.unwrap_or(DEFAULT_MIN_CONFIDENCE);
        ensure!(
            (0.0..=1.0).contains(&confidence) && (0.0..=1.0).contains(&min_confidence),
            "confidence and min_confidence must be within 0..=1"
        );
        let context = spec
            .context
            .map(|c| Hotwords::compile(c, DEFAULT_BOOST, false))
            .transpose()?;
        let negative_context = spec
            .negative_context
            .map(|c| Hotwords::compile(c, DEFAULT_PENALTY, true))
            .transpose()?;
        ensure!(
            !spec.requires_context || context.is_some(),
            "requires_context needs a `context` table"
        );
        ensure!(
            anchor != Anchor::Context || context.is_some(),
            "anchor = \"context\" needs a `context` table (the column-header words)"
        );
        let allow_regex = if spec.allow_regex.is_empty() {
            None
        } else {
            Some(
                RegexSetBuilder::new(spec.allow_regex.iter().map(|r| format!("^(?:{r})$")))
                    .unicode(false)
                    .case_insensitive(true)
                    .build()
                    .context("invalid allow_regex")?,
            )
        };
        let family_mask = match family {
            "secret" => Mask::Token(None),
            "credit" | "internal" => Mask::Phrase,
            _ => Mask::Digits,
        };
        let mask = spec
            .mask
            .as_deref()
            .map(Mask::parse)
            .transpose()?
            .unwrap_or(family_mask);
        let window = spec.window.unwrap_or(DEFAULT_WINDOW);
        ensure!(
            window[0] <= MAX_WINDOW && window[1] <= MAX_WINDOW,
            "window sides must be at most {MAX_WINDOW} bytes"
        );

        Ok(Rule {
            id: spec.id,
            name: spec.name,
            category: spec.category,
            description: spec
                .description
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            references: spec.references,
            examples: spec.examples,
            negative_examples: spec.negative_examples,
            pattern,
            regex,
            value_group,
            secret_group,
            anchor,
            keywords,
            window,
            validators,
            confidence,
            min_confidence,
            context,
            negative_context,
            requires_context: spec.requires_context || anchor == Anchor::Context,
            allow: spec.allow.iter().map(|a| allow_key(a)).collect(),
            allow_regex,
            mask,
        })
    }

    /// Whether `value` is on this rule's allow-list (exact or by regex).
    pub(crate) fn allowed(&self, value: &str) -> bool {
        (!self.allow.is_empty() && self.allow.contains(&allow_key(value)))
            || self
                .allow_regex
                .as_ref()
                .is_some_and(|set| set.is_match(value.as_bytes()))
    }

    /// The regex the rule confirms candidates with (phrase rules: the regex
    /// built from the phrases).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(toml: &str) -> Result<RuleSet> {
        RuleSet::from_sources(vec![("t.toml".into(), toml.into())])
    }

    const MINIMAL: &str = r#"
[[rule]]
id = "internal.marking.test"
name = "Test"
category = "internal.marking"
description = "x"
phrases = ["internal only"]
examples = ["INTERNAL ONLY"]
negative_examples = ["internal"]
"#;

    #[test]
    fn loads_and_versions() {
        let a = one(MINIMAL).unwrap();
        assert_eq!(a.rules().len(), 1);
        assert_eq!(a.version().len(), 16);
        assert_eq!(a.version(), one(MINIMAL).unwrap().version());
        let b = one(&MINIMAL.replace("internal only", "staff only")).unwrap();
        assert_ne!(a.version(), b.version());
        assert_eq!(a.rules()[0].keywords, ["internal only"]);
    }

    #[test]
    fn rejects_bad_rules() {
        for (what, bad) in [
            ("id", MINIMAL.replace("internal.marking.test", "Bad Id")),
            (
                "category",
                MINIMAL.replace("category = \"internal.marking\"", "category = \"x\""),
            ),
            ("unknown field", MINIMAL.replace("name =", "nmae =")),
            (
                "regex",
                MINIMAL.replace(
                    "phrases = [\"internal only\"]",
                    "pattern = '(' \nkeywords=['x']",
                ),
            ),
            (
                "validator",
                MINIMAL.replace("examples =", "validator = \"nope\"\nexamples ="),
            ),
            (
                "anchor",
                MINIMAL.replace("phrases = [\"internal only\"]", "pattern = 'x'"),
            ),
            (
                "keywords",
                MINIMAL.replace("phrases =", "keywords = [\"staff\"]\nphrases ="),
            ),
            (
                "requires_context",
                MINIMAL.replace("examples =", "requires_context = true\nexamples ="),
            ),
            ("duplicate", format!("{MINIMAL}\n{MINIMAL}")),
        ] {
            assert!(one(&bad).is_err(), "{what} should be rejected");
        }
    }

    #[test]
    fn builtin_skips_policy_and_loads() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.rules().len() > 60);
        assert!(set.rules().iter().all(|r| !r.category.is_empty()));
    }

    #[test]
    fn from_dir_skips_policy() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.toml"), MINIMAL).unwrap();
        std::fs::write(dir.path().join("policy.toml"), "not = [a rule file").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let set = RuleSet::from_dir(dir.path()).unwrap();
        assert_eq!(set.rules().len(), 1);
        assert!(RuleSet::from_dir(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn allow_keys_normalise_numbers() {
        assert_eq!(allow_key("4242 4242-4242 4242"), "4242424242424242");
        assert_eq!(allow_key(" Foo@Example.COM "), "foo@example.com");
    }
}
