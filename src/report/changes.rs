//! Classifying a document's net change between scans, shared by `diff` and
//! the HTML report.

use crate::catalog::HistoryChange;
use crate::label::Label;

/// How a document changed, in the order a data owner should read them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    MoreSensitive,
    StartedFailing,
    Appeared,
    LessSensitive,
    Recovered,
    Disappeared,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::MoreSensitive => "more-sensitive",
            ChangeKind::StartedFailing => "started-failing",
            ChangeKind::Appeared => "appeared",
            ChangeKind::LessSensitive => "less-sensitive",
            ChangeKind::Recovered => "recovered",
            ChangeKind::Disappeared => "disappeared",
        }
    }

    /// Classifies a net change; `None` when it came back to where it was.
    pub fn of(c: &HistoryChange) -> Option<ChangeKind> {
        let rank = |l: &str| l.parse::<Label>().map_or(0, Label::rank);
        let failing = |s: &str| s == "error" || s == "skipped";
        if c.new_status == "deleted" {
            return (c.old_status.as_deref() != Some("deleted")).then_some(ChangeKind::Disappeared);
        }
        let Some(old_status) = c.old_status.as_deref() else {
            return Some(ChangeKind::Appeared);
        };
        if old_status == "deleted" {
            return Some(ChangeKind::Appeared);
        }
        if failing(&c.new_status) && !failing(old_status) {
            return Some(ChangeKind::StartedFailing);
        }
        let old = rank(c.old_label.as_deref().unwrap_or("public"));
        let new = rank(&c.new_label);
        if new > old {
            Some(ChangeKind::MoreSensitive)
        } else if new < old {
            Some(ChangeKind::LessSensitive)
        } else if failing(old_status) && !failing(&c.new_status) {
            Some(ChangeKind::Recovered)
        } else {
            None
        }
    }
}
