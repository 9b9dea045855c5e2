//! A need: one obligation before it is matched to a record, and the record predicates needs
//! accept.

use chrono::NaiveDate;

use super::{Facts, ObligationKind, RecordInput};
use crate::model::{LeaveKind, TalkCategory};

pub(super) type Accept = fn(&RecordInput<'_>) -> bool;

/// One obligation before matching.
/// Rule ids and labels are static (or a label's count rendered late) so that needs that end up
/// fulfilled or filtered out cost no allocation (docs/benchmarks.md, dashboard).
pub(super) struct Need {
    pub(super) rule: &'static str,
    pub(super) kind: ObligationKind,
    pub(super) label: Label,
    pub(super) since: NaiveDate,
    pub(super) until: Option<NaiveDate>,
    pub(super) due: NaiveDate,
    pub(super) accept: Accept,
    pub(super) not_id: Option<i64>,
}

/// An obligation's Chinese label, rendered only for the obligations listed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Label {
    Fixed(&'static str),
    /// The k-th (from 1) follow-up after a crisis.
    CrisisFollowUp(usize),
    /// A per-semester rule of `n` contacts: the k-th (from 1).
    Nth(&'static str, u32, usize),
}

impl Label {
    pub(super) fn render(self) -> String {
        match self {
            Label::Fixed(s) => s.to_string(),
            Label::CrisisFollowUp(k) => format!("危机事件后·第{k}次回访"),
            Label::Nth(label, n, k) => format!("{label}{n}次（第{k}次）"),
        }
    }
}
pub(super) fn is_talk(r: &RecordInput<'_>, c: TalkCategory) -> bool {
    r.kind == "talk" && r.category == Some(c)
}

pub(super) fn any_talk(r: &RecordInput<'_>) -> bool {
    r.kind == "talk"
}

pub(super) fn parent_contact(r: &RecordInput<'_>) -> bool {
    r.kind == "parent_contact"
}

pub(super) fn review(r: &RecordInput<'_>) -> bool {
    r.kind == "review"
}

pub(super) fn plan_or_review(r: &RecordInput<'_>) -> bool {
    r.kind == "review" || r.kind == "plan"
}

/// A record's facts, or none: borrowed, as the engine asks for them several times per record.
pub(super) fn facts<'a>(r: &RecordInput<'a>) -> &'a Facts {
    static NONE: Facts = Facts {
        flagged: false,
        diagnosed: false,
        review_dates: Vec::new(),
        leave: None,
        certificate: false,
        assessed: false,
        approved: false,
        trigger: None,
        waiver: None,
        decision: None,
        status_changed: false,
        revisited: false,
        next_revisit: None,
        recovered: false,
        crisis: None,
    };
    r.facts.unwrap_or(&NONE)
}

pub(super) fn return_record(r: &RecordInput<'_>) -> bool {
    r.kind == "leave_review" && facts(r).leave == Some(LeaveKind::Return)
}
