//! The obligation engine: the policy and a student's records → dated obligations.
//!
//! Pure and deterministic given (today, policy, records): the session feeds it its in-memory index
//! after every write, so the list is always current. Each rule is a family of needs; within a
//! family a record fulfils at most one need (two academic warnings need two talks), and needs are
//! served in order of their due dates by the earliest record in their window.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::calendar::{minus, monday, periods, plus, split_ends};
use super::policy::Policy;
use crate::error::{Error, Result};
use crate::model::*;

/// Where an obligation stands.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    /// Open, due date not passed.
    Due,
    /// Open, due date passed.
    Overdue,
    /// Fulfilled by a record.
    Done,
    /// Waived with a reason.
    Waived,
}

/// What has to be done.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationKind {
    /// A talk 谈心谈话 (of a given category for must-talks).
    Talk,
    /// A contact with the parents 家校联系.
    ParentContact,
    /// The weekly review 周研判 of a key-concern student.
    WeeklyReview,
    /// A counselor's dorm visit 查寝 / 走访宿舍.
    DormVisit,
    /// A counselor's meeting with the peer backbones 骨干例会.
    BackboneMeeting,
    /// A backbone's meeting with their dorm heads 寝室长会议.
    DormHeadMeeting,
    /// Training 培训: hours of backbones and dorm heads, trainings a counselor organises.
    Training,
    /// The review of an individual plan 一人一策.
    PlanReview,
    /// A step of the return-to-school review 复学.
    ReturnStep,
    /// A screening 心理普查.
    Screening,
    /// A college's meeting analysing its students' mental health 院系心理工作研判会 (seed 001).
    CollegeReviewMeeting,
    /// The monthly report 月报 of a college (seed 002).
    MonthlyReport,
}

/// A string an obligation shares with others: the dashboard at 100,000 students lists hundreds of
/// thousands of obligations, and the 学号, 姓名, 学院, 班级, rule and label of each are the same
/// text as many others' (a student's, a rule's), so they are one allocation each instead of one
/// per obligation (docs/benchmarks.md, "Memory"). Serialised as a plain string.
pub type Text = Arc<str>;

/// One dated obligation: of a student (student fields set), or of a person of the four-level
/// network 校—院—班—寝 (dorm visits, backbone meetings, training hours: `person` set, student
/// fields empty).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Obligation {
    /// 学号 (empty for a network person's duty).
    #[typeshare(serialized_as = "String")]
    pub student_no: Text,
    /// 姓名
    #[typeshare(serialized_as = "String")]
    pub student_name: Text,
    /// 学院
    #[typeshare(serialized_as = "String")]
    pub college: Text,
    /// 班级
    #[typeshare(serialized_as = "String")]
    pub class_name: Text,
    /// 工号/学号 of the network person the duty belongs to (empty for a student's).
    #[typeshare(serialized_as = "String")]
    pub person: Text,
    /// That person's name.
    #[typeshare(serialized_as = "String")]
    pub person_name: Text,
    /// What the duty is about beyond the person, e.g. the dorm to visit (else empty).
    #[typeshare(serialized_as = "String")]
    pub subject: Text,
    /// What has to be done.
    pub kind: ObligationKind,
    /// The rule id, e.g. `must-talk.freshman` (docs/policy-format.md).
    #[typeshare(serialized_as = "String")]
    pub rule: Text,
    /// The rule in Chinese, for lists and reports.
    #[typeshare(serialized_as = "String")]
    pub label: Text,
    /// From when a record counts.
    #[typeshare(serialized_as = "String")]
    pub since: NaiveDate,
    /// Due date.
    #[typeshare(serialized_as = "String")]
    pub due: NaiveDate,
    /// Status on the day asked.
    pub status: ObligationStatus,
    /// The record that fulfilled it.
    #[typeshare(serialized_as = "Option<String>")]
    pub fulfilled_by: Option<Text>,
    /// The date of that record.
    #[typeshare(serialized_as = "Option<String>")]
    pub fulfilled_on: Option<NaiveDate>,
    /// Why it was waived.
    #[typeshare(serialized_as = "Option<String>")]
    pub waived_reason: Option<Text>,
}

/// Which obligations to list.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationFilter {
    /// Only those due strictly before this day.
    #[typeshare(serialized_as = "Option<String>")]
    pub due_before: Option<NaiveDate>,
    /// Only this student's.
    pub student_no: Option<String>,
    /// Only this network person's (工号/学号).
    pub person: Option<String>,
    /// Only due and overdue ones.
    pub open_only: bool,
}

/// What the engine needs from a record beyond the common header, kept in the sealed header so the
/// engine runs on the in-memory index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// A screening result flagged for follow-up.
    #[serde(default, skip_serializing_if = "is_false")]
    pub flagged: bool,
    /// A hospital diagnosis.
    #[serde(default, skip_serializing_if = "is_false")]
    pub diagnosed: bool,
    /// A plan's review dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_dates: Vec<NaiveDate>,
    /// Leave or return, with the steps the record shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave: Option<LeaveKind>,
    /// A certificate was presented.
    #[serde(default, skip_serializing_if = "is_false")]
    pub certificate: bool,
    /// An assessment is recorded.
    #[serde(default, skip_serializing_if = "is_false")]
    pub assessed: bool,
    /// Approved.
    #[serde(default, skip_serializing_if = "is_false")]
    pub approved: bool,
    /// A must-talk trigger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<TalkCategory>,
    /// A waiver: rule, due date, reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<(String, NaiveDate, String)>,
    /// A weekly review's decision (for the reports; the level change is in the header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ReviewDecision>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Facts {
    /// The facts of a record body, if it has any the engine uses.
    pub fn of(body: &RecordBody) -> Option<Facts> {
        let f = match body {
            RecordBody::Screening(s) if s.flagged => Facts {
                flagged: true,
                ..Facts::default()
            },
            RecordBody::Referral(r) if r.hospital_diagnosed => Facts {
                diagnosed: true,
                ..Facts::default()
            },
            RecordBody::Plan(p) if !p.review_dates.is_empty() => Facts {
                review_dates: p.review_dates.clone(),
                ..Facts::default()
            },
            RecordBody::LeaveReview(l) => Facts {
                leave: Some(l.kind),
                certificate: l.certificate,
                assessed: !l.assessment.trim().is_empty(),
                approved: l.approved,
                ..Facts::default()
            },
            RecordBody::Event(e) => Facts {
                trigger: Some(e.trigger),
                ..Facts::default()
            },
            RecordBody::Waiver(w) => Facts {
                waiver: Some((w.rule.trim().to_string(), w.due, w.reason.clone())),
                ..Facts::default()
            },
            RecordBody::Review(r) => Facts {
                decision: Some(r.decision),
                ..Facts::default()
            },
            _ => return None,
        };
        Some(f)
    }
}

impl Review {
    /// The concern level and end date this decision sets, as a key-concern record would: a raise
    /// or lower sets the new level, a close 销号 ends the concern the day before, keep changes nothing.
    pub fn concern_change(&self, date: NaiveDate) -> (Option<ConcernLevel>, Option<NaiveDate>) {
        match self.decision {
            ReviewDecision::Keep => (None, None),
            ReviewDecision::Raise | ReviewDecision::Lower => (self.level, None),
            ReviewDecision::Close => (
                Some(self.level.unwrap_or(ConcernLevel::General)),
                Some(minus(date, 1)),
            ),
        }
    }
}

/// Checks the record kinds the rules add.
pub fn validate_body(body: &RecordBody) -> Result<()> {
    let blank = |s: &str| s.trim().is_empty();
    match body {
        RecordBody::Event(e) if e.trigger == TalkCategory::Other => Err(Error::Invalid {
            field: "trigger",
            reason: "must be one of the eight must-talk categories",
        }),
        RecordBody::Waiver(w) if blank(&w.rule) => Err(Error::Invalid {
            field: "rule",
            reason: "is required",
        }),
        RecordBody::Waiver(w) if blank(&w.reason) => Err(Error::Invalid {
            field: "reason",
            reason: "a waiver needs its reason",
        }),
        RecordBody::Review(r) if blank(&r.reason) => Err(Error::Invalid {
            field: "reason",
            reason: "a review decision needs its reason",
        }),
        RecordBody::Review(r)
            if matches!(r.decision, ReviewDecision::Raise | ReviewDecision::Lower)
                && r.level.is_none() =>
        {
            Err(Error::Invalid {
                field: "level",
                reason: "a raise or lower needs the new level",
            })
        }
        _ => Ok(()),
    }
}

/// One record as the engine sees it: not superseded, dated on or before today.
#[derive(Debug, Clone, Copy)]
pub struct RecordInput<'a> {
    /// Record id.
    pub id: i64,
    /// The day it happened.
    pub date: NaiveDate,
    /// Kind name (`RecordBody::kind_name`).
    pub kind: &'a str,
    /// Talk category.
    pub category: Option<TalkCategory>,
    /// Concern level set.
    pub concern: Option<ConcernLevel>,
    /// Concern end.
    pub concern_until: Option<NaiveDate>,
    /// Crisis level of a crisis assessment.
    pub crisis: Option<CrisisLevel>,
    /// Engine facts.
    pub facts: Option<&'a Facts>,
}

/// One student as the engine sees it; records sorted by date.
#[derive(Debug, Clone)]
pub struct StudentInput<'a> {
    /// Profile.
    pub profile: &'a StudentProfile,
    /// Records, oldest first.
    pub records: Vec<RecordInput<'a>>,
}

impl StudentInput<'_> {
    /// The concern level on `day`: the latest concern-setting record up to it, unless ended.
    pub fn concern_at(&self, day: NaiveDate) -> Option<ConcernLevel> {
        let r = self
            .records
            .iter()
            .rev()
            .find(|r| r.concern.is_some() && r.date <= day)?;
        match r.concern_until {
            Some(until) if until < day => None,
            _ => r.concern,
        }
    }
}

type Accept = fn(&RecordInput<'_>) -> bool;

/// One obligation before matching.
/// Rule ids and labels are static (or a label's count rendered late) so that needs that end up
/// fulfilled or filtered out cost no allocation (docs/benchmarks.md, dashboard).
struct Need {
    rule: &'static str,
    kind: ObligationKind,
    label: Label,
    since: NaiveDate,
    until: Option<NaiveDate>,
    due: NaiveDate,
    accept: Accept,
    not_id: Option<i64>,
}

/// An obligation's Chinese label, rendered only for the obligations listed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Label {
    Fixed(&'static str),
    /// The k-th (from 1) follow-up after a crisis.
    CrisisFollowUp(usize),
    /// A per-semester rule of `n` contacts: the k-th (from 1).
    Nth(&'static str, u32, usize),
}

impl Label {
    fn render(self) -> String {
        match self {
            Label::Fixed(s) => s.to_string(),
            Label::CrisisFollowUp(k) => format!("危机事件后·第{k}次回访"),
            Label::Nth(label, n, k) => format!("{label}{n}次（第{k}次）"),
        }
    }
}

/// The rule id of a must-talk category (`must-talk.` + `TalkCategory::as_str`).
fn must_talk_rule(c: TalkCategory) -> &'static str {
    match c {
        TalkCategory::Freshman => "must-talk.freshman",
        TalkCategory::KeyTime => "must-talk.key-time",
        TalkCategory::SpecialGroup => "must-talk.special-group",
        TalkCategory::Requested => "must-talk.requested",
        TalkCategory::RewardDiscipline => "must-talk.reward-discipline",
        TalkCategory::Academic => "must-talk.academic",
        TalkCategory::Relationship => "must-talk.relationship",
        TalkCategory::Hardship => "must-talk.hardship",
        TalkCategory::Other => "must-talk.other",
    }
}

fn talk_label(c: TalkCategory) -> &'static str {
    match c {
        TalkCategory::Freshman => "八必谈·新生谈话",
        TalkCategory::KeyTime => "八必谈·重要时间节点谈话",
        TalkCategory::SpecialGroup => "八必谈·特殊群体谈话",
        TalkCategory::Requested => "八必谈·主动约谈",
        TalkCategory::RewardDiscipline => "八必谈·奖惩谈话",
        TalkCategory::Academic => "八必谈·学业困难谈话",
        TalkCategory::Relationship => "八必谈·寝室人际情感谈话",
        TalkCategory::Hardship => "八必谈·经济困难或突发灾害谈话",
        TalkCategory::Other => "谈话",
    }
}

fn talk_of(c: TalkCategory) -> Accept {
    match c {
        TalkCategory::Freshman => |r| is_talk(r, TalkCategory::Freshman),
        TalkCategory::KeyTime => |r| is_talk(r, TalkCategory::KeyTime),
        TalkCategory::SpecialGroup => |r| is_talk(r, TalkCategory::SpecialGroup),
        TalkCategory::Requested => |r| is_talk(r, TalkCategory::Requested),
        TalkCategory::RewardDiscipline => |r| is_talk(r, TalkCategory::RewardDiscipline),
        TalkCategory::Academic => |r| is_talk(r, TalkCategory::Academic),
        TalkCategory::Relationship => |r| is_talk(r, TalkCategory::Relationship),
        TalkCategory::Hardship => |r| is_talk(r, TalkCategory::Hardship),
        TalkCategory::Other => |r| is_talk(r, TalkCategory::Other),
    }
}

fn is_talk(r: &RecordInput<'_>, c: TalkCategory) -> bool {
    r.kind == "talk" && r.category == Some(c)
}

fn any_talk(r: &RecordInput<'_>) -> bool {
    r.kind == "talk"
}

fn parent_contact(r: &RecordInput<'_>) -> bool {
    r.kind == "parent_contact"
}

fn review(r: &RecordInput<'_>) -> bool {
    r.kind == "review"
}

fn plan_or_review(r: &RecordInput<'_>) -> bool {
    r.kind == "review" || r.kind == "plan"
}

/// A record's facts, or none: borrowed, as the engine asks for them several times per record.
fn facts<'a>(r: &RecordInput<'a>) -> &'a Facts {
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
    };
    r.facts.unwrap_or(&NONE)
}

fn return_record(r: &RecordInput<'_>) -> bool {
    r.kind == "leave_review" && facts(r).leave == Some(LeaveKind::Return)
}

/// Every obligation of these students on `today` under `policy`, sorted by due date, 学号, rule.
pub fn compute(
    policy: &Policy,
    today: NaiveDate,
    students: &[StudentInput<'_>],
) -> Vec<Obligation> {
    let select = Selection::new(&ObligationFilter::default());
    let mut out = Vec::new();
    let mut scratch = Scratch::default();
    for s in students {
        compute_student(policy, today, s, &select, &mut scratch, &mut out);
    }
    out.sort_by(|a, b| {
        (a.due, &a.student_no, &a.rule, a.since).cmp(&(b.due, &b.student_no, &b.rule, b.since))
    });
    out
}

/// A filter prepared for the engine: the parts it can test before building an obligation.
#[derive(Debug, Clone)]
pub struct Selection {
    due_before: Option<NaiveDate>,
    student_no: Option<String>,
    /// Students' obligations carry no person: a person filter keeps them only when blank.
    students: bool,
    open_only: bool,
}

impl Selection {
    /// The selection `filter` makes.
    pub fn new(filter: &ObligationFilter) -> Self {
        Selection {
            due_before: filter.due_before,
            student_no: filter
                .student_no
                .as_deref()
                .map(crate::normalize::identifier),
            students: filter.person.as_deref().is_none_or(|p| p.trim().is_empty()),
            open_only: filter.open_only,
        }
    }

    /// Whether any obligation of this student can pass: lets callers skip building its input.
    pub fn wants(&self, profile: &StudentProfile) -> bool {
        self.students
            && self
                .student_no
                .as_deref()
                .is_none_or(|s| profile.student_no == s)
    }

    fn keeps(&self, due: NaiveDate, status: ObligationStatus) -> bool {
        self.due_before.is_none_or(|d| due < d)
            && (!self.open_only
                || matches!(status, ObligationStatus::Due | ObligationStatus::Overdue))
    }
}

/// Buffers reused from one student to the next.
#[derive(Default)]
pub struct Scratch {
    needs: Vec<Need>,
    used: HashSet<(&'static str, i64)>,
    seen: HashSet<(&'static str, NaiveDate, NaiveDate)>,
    texts: Texts,
}

/// The shared strings of the obligations built so far (see [`Text`]).
#[derive(Default)]
struct Texts {
    /// 学院 and 班级, shared across students.
    places: HashMap<Box<str>, Text>,
    rules: HashMap<&'static str, Text>,
    labels: HashMap<Label, Text>,
    /// The current student's 学号, 姓名, 学院, 班级, made at its first obligation kept.
    student: Option<[Text; 4]>,
    empty: Option<Text>,
}

impl Texts {
    fn empty(&mut self) -> Text {
        self.empty.get_or_insert_with(|| "".into()).clone()
    }

    fn place(&mut self, s: &str) -> Text {
        if let Some(t) = self.places.get(s) {
            return t.clone();
        }
        let t: Text = s.into();
        self.places.insert(s.into(), t.clone());
        t
    }

    fn student(&mut self, p: &StudentProfile) -> [Text; 4] {
        if let Some(s) = &self.student {
            return s.clone();
        }
        let s = [
            p.student_no.as_str().into(),
            p.name.as_str().into(),
            self.place(&p.college),
            self.place(&p.class_name),
        ];
        self.student = Some(s.clone());
        s
    }

    fn rule(&mut self, r: &'static str) -> Text {
        self.rules.entry(r).or_insert_with(|| r.into()).clone()
    }

    fn label(&mut self, l: Label) -> Text {
        self.labels
            .entry(l)
            .or_insert_with(|| l.render().into())
            .clone()
    }
}

/// Appends to `out` the obligations of one student on `today` that `select` keeps, unsorted.
/// Every need is still matched (a record fulfils the earliest need of its family, kept or not);
/// only the obligations kept are built.
pub fn compute_student(
    policy: &Policy,
    today: NaiveDate,
    s: &StudentInput<'_>,
    select: &Selection,
    scratch: &mut Scratch,
    out: &mut Vec<Obligation>,
) {
    if !select.wants(s.profile) {
        return;
    }
    let mut needs = std::mem::take(&mut scratch.needs);
    needs.clear();
    scratch.texts.student = None;
    needs_of(policy, today, s, &mut needs);
    resolve(today, s, &mut needs, select, scratch, out);
    scratch.needs = needs;
}

/// The order of obligation lists: due date, then student or person, rule, subject, and the rest
/// of the fields, so only identical obligations tie (an unstable sort then gives one result).
pub fn listing_order(a: &Obligation, b: &Obligation) -> std::cmp::Ordering {
    (
        a.due,
        &a.student_no,
        &a.person,
        &a.rule,
        &a.subject,
        a.since,
    )
        .cmp(&(
            b.due,
            &b.student_no,
            &b.person,
            &b.rule,
            &b.subject,
            b.since,
        ))
        .then_with(|| {
            (
                a.kind as u8,
                a.status as u8,
                &a.label,
                a.fulfilled_on,
                &a.fulfilled_by,
                &a.waived_reason,
            )
                .cmp(&(
                    b.kind as u8,
                    b.status as u8,
                    &b.label,
                    b.fulfilled_on,
                    &b.fulfilled_by,
                    &b.waived_reason,
                ))
        })
        .then_with(|| {
            (&a.student_name, &a.college, &a.class_name, &a.person_name).cmp(&(
                &b.student_name,
                &b.college,
                &b.class_name,
                &b.person_name,
            ))
        })
}

/// Applies a filter.
pub fn filter(list: Vec<Obligation>, f: &ObligationFilter) -> Vec<Obligation> {
    let sno = f.student_no.as_deref().map(crate::normalize::identifier);
    list.into_iter()
        .filter(|o| f.due_before.is_none_or(|d| o.due < d))
        .filter(|o| sno.as_deref().is_none_or(|s| *o.student_no == *s))
        .filter(|o| f.person.as_deref().is_none_or(|p| *o.person == *p.trim()))
        .filter(|o| {
            !f.open_only || matches!(o.status, ObligationStatus::Due | ObligationStatus::Overdue)
        })
        .collect()
}

fn needs_of(policy: &Policy, today: NaiveDate, s: &StudentInput<'_>, needs: &mut Vec<Need>) {
    let enrolled = match s.profile.status {
        StudentStatus::Enrolled => true,
        StudentStatus::OnLeave => false,
        _ => return,
    };
    let mt = &policy.must_talk;
    let cad = &policy.cadence;
    let sem = policy.semester_at(today);

    // 八必谈: each trigger event owes a talk of its category.
    let mut freshman_event = false;
    for r in &s.records {
        let Some(c) = r.facts.and_then(|f| f.trigger) else {
            continue;
        };
        let Some(days) = mt.days(c) else { continue };
        freshman_event |= c == TalkCategory::Freshman;
        needs.push(Need {
            rule: must_talk_rule(c),
            kind: ObligationKind::Talk,
            label: Label::Fixed(talk_label(c)),
            since: r.date,
            until: None,
            due: plus(r.date, days),
            accept: talk_of(c),
            not_id: None,
        });
    }
    // A student of this academic year's intake owes the freshman talk without any event.
    if let (Some(sem), false) = (sem, freshman_event) {
        let year = sem.academic_year();
        let grade: String = s.profile.grade.chars().take(4).collect();
        if grade.parse::<i32>().ok() == Some(year) {
            if let Some(first) = policy.first_semester_of(year) {
                needs.push(Need {
                    rule: "must-talk.freshman",
                    kind: ObligationKind::Talk,
                    label: Label::Fixed(talk_label(TalkCategory::Freshman)),
                    since: first.start,
                    until: None,
                    due: plus(first.start, mt.freshman_days),
                    accept: talk_of(TalkCategory::Freshman),
                    not_id: None,
                });
            }
        }
    }

    // Screening follow-up interviews for flagged results.
    for r in s.records.iter().filter(|r| facts(r).flagged) {
        needs.push(Need {
            rule: "screening.follow-up",
            kind: ObligationKind::Talk,
            label: Label::Fixed("筛查阳性·回访谈话"),
            since: r.date,
            until: None,
            due: plus(r.date, cad.screening_follow_up_days),
            accept: any_talk,
            not_id: None,
        });
    }

    // Post-crisis follow-ups, counted from the day after the assessment.
    for r in s.records.iter().filter(|r| r.kind == "crisis") {
        for (k, days) in cad.crisis_follow_up_days.iter().enumerate() {
            needs.push(Need {
                rule: "crisis.follow-up",
                kind: ObligationKind::Talk,
                label: Label::CrisisFollowUp(k + 1),
                since: plus(r.date, 1),
                until: None,
                due: plus(r.date, *days),
                accept: any_talk,
                not_id: None,
            });
        }
    }

    // The plan's own review dates (superseded plans are not in the input).
    for r in &s.records {
        for &d in &facts(r).review_dates {
            needs.push(Need {
                rule: "plan.review",
                kind: ObligationKind::PlanReview,
                label: Label::Fixed("一人一策·复核"),
                since: minus(d, cad.plan_review_early_days).max(plus(r.date, 0)),
                until: None,
                due: d,
                accept: plan_or_review,
                not_id: Some(r.id),
            });
        }
    }

    // Return to school: the first return record after each leave starts the three steps.
    let mut open_cycle = true;
    for r in &s.records {
        match facts(r).leave {
            Some(LeaveKind::Leave) => open_cycle = true,
            Some(LeaveKind::Return) if open_cycle => {
                open_cycle = false;
                let due = plus(r.date, cad.return_review_days);
                let steps: [(&str, &str, Accept); 3] = [
                    ("return.certificate", "复学·医院诊断证明", |r| {
                        return_record(r) && facts(r).certificate
                    }),
                    ("return.assessment", "复学·心理评估", |r| {
                        return_record(r) && facts(r).assessed
                    }),
                    ("return.approval", "复学·审批", |r| {
                        return_record(r) && facts(r).approved
                    }),
                ];
                for (rule, label, accept) in steps {
                    needs.push(Need {
                        rule,
                        kind: ObligationKind::ReturnStep,
                        label: Label::Fixed(label),
                        since: r.date,
                        until: None,
                        due,
                        accept,
                        not_id: None,
                    });
                }
            }
            _ => {}
        }
    }

    let Some(sem) = sem.filter(|_| enrolled) else {
        return;
    };
    let through = today.min(sem.end);

    // Whole-school screening 心理普查 in the semester's screening months (000: March and
    // September; 002: at each semester start): one screening record in that window.
    if let Some((first, last)) = screening_window(sem) {
        needs.push(Need {
            rule: "screening.semester",
            kind: ObligationKind::Screening,
            label: Label::Fixed("心理普查·每学期"),
            since: first,
            until: Some(last),
            due: last,
            accept: |r| r.kind == "screening",
            not_id: None,
        });
    }

    // Hospital-diagnosed: the student and the parents every half month.
    if let Some(diag) = s.records.iter().find(|r| facts(r).diagnosed) {
        let from = diag.date.max(sem.start);
        for (start, end) in periods(from, cad.diagnosed_contact_days, through) {
            for (rule, kind, label, accept) in [
                (
                    "diagnosed.student",
                    ObligationKind::Talk,
                    "确诊学生·每半月联系学生",
                    any_talk as Accept,
                ),
                (
                    "diagnosed.parents",
                    ObligationKind::ParentContact,
                    "确诊学生·每半月联系家长",
                    parent_contact as Accept,
                ),
            ] {
                needs.push(Need {
                    rule,
                    kind,
                    label: Label::Fixed(label),
                    since: start,
                    until: Some(end),
                    due: end,
                    accept,
                    not_id: None,
                });
            }
        }
    }

    // Parents: every student's once a semester, key-concern students' twice.
    let key = s.concern_at(through).is_some();
    let parent_rules = [
        (
            "parents.all",
            cad.all_parent_contacts,
            "家长联系·每学期",
            true,
        ),
        (
            "parents.key-concern",
            cad.key_concern_parent_contacts,
            "重点关注学生家长联系·每学期",
            key,
        ),
    ];
    for (rule, n, label, applies) in parent_rules {
        if !applies || n == 0 {
            continue;
        }
        for (k, due) in split_ends(sem.start, sem.end, n).into_iter().enumerate() {
            needs.push(Need {
                rule,
                kind: ObligationKind::ParentContact,
                label: Label::Nth(label, n, k + 1),
                since: sem.start,
                until: Some(sem.end),
                due,
                accept: parent_contact,
                not_id: None,
            });
        }
    }

    // Weekly review of every key-concern student, in the weeks they are on the list.
    let mut week = monday(sem.start);
    while week <= through {
        let due = plus(week, cad.weekly_review_weekday - 1);
        let last = plus(week, 6);
        // On the list at the start of the week or at its end (so far): a student closed 销号
        // mid-week is still reviewed that week.
        let listed = s.concern_at(week).is_some() || s.concern_at(last.min(today)).is_some();
        if listed && !policy.is_holiday(due) {
            needs.push(Need {
                rule: "weekly-review",
                kind: ObligationKind::WeeklyReview,
                label: Label::Fixed("重点关注学生·周研判"),
                since: week,
                until: Some(last),
                due,
                accept: review,
                not_id: None,
            });
        }
        week = plus(week, 7);
    }
}

/// The days of a semester's screening months: from the first day of the earliest month (not before
/// the semester starts) to the last day of the latest.
fn screening_window(sem: &super::policy::Semester) -> Option<(NaiveDate, NaiveDate)> {
    use chrono::Datelike;
    let year_of = |m: u32| {
        if m >= sem.start.month() {
            sem.start.year()
        } else {
            sem.start.year() + 1
        }
    };
    let day1 = |m: u32| NaiveDate::from_ymd_opt(year_of(m), m, 1);
    let lo = sem.screening_months.iter().map(|m| day1(*m)).min()??;
    let hi = sem.screening_months.iter().map(|m| day1(*m)).max()??;
    let last = minus(plus(hi, 31).with_day(1)?, 1);
    Some((lo.max(sem.start), last.min(sem.end)))
}

/// Matches needs to records family by family, sets the status of each, and appends those
/// `select` keeps.
fn resolve(
    today: NaiveDate,
    s: &StudentInput<'_>,
    needs: &mut Vec<Need>,
    select: &Selection,
    scratch: &mut Scratch,
    out: &mut Vec<Obligation>,
) {
    needs.retain(|n| n.since <= today);
    needs.sort_by(|a, b| (a.rule, a.due, a.since).cmp(&(b.rule, b.due, b.since)));
    let used = &mut scratch.used;
    let seen = &mut scratch.seen;
    let texts = &mut scratch.texts;
    used.clear();
    seen.clear();
    let p = s.profile;
    for n in needs.iter() {
        // The same rule, window and due date twice (two plans naming one review day) is one duty.
        if !seen.insert((n.rule, n.since, n.due)) {
            continue;
        }
        let hit = s.records.iter().find(|r| {
            r.date >= n.since
                && n.until.is_none_or(|u| r.date <= u)
                && Some(r.id) != n.not_id
                && (n.accept)(r)
                && !used.contains(&(n.rule, r.id))
        });
        if let Some(r) = hit {
            used.insert((n.rule, r.id));
            if select.keeps(n.due, ObligationStatus::Done) {
                out.push(obligation(
                    p,
                    texts,
                    n,
                    ObligationStatus::Done,
                    Some((r.id, r.date)),
                    None,
                ));
            }
            continue;
        }
        let waiver = s
            .records
            .iter()
            .filter_map(|r| r.facts?.waiver.as_ref())
            .find(|(rule, due, _)| rule.as_str() == n.rule && *due == n.due);
        let status = match waiver {
            Some(_) => ObligationStatus::Waived,
            None if n.due < today => ObligationStatus::Overdue,
            None => ObligationStatus::Due,
        };
        if select.keeps(n.due, status) {
            let reason = waiver.map(|(_, _, reason)| reason.clone());
            out.push(obligation(p, texts, n, status, None, reason));
        }
    }
}

fn obligation(
    p: &StudentProfile,
    texts: &mut Texts,
    n: &Need,
    status: ObligationStatus,
    fulfilled: Option<(i64, NaiveDate)>,
    waived_reason: Option<String>,
) -> Obligation {
    let [student_no, student_name, college, class_name] = texts.student(p);
    Obligation {
        student_no,
        student_name,
        college,
        class_name,
        person: texts.empty(),
        person_name: texts.empty(),
        subject: texts.empty(),
        kind: n.kind,
        rule: texts.rule(n.rule),
        label: texts.label(n.label),
        since: n.since,
        due: n.due,
        status,
        fulfilled_by: fulfilled.map(|(id, _)| id.to_string().into()),
        fulfilled_on: fulfilled.map(|(_, d)| d),
        waived_reason: waived_reason.map(Text::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::policy::Semester;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn must_talk_rule_ids_follow_the_category_names() {
        for c in TalkCategory::ALL {
            assert_eq!(must_talk_rule(c), format!("must-talk.{}", c.as_str()));
        }
    }

    #[test]
    fn screening_windows_span_the_months_within_the_semester() {
        let sem = |start: &str, end: &str, months: Vec<u32>| Semester {
            name: String::new(),
            start: d(start),
            end: d(end),
            screening_months: months,
        };
        assert_eq!(
            screening_window(&sem("2026-08-31", "2027-01-15", vec![9])),
            Some((d("2026-09-01"), d("2026-09-30")))
        );
        // Seed 002 screens at the start of the spring term: February and March, from the start.
        assert_eq!(
            screening_window(&sem("2027-02-22", "2027-07-02", vec![2, 3])),
            Some((d("2027-02-22"), d("2027-03-31")))
        );
        // A month after New Year belongs to the next calendar year.
        assert_eq!(
            screening_window(&sem("2026-08-31", "2027-01-15", vec![1])),
            Some((d("2027-01-01"), d("2027-01-15")))
        );
        assert_eq!(
            screening_window(&sem("2026-08-31", "2027-01-15", vec![])),
            None
        );
    }
}
