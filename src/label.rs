//! Turns a document's findings into one sensitivity label.
//!
//! The policy is data (`rules/policy.toml`): category → label, audience →
//! highest label it may see. Pure: no I/O beyond loading the policy text.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

const BUILTIN_POLICY: &str = include_str!("../rules/policy.toml");

/// Sensitivity labels, ordered so that `max` gives the most sensitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Public,
    Internal,
    Confidential,
    Restricted,
}

impl Label {
    /// Every label, least sensitive first.
    pub const ALL: [Label; 4] = [
        Label::Public,
        Label::Internal,
        Label::Confidential,
        Label::Restricted,
    ];

    /// 0 for public up to 3 for restricted: a plain integer is the one filter
    /// every vector store's metadata dialect can express (`label_rank <= 1`).
    pub fn rank(self) -> u8 {
        self as u8
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Label::Public => "public",
            Label::Internal => "internal",
            Label::Confidential => "confidential",
            Label::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Label {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Label> {
        Label::ALL
            .into_iter()
            .find(|l| l.as_str() == s.trim().to_ascii_lowercase())
            .with_context(|| {
                format!(
                    "unknown label {s:?} (expected public, internal, confidential or restricted)"
                )
            })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: String,
    labels: BTreeMap<String, String>,
    audiences: BTreeMap<String, String>,
}

/// Category → label mapping and audience ceilings.
#[derive(Clone, Debug)]
pub struct Policy {
    version: String,
    exact: BTreeMap<String, Label>,
    families: BTreeMap<String, Label>,
    audiences: BTreeMap<String, Label>,
}

impl Policy {
    /// The policy shipped in the binary (`rules/policy.toml`).
    pub fn builtin() -> Policy {
        Policy::parse(BUILTIN_POLICY).expect("built-in policy is valid (checked by tests)")
    }

    /// `DIR/policy.toml` when a custom rules directory has one, else the built-in.
    pub fn for_rules_dir(dir: Option<&Path>) -> Result<Policy> {
        match dir.map(|d| d.join("policy.toml")) {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("failed to read policy {}", p.display()))?;
                Policy::parse(&text).with_context(|| format!("invalid policy {}", p.display()))
            }
            _ => Ok(Policy::builtin()),
        }
    }

    pub fn parse(text: &str) -> Result<Policy> {
        let file: PolicyFile = toml::from_str(text)?;
        let mut exact = BTreeMap::new();
        let mut families = BTreeMap::new();
        for (pattern, label) in &file.labels {
            let label: Label = label.parse()?;
            match pattern.strip_suffix(".*") {
                Some(family) => families.insert(family.to_string(), label),
                None if pattern.contains('*') => bail!("bad category pattern {pattern:?}"),
                None => exact.insert(pattern.clone(), label),
            };
        }
        let audiences = file
            .audiences
            .iter()
            .map(|(name, label)| Ok((name.clone(), label.parse()?)))
            .collect::<Result<BTreeMap<_, _>>>()?;
        if audiences.is_empty() {
            bail!("policy defines no audiences");
        }
        Ok(Policy {
            version: file.version,
            exact,
            families,
            audiences,
        })
    }

    /// Changes when the policy's meaning may change, so a re-scan can re-label
    /// without re-reading.
    pub fn version(&self) -> String {
        let mut h = blake3::Hasher::new();
        h.update(self.version.as_bytes());
        for (k, v) in self.exact.iter().chain(&self.families) {
            h.update(k.as_bytes());
            h.update(&[0, v.rank(), 0]);
        }
        h.finalize().to_hex()[..16].to_string()
    }

    /// The label one finding of `category` gives its document.
    pub fn label_for(&self, category: &str) -> Label {
        if let Some(l) = self.exact.get(category) {
            return *l;
        }
        let family = category.split('.').next().unwrap_or(category);
        self.families.get(family).copied().unwrap_or(Label::Public)
    }

    /// The highest label `audience` may see.
    pub fn audience_max(&self, audience: &str) -> Result<Label> {
        self.audiences.get(audience).copied().with_context(|| {
            let known: Vec<_> = self.audiences.keys().map(String::as_str).collect();
            format!(
                "unknown audience {audience:?} (policy defines: {})",
                known.join(", ")
            )
        })
    }

    pub fn audiences(&self) -> impl Iterator<Item = (&str, Label)> {
        self.audiences.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

/// The label a set of finding categories gives a document, with the category
/// that decided it (for `explain`).
pub fn decide<'a>(
    policy: &Policy,
    categories: impl IntoIterator<Item = &'a str>,
) -> (Label, Option<&'a str>) {
    let mut best = (Label::Public, None);
    for c in categories {
        let l = policy.label_for(c);
        if l > best.0 || (best.1.is_none() && l == best.0 && l > Label::Public) {
            best = (l, Some(c));
        }
    }
    best
}

/// A person's label wins over the computed one when it is higher, or
/// whenever they allowed a downgrade: automation never silently overrides a
/// person, and a person never silently hides a finding.
pub fn with_override(computed: Label, manual: Option<(Label, bool)>) -> Label {
    match manual {
        Some((label, allow_downgrade)) if allow_downgrade || label > computed => label,
        _ => computed,
    }
}

/// Labels for a file and the documents inside it from their categories:
/// each document's label covers its own findings and every member's.
/// `family` holds (path, categories); `manual` gives a path's override.
pub fn family_labels<'a>(
    policy: &Policy,
    family: &'a [(String, Vec<String>)],
    manual: impl Fn(&str) -> Option<(Label, bool)>,
) -> Vec<(&'a str, Label, Option<&'a str>)> {
    family
        .iter()
        .map(|(path, _)| {
            let member_prefix = format!("{path}!/");
            let (computed, decided) = decide(
                policy,
                family
                    .iter()
                    .filter(|(p, _)| p == path || p.starts_with(&member_prefix))
                    .flat_map(|(_, cats)| cats.iter().map(String::as_str)),
            );
            (
                path.as_str(),
                with_override(computed, manual(path)),
                decided,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_matches_design() {
        let p = Policy::builtin();
        assert_eq!(p.label_for("secret.aws"), Label::Restricted);
        assert_eq!(p.label_for("pii.payment_card"), Label::Restricted);
        assert_eq!(p.label_for("pii.national_id"), Label::Restricted);
        assert_eq!(p.label_for("pii.bank_account"), Label::Restricted);
        assert_eq!(p.label_for("credit.score"), Label::Confidential);
        assert_eq!(p.label_for("pii.email"), Label::Confidential);
        assert_eq!(p.label_for("pii.date_of_birth"), Label::Confidential);
        assert_eq!(p.label_for("internal.helpdesk_note"), Label::Internal);
        assert_eq!(p.label_for("pii.person_name"), Label::Internal);
        assert_eq!(p.label_for("pii.some_new_kind"), Label::Confidential);
        assert_eq!(p.label_for("unknown.thing"), Label::Public);
    }

    #[test]
    fn audiences() {
        let p = Policy::builtin();
        assert_eq!(p.audience_max("public").unwrap(), Label::Public);
        assert_eq!(p.audience_max("staff").unwrap(), Label::Internal);
        assert_eq!(p.audience_max("analyst").unwrap(), Label::Confidential);
        assert_eq!(p.audience_max("admin").unwrap(), Label::Restricted);
        assert!(p.audience_max("nobody").is_err());
    }

    #[test]
    fn decide_takes_the_highest() {
        let p = Policy::builtin();
        let (l, why) = decide(&p, ["internal.marking", "pii.email", "pii.person_name"]);
        assert_eq!((l, why), (Label::Confidential, Some("pii.email")));
        assert_eq!(decide(&p, []), (Label::Public, None));
    }

    #[test]
    fn overrides_raise_but_lower_only_when_allowed() {
        use Label::*;
        assert_eq!(
            with_override(Internal, Some((Restricted, false))),
            Restricted
        );
        assert_eq!(with_override(Restricted, Some((Public, false))), Restricted);
        assert_eq!(with_override(Restricted, Some((Public, true))), Public);
        assert_eq!(with_override(Internal, None), Internal);
    }

    #[test]
    fn a_container_takes_its_most_sensitive_member() {
        let p = Policy::builtin();
        let family = vec![
            ("a.zip".to_string(), vec![]),
            (
                "a.zip!/x.md".to_string(),
                vec!["internal.marking".to_string()],
            ),
            ("a.zip!/y.zip".to_string(), vec![]),
            (
                "a.zip!/y.zip!/z.md".to_string(),
                vec!["secret.aws".to_string()],
            ),
        ];
        let labels: Vec<Label> = family_labels(&p, &family, |_| None)
            .into_iter()
            .map(|x| x.1)
            .collect();
        assert_eq!(
            labels,
            [
                Label::Restricted,
                Label::Internal,
                Label::Restricted,
                Label::Restricted
            ]
        );
        let manual = family_labels(&p, &family, |path| {
            (path == "a.zip!/x.md").then_some((Label::Confidential, false))
        });
        assert_eq!(manual[1].1, Label::Confidential);
    }

    #[test]
    fn labels_parse_and_order() {
        assert!(Label::Public < Label::Restricted);
        assert_eq!(
            "Confidential".parse::<Label>().unwrap(),
            Label::Confidential
        );
        assert!("secret".parse::<Label>().is_err());
    }

    #[test]
    fn rejects_bad_policies() {
        assert!(
            Policy::parse("version='1'\n[labels]\n'a.*b'='public'\n[audiences]\nx='public'")
                .is_err()
        );
        assert!(
            Policy::parse("version='1'\n[labels]\n'a'='secretish'\n[audiences]\nx='public'")
                .is_err()
        );
        assert!(Policy::parse("version='1'\n[labels]\n[audiences]\n").is_err());
    }
}
