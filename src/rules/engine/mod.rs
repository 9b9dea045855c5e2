//! The obligation engine: the policy and a student's records → dated obligations.
//!
//! Pure and deterministic given (today, policy, records): the session feeds it its in-memory index
//! after every write, so the list is always current. Each rule is a family of needs; within a
//! family a record fulfils at most one need (two academic warnings need two talks), and needs are
//! served in order of their due dates by the earliest record in their window.

mod diagnosed;
mod facts;
mod follow_ups;
pub mod fulfil;
mod must_talk;
mod need;
mod semester;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::policy::Policy;
use crate::model::{StudentProfile, StudentStatus};
use need::{Label, Need};

pub use facts::{validate_body, CrisisFact, Facts, RecordInput, StudentInput};
pub use fulfil::{Fulfil, FulfilAction};

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
    /// A counselor's classroom visit 深入课堂 (seed 001).
    ClassroomVisit,
    /// A college's sweep 学期始、学期末摸排 (seed 001).
    Sweep,
    /// The academic calendar runs out: the school must add the next semesters 续订校历.
    Calendar,
    /// A step of a crisis case 危机处置 (response or after-care), due in hours.
    CrisisStep,
    /// A diagnosed student's revisit 复诊 (a reminder on its date).
    Revisit,
    /// An observer's report 观察员报告 waiting in the triage inbox: filed or dismissed.
    Triage,
    /// The file of a student who left school 毕业、退学、转学, handed over to the center (004).
    Handover,
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
    /// Where the rule comes from: a seed article (`000 四（一）3`), `local: <article>` (the seed
    /// asks for the rule, the value is the school's) or `local` (本校设定，非文件规定); see
    /// [`Policy::source_of_rule`].
    #[typeshare(serialized_as = "String")]
    pub source: Text,
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
    /// The time it is due, `YYYY-MM-DD HH:MM`, for duties due in hours (a crisis case's steps);
    /// `due` is its day. Absent for duties due on a day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    /// How a student's obligation is fulfilled (`None` for a network or college duty, whose
    /// activities the network page records).
    #[serde(default)]
    pub fulfil: Option<Fulfil>,
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
    sources: HashMap<&'static str, Text>,
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

    fn source(&mut self, policy: &Policy, r: &'static str) -> Text {
        self.sources
            .entry(r)
            .or_insert_with(|| policy.source_of_rule(r).into())
            .clone()
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
    resolve(policy, today, s, &mut needs, select, scratch, out);
    scratch.needs = needs;
    if policy.crisis.is_some()
        && s.records
            .iter()
            .any(|r| r.kind == "crisis" || r.kind == "crisis_report")
    {
        let from = out.len();
        crate::rules::crisis_case::obligations(policy, today, s.profile, &s.records, out);
        let mut i = from;
        while i < out.len() {
            if select.keeps(out[i].due, out[i].status) {
                i += 1;
            } else {
                out.swap_remove(i);
            }
        }
    }
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

/// Whether an obligation passes a filter (the 学号 normalised once).
pub fn matcher(f: &ObligationFilter) -> impl Fn(&Obligation) -> bool + '_ {
    let sno = f.student_no.as_deref().map(crate::normalize::identifier);
    move |o| passes(o, f, sno.as_deref())
}

/// Whether an obligation passes a filter whose 学号 is `sno`, normalised.
fn passes(o: &Obligation, f: &ObligationFilter, sno: Option<&str>) -> bool {
    f.due_before.is_none_or(|d| o.due < d)
        && sno.is_none_or(|s| *o.student_no == *s)
        && f.person.as_deref().is_none_or(|p| *o.person == *p.trim())
        && (!f.open_only || matches!(o.status, ObligationStatus::Due | ObligationStatus::Overdue))
}

/// The order of the 待办 page and the dashboard: due date, 学号, rule, then [`listing_order`]
/// (a total order, so a page holds the same rows however the list came).
pub fn page_order(a: &Obligation, b: &Obligation) -> std::cmp::Ordering {
    (a.due, &a.student_no, &a.rule)
        .cmp(&(b.due, &b.student_no, &b.rule))
        .then_with(|| listing_order(a, b))
}

/// Puts at `range` the obligations a full sort by `order` would put there, in that order, and
/// leaves the rest unordered: linear on average, where sorting a whole list for one page of it is
/// not. `order` must be total (as [`listing_order`] and [`page_order`] are).
pub fn sort_range<T>(
    list: &mut [T],
    range: std::ops::Range<usize>,
    mut order: impl FnMut(&T, &T) -> std::cmp::Ordering,
) {
    let end = range.end.min(list.len());
    let start = range.start.min(end);
    if end < list.len() {
        list.select_nth_unstable_by(end, &mut order);
    }
    if start > 0 && start < end {
        list[..end].select_nth_unstable_by(start, &mut order);
    }
    list[start..end].sort_unstable_by(order);
}

/// Every need of one student: the must-talks and follow-ups of their records, then the duties of
/// the semester in force. A student on leave 休学 owes no term duty (screening, the parents' term
/// contacts, the weekly review, the freshman talk), neither now nor for the days of an earlier leave
/// (from an approved leave to the approved return); the contacts of a diagnosed student go on, as
/// seed 000 asks that students on leave be kept in touch with (四（一）4–5).
fn needs_of(policy: &Policy, today: NaiveDate, s: &StudentInput<'_>, needs: &mut Vec<Need>) {
    let on_leave = match s.profile.status {
        StudentStatus::Enrolled => false,
        StudentStatus::OnLeave => true,
        _ => return,
    };
    let sem = policy.semester_at(today);
    must_talk::needs(policy, sem, s, needs);
    follow_ups::needs(&policy.cadence, s, needs);
    diagnosed::needs(policy, today, s, needs);
    if let Some(sem) = sem {
        semester::needs(policy, today, sem, s, needs);
    }
    let leaves = crate::rules::leave::periods(s.records.iter().filter_map(|r| {
        let f = r.facts?;
        Some(crate::rules::leave::LeaveMark {
            date: r.date,
            kind: f.leave?,
            certificate: f.certificate,
            assessed: f.assessed,
            approved: f.approved,
        })
    }));
    if on_leave || !leaves.is_empty() {
        needs.retain(|n| {
            !paused_by_leave(n.rule)
                || !(on_leave
                    || leaves
                        .iter()
                        .any(|(from, to)| *from <= n.due && n.due < *to))
        });
    }
}

/// The term duties a leave pauses.
fn paused_by_leave(rule: &str) -> bool {
    matches!(
        rule,
        "screening.semester"
            | "screening.freshman"
            | "parents.all"
            | "parents.key-concern"
            | "weekly-review"
            | "must-talk.freshman"
    )
}

/// Matches needs to records family by family, sets the status of each, and appends those
/// `select` keeps.
fn resolve(
    policy: &Policy,
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
                    policy,
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
            out.push(obligation(p, texts, policy, n, status, None, reason));
        }
    }
}

fn obligation(
    p: &StudentProfile,
    texts: &mut Texts,
    policy: &Policy,
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
        source: texts.source(policy, n.rule),
        since: n.since,
        due: n.due,
        status,
        fulfilled_by: fulfilled.map(|(id, _)| id.to_string().into()),
        fulfilled_on: fulfilled.map(|(_, d)| d),
        waived_reason: waived_reason.map(Text::from),
        due_at: None,
        fulfil: fulfil::of(n.rule, n.until),
    }
}
