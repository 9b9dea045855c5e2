//! The crisis case 危机个案: opened by a first report 危机初报 or an assessment 危机评估, graded by
//! each assessment, ended by a closing record 结案. It owes the response steps the policy's
//! protocol names for its level, each due in hours after the record that requires it, and after
//! the response the after-care steps; a `crisis_step` record does a step. Pure: computed from a
//! student's record headers and the policy, like the obligations (nothing about a case is stored
//! but its records).
//!
//! Re-grading: steps done stay done; steps the new level requires that the case did not owe are
//! due from the new assessment; steps owed and not done that the new level does not require drop.
//! A closed case stays in the file and owes nothing.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::crisis::{CrisisProtocol, CrisisStepRule, ASSESSMENT_STEP};
use super::engine::{Obligation, ObligationKind, ObligationStatus, RecordInput};
use super::policy::Policy;
use crate::model::{CrisisLevel, StudentProfile};

/// The record kinds a crisis case reads.
pub const CASE_KINDS: [&str; 4] = ["crisis_report", "crisis", "crisis_step", "crisis_close"];

/// How a time is written in cases and obligations: local wall-clock time to the minute.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M";

/// Where a step of a case stands at the moment asked.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStepStatus {
    /// Owed, due time not passed.
    Due,
    /// Owed, due time passed.
    Overdue,
    /// Done by a `crisis_step` record (or, for the assessment, by the assessment).
    Done,
    /// Offered, not owed: done where the situation calls for it.
    Offered,
    /// After-care not yet started: the response still owes a step.
    Waiting,
}

/// One step of a case as the file and the dashboard show it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStep {
    /// The step's key (what `crisis step --step` takes), or `assessment`.
    pub key: String,
    /// What is done, in Chinese, with the level's organiser filled in.
    pub label: String,
    /// Who does it.
    pub who: String,
    /// An after-care step 后续工作 rather than a response step.
    pub aftercare: bool,
    /// Where it stands.
    pub status: CaseStepStatus,
    /// When it is due, `YYYY-MM-DD HH:MM` (owed steps only).
    pub due_at: Option<String>,
    /// When it was done.
    pub done_at: Option<String>,
    /// Who did it.
    pub done_by: String,
    /// The record that did it.
    pub record: Option<String>,
}

/// A crisis case of a student, as the student file and the dashboard show it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisCase {
    /// 学号
    pub student_no: String,
    /// 姓名
    pub student_name: String,
    /// 学院
    pub college: String,
    /// 班级
    pub class_name: String,
    /// The record that opened it (a first report or an assessment).
    pub id: String,
    /// When it was opened, `YYYY-MM-DD HH:MM`.
    pub opened_at: String,
    /// The day of its latest grading (or of its opening, if not yet assessed).
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// Level A–D of the latest assessment; none while only reported.
    pub level: Option<CrisisLevel>,
    /// Who organises the response at this level (002 第十二条（三）); empty when the policy names
    /// none per level.
    pub organiser: String,
    /// Who supports it.
    pub support: String,
    /// The emergency plan of this level, else the school's crisis plan.
    pub plan: String,
    /// Whether the policy names response steps at all (if not, the app says so).
    pub protocol: bool,
    /// The response steps, then the after-care steps: owed, offered, and done.
    pub steps: Vec<CaseStep>,
    /// The next owed step not done, the soonest due (what the dashboard shows).
    pub next: Option<CaseStep>,
    /// When it was closed, `YYYY-MM-DD HH:MM`; none while open.
    pub closed_at: Option<String>,
    /// Who approved the closing.
    pub closed_approved_by: String,
    /// The closing record.
    pub closed_by: Option<String>,
}

/// A step owed by a case: since when, due when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed {
    /// The step's key.
    pub key: String,
    /// The record that made it owed.
    pub since: NaiveDateTime,
    /// Due.
    pub due: NaiveDateTime,
}

/// A step done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// The step's key.
    pub key: String,
    /// When.
    pub at: NaiveDateTime,
    /// By whom.
    pub by: String,
    /// The record.
    pub id: i64,
}

/// A case as its records make it, before it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    /// The opening record.
    pub id: i64,
    /// When it was opened.
    pub opened: NaiveDateTime,
    /// The latest grading (or the opening).
    pub graded: NaiveDateTime,
    /// The level of the latest assessment.
    pub level: Option<CrisisLevel>,
    /// Response steps owed at the current level (and the assessment a report owes).
    pub owed: Vec<Owed>,
    /// Steps done, first record per step.
    pub done: Vec<Done>,
    /// The closing: when, record, approved by.
    pub closed: Option<(NaiveDateTime, i64, String)>,
}

/// When a record happened: its day at its time (the start of the day when it has none).
pub fn moment(r: &RecordInput<'_>) -> NaiveDateTime {
    let time = r
        .facts
        .and_then(|f| f.crisis.as_ref())
        .and_then(|c| c.time)
        .unwrap_or(NaiveTime::MIN);
    r.date.and_time(time)
}

fn plus_hours(t: NaiveDateTime, hours: u32) -> NaiveDateTime {
    t.checked_add_signed(TimeDelta::hours(i64::from(hours)))
        .unwrap_or(t)
}

fn show(t: NaiveDateTime) -> String {
    t.format(TIME_FORMAT).to_string()
}

impl Track {
    fn open(id: i64, at: NaiveDateTime) -> Self {
        Track {
            id,
            opened: at,
            graded: at,
            level: None,
            owed: Vec::new(),
            done: Vec::new(),
            closed: None,
        }
    }

    /// The step `key` done, if it is.
    pub fn done(&self, key: &str) -> Option<&Done> {
        self.done.iter().find(|d| d.key == key)
    }

    /// Sets the level the case is graded at `at` and what the response then owes.
    fn grade(&mut self, p: Option<&CrisisProtocol>, level: Option<CrisisLevel>, at: NaiveDateTime) {
        self.level = level;
        self.graded = at;
        let Some(p) = p else { return };
        let wanted: Vec<&CrisisStepRule> = p
            .response
            .iter()
            .filter(|s| !s.offered && s.applies(level))
            .collect();
        let done = self.done.clone();
        self.owed.retain(|o| {
            o.key == ASSESSMENT_STEP
                || wanted.iter().any(|s| s.key == o.key)
                || done.iter().any(|d| d.key == o.key)
        });
        for s in wanted {
            if !self.owed.iter().any(|o| o.key == s.key) {
                self.owed.push(Owed {
                    key: s.key.clone(),
                    since: at,
                    due: plus_hours(at, s.hours),
                });
            }
        }
    }

    /// When the after-care starts: once assessed, at the last response step owed done (or the
    /// grading, if none is owed); none while a response step is owed and not done.
    pub fn aftercare_from(&self) -> Option<NaiveDateTime> {
        self.level?;
        let mut from = self.graded;
        for o in &self.owed {
            from = from.max(self.done(&o.key)?.at);
        }
        Some(from)
    }

    /// The after-care steps owed: (rule, since, due).
    pub fn aftercare_owed<'p>(
        &self,
        p: &'p CrisisProtocol,
    ) -> Vec<(&'p CrisisStepRule, NaiveDateTime, NaiveDateTime)> {
        let Some(from) = self.aftercare_from() else {
            return Vec::new();
        };
        p.aftercare
            .iter()
            .filter(|s| !s.offered && s.applies(self.level))
            .map(|s| (s, from, plus_hours(from, s.hours)))
            .collect()
    }
}

/// Every crisis case of one student, oldest first, from their records (not superseded).
pub fn tracks(protocol: Option<&CrisisProtocol>, records: &[RecordInput<'_>]) -> Vec<Track> {
    let mut order: Vec<&RecordInput<'_>> = records
        .iter()
        .filter(|r| CASE_KINDS.contains(&r.kind))
        .collect();
    // Stable: two records of one moment keep the order they were written in.
    order.sort_by_key(|r| moment(r));
    let assess_hours = protocol.map_or(0, |p| p.assess_hours);
    let mut out = Vec::new();
    let mut open: Option<Track> = None;
    for r in order {
        let at = moment(r);
        match r.kind {
            "crisis_report" if open.is_none() => {
                let mut t = Track::open(r.id, at);
                if assess_hours > 0 {
                    t.owed.push(Owed {
                        key: ASSESSMENT_STEP.into(),
                        since: at,
                        due: plus_hours(at, assess_hours),
                    });
                }
                t.grade(protocol, None, at);
                open = Some(t);
            }
            "crisis" => {
                let t = open.get_or_insert_with(|| Track::open(r.id, at));
                if t.done(ASSESSMENT_STEP).is_none() {
                    t.done.push(Done {
                        key: ASSESSMENT_STEP.into(),
                        at,
                        by: String::new(),
                        id: r.id,
                    });
                }
                t.grade(protocol, r.crisis, at);
            }
            "crisis_step" => {
                if let (Some(t), Some(f)) = (open.as_mut(), r.facts.and_then(|f| f.crisis.as_ref()))
                {
                    if t.done(&f.step).is_none() {
                        t.done.push(Done {
                            key: f.step.clone(),
                            at,
                            by: f.by.clone(),
                            id: r.id,
                        });
                    }
                }
            }
            "crisis_close" => {
                if let Some(mut t) = open.take() {
                    let by = r
                        .facts
                        .and_then(|f| f.crisis.as_ref())
                        .map(|c| c.by.clone())
                        .unwrap_or_default();
                    t.closed = Some((at, r.id, by));
                    out.push(t);
                }
            }
            _ => {}
        }
    }
    out.extend(open);
    out
}

/// The open case among a student's cases, if any.
pub fn open_track(tracks: &[Track]) -> Option<&Track> {
    tracks.last().filter(|t| t.closed.is_none())
}

/// A step's label with the level's organiser filled in.
fn label(rule: &CrisisStepRule, organiser: &str) -> String {
    let who = if organiser.is_empty() {
        "本级危机处置组织者"
    } else {
        organiser
    };
    rule.label.replace("{organiser}", who)
}

/// The label of the assessment a first report owes.
const ASSESSMENT_LABEL: &str = "危机评估定级";

/// How a case looks at `now`: its steps with their status, the next one, the closing.
pub fn view(
    protocol: Option<&CrisisProtocol>,
    profile: &StudentProfile,
    t: &Track,
    now: NaiveDateTime,
) -> CrisisCase {
    let rule = t.level.and_then(|l| protocol.and_then(|p| p.level(l)));
    let organiser = rule.map(|r| r.organiser.clone()).unwrap_or_default();
    let status = |due: NaiveDateTime, done: Option<&Done>| match done {
        Some(_) => CaseStepStatus::Done,
        None if due < now => CaseStepStatus::Overdue,
        None => CaseStepStatus::Due,
    };
    let step = |key: &str, label: String, who: String, aftercare: bool| {
        let done = t.done(key);
        CaseStep {
            key: key.to_string(),
            label,
            who,
            aftercare,
            status: if done.is_some() {
                CaseStepStatus::Done
            } else {
                CaseStepStatus::Offered
            },
            due_at: None,
            done_at: done.map(|d| show(d.at)),
            done_by: done.map(|d| d.by.clone()).unwrap_or_default(),
            record: done.map(|d| d.id.to_string()),
        }
    };
    let mut steps = Vec::new();
    // The assessment a first report owes.
    if let Some(o) = t.owed.iter().find(|o| o.key == ASSESSMENT_STEP) {
        let mut s = step(
            ASSESSMENT_STEP,
            ASSESSMENT_LABEL.to_string(),
            String::new(),
            false,
        );
        s.status = status(o.due, t.done(ASSESSMENT_STEP));
        s.due_at = Some(show(o.due));
        steps.push(s);
    }
    let aftercare = protocol.map(|p| t.aftercare_owed(p)).unwrap_or_default();
    if let Some(p) = protocol {
        for r in &p.response {
            let owed = t.owed.iter().find(|o| o.key == r.key);
            let done = t.done(&r.key);
            if owed.is_none() && done.is_none() && !(r.offered && r.applies(t.level)) {
                continue;
            }
            let mut s = step(&r.key, label(r, &organiser), r.who.clone(), false);
            if let Some(o) = owed {
                s.status = status(o.due, done);
                s.due_at = Some(show(o.due));
            }
            steps.push(s);
        }
        for r in &p.aftercare {
            let owed = aftercare.iter().find(|(a, _, _)| a.key == r.key);
            let done = t.done(&r.key);
            if !r.applies(t.level) && done.is_none() {
                continue;
            }
            let mut s = step(&r.key, label(r, &organiser), r.who.clone(), true);
            match owed {
                Some((_, _, due)) => {
                    s.status = status(*due, done);
                    s.due_at = Some(show(*due));
                }
                None if done.is_none() && !r.offered => s.status = CaseStepStatus::Waiting,
                None => {}
            }
            steps.push(s);
        }
    }
    let next = steps
        .iter()
        .filter(|s| matches!(s.status, CaseStepStatus::Due | CaseStepStatus::Overdue))
        .min_by(|a, b| a.due_at.cmp(&b.due_at))
        .cloned();
    let plan = rule
        .map(|r| r.plan.clone())
        .filter(|p| !p.is_empty())
        .or_else(|| protocol.map(|p| p.plan.clone()))
        .unwrap_or_default();
    CrisisCase {
        student_no: profile.student_no.clone(),
        student_name: profile.name.clone(),
        college: profile.college.clone(),
        class_name: profile.class_name.clone(),
        id: t.id.to_string(),
        opened_at: show(t.opened),
        date: t.graded.date(),
        level: t.level,
        organiser,
        support: rule.map(|r| r.support.clone()).unwrap_or_default(),
        plan,
        protocol: protocol.is_some_and(|p| !p.response.is_empty() || !p.aftercare.is_empty()),
        steps,
        next,
        closed_at: t.closed.as_ref().map(|c| show(c.0)),
        closed_approved_by: t.closed.as_ref().map(|c| c.2.clone()).unwrap_or_default(),
        closed_by: t.closed.as_ref().map(|c| c.1.to_string()),
    }
}

/// The obligations of a student's open case on `today`: each response step owed and each
/// after-care step started, due on the day of its due time (`due_at` has the time). Rule ids:
/// `crisis.step.<key>`, `crisis.after.<key>`, `crisis.assessment`. A closed case owes nothing.
pub fn obligations(
    policy: &Policy,
    today: NaiveDate,
    profile: &StudentProfile,
    records: &[RecordInput<'_>],
    out: &mut Vec<Obligation>,
) {
    let protocol = policy.crisis.as_ref();
    let all = tracks(protocol, records);
    let Some(t) = open_track(&all) else { return };
    let Some(p) = protocol else { return };
    let organiser = t
        .level
        .and_then(|l| p.level(l))
        .map(|r| r.organiser.as_str())
        .unwrap_or("");
    let waived = |rule: &str, due: NaiveDate| {
        records
            .iter()
            .filter_map(|r| r.facts?.waiver.as_ref())
            .find(|(w, d, _)| w == rule && *d == due)
            .map(|(_, _, reason)| reason.clone())
    };
    let mut push = |rule: String,
                    label: String,
                    source: &str,
                    since: NaiveDateTime,
                    due: NaiveDateTime,
                    key: &str| {
        let done = t.done(key);
        let reason = if done.is_none() {
            waived(&rule, due.date())
        } else {
            None
        };
        let status = match (done, &reason) {
            (Some(_), _) => ObligationStatus::Done,
            (None, Some(_)) => ObligationStatus::Waived,
            (None, None) if due.date() < today => ObligationStatus::Overdue,
            (None, None) => ObligationStatus::Due,
        };
        out.push(Obligation {
            student_no: profile.student_no.as_str().into(),
            student_name: profile.name.as_str().into(),
            college: profile.college.as_str().into(),
            class_name: profile.class_name.as_str().into(),
            person: "".into(),
            person_name: "".into(),
            subject: "".into(),
            kind: ObligationKind::CrisisStep,
            rule: rule.as_str().into(),
            label: label.into(),
            source: source.into(),
            since: since.date(),
            due: due.date(),
            status,
            fulfilled_by: done.map(|d| d.id.to_string().into()),
            fulfilled_on: done.map(|d| d.at.date()),
            waived_reason: reason.map(Into::into),
            due_at: Some(show(due)),
            fulfil: crate::rules::engine::fulfil::of(&rule, None),
        });
    };
    for o in &t.owed {
        if o.key == ASSESSMENT_STEP {
            push(
                "crisis.assessment".into(),
                format!("危机处置·{ASSESSMENT_LABEL}"),
                policy.source_of_field("crisis.assess_hours"),
                o.since,
                o.due,
                ASSESSMENT_STEP,
            );
            continue;
        }
        let Some((i, r)) = p.response.iter().enumerate().find(|(_, r)| r.key == o.key) else {
            continue;
        };
        push(
            format!("crisis.step.{}", r.key),
            format!("危机处置·{}", label(r, organiser)),
            policy.source_of_field(&format!("crisis.response[{i}].hours")),
            o.since,
            o.due,
            &r.key,
        );
    }
    for (r, since, due) in t.aftercare_owed(p) {
        let i = p.aftercare.iter().position(|a| a.key == r.key).unwrap_or(0);
        push(
            format!("crisis.after.{}", r.key),
            format!("危机后续·{}", label(r, organiser)),
            policy.source_of_field(&format!("crisis.aftercare[{i}].hours")),
            since,
            due,
            &r.key,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::engine::{CrisisFact, Facts};

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, TIME_FORMAT).unwrap()
    }

    /// A crisis record of `kind` at `when` (a step's key and who in `step`, `by`).
    fn fact(when: &str, step: &str, by: &str) -> Facts {
        Facts {
            crisis: Some(CrisisFact {
                time: Some(at(when).time()),
                step: step.into(),
                by: by.into(),
            }),
            ..Facts::default()
        }
    }

    fn input<'a>(
        id: i64,
        kind: &'a str,
        when: &str,
        level: Option<CrisisLevel>,
        f: &'a Facts,
    ) -> RecordInput<'a> {
        RecordInput {
            id,
            date: at(when).date(),
            kind,
            category: None,
            concern: None,
            concern_until: None,
            crisis: level,
            facts: Some(f),
        }
    }

    fn profile() -> StudentProfile {
        StudentProfile {
            student_no: "2025000001".into(),
            name: "张三".into(),
            ..StudentProfile::default()
        }
    }

    fn owed(t: &Track) -> Vec<(&str, String)> {
        t.owed
            .iter()
            .map(|o| (o.key.as_str(), show(o.due)))
            .collect()
    }

    #[test]
    fn an_assessment_opens_a_case_owing_its_levels_steps_in_hours() {
        let p = Policy::preset("002").unwrap();
        let f = fact("2026-11-24 09:30", "", "");
        let records = [input(
            1,
            "crisis",
            "2026-11-24 09:30",
            Some(CrisisLevel::C),
            &f,
        )];
        let tracks = tracks(p.crisis.as_ref(), &records);
        assert_eq!(tracks.len(), 1);
        assert_eq!(
            owed(&tracks[0]),
            [
                ("report", "2026-11-24 11:30".to_string()),
                ("watch", "2026-11-24 10:30".to_string()),
                ("parents", "2026-11-24 21:30".to_string()),
                ("referral", "2026-11-25 09:30".to_string()),
            ]
        );
        let v = view(
            p.crisis.as_ref(),
            &profile(),
            &tracks[0],
            at("2026-11-24 11:00"),
        );
        assert_eq!(v.level, Some(CrisisLevel::C));
        assert_eq!(v.next.as_ref().map(|s| s.key.as_str()), Some("watch"));
        assert_eq!(
            v.next.as_ref().map(|s| s.status),
            Some(CaseStepStatus::Overdue)
        );
        assert!(v
            .steps
            .iter()
            .any(|s| s.key == "filing" && s.status == CaseStepStatus::Waiting));
    }

    #[test]
    fn regrading_keeps_done_steps_adds_new_ones_and_drops_the_rest() {
        let p = Policy::preset("002").unwrap();
        let b = fact("2026-11-24 08:00", "", "");
        let s = fact("2026-11-24 09:00", "report", "王老师");
        let c = fact("2026-11-24 14:00", "", "");
        let a = fact("2026-11-25 09:00", "", "");
        let records = [
            input(1, "crisis", "2026-11-24 08:00", Some(CrisisLevel::B), &b),
            input(2, "crisis_step", "2026-11-24 09:00", None, &s),
            input(3, "crisis", "2026-11-24 14:00", Some(CrisisLevel::C), &c),
        ];
        let t = &tracks(p.crisis.as_ref(), &records)[0];
        assert_eq!(
            owed(t),
            [
                ("report", "2026-11-24 10:00".to_string()),
                ("watch", "2026-11-24 09:00".to_string()),
                ("parents", "2026-11-24 20:00".to_string()),
                ("referral", "2026-11-25 14:00".to_string()),
            ]
        );
        let mut down = records.to_vec();
        down.push(input(
            4,
            "crisis",
            "2026-11-25 09:00",
            Some(CrisisLevel::A),
            &a,
        ));
        let all = tracks(p.crisis.as_ref(), &down);
        assert_eq!(all.len(), 1, "a re-grading is the same case");
        assert_eq!(owed(&all[0]), [("report", "2026-11-24 10:00".to_string())]);
        assert_eq!(all[0].done("report").map(|d| d.by.as_str()), Some("王老师"));
    }

    #[test]
    fn a_report_owes_the_assessment_and_a_closing_ends_the_case() {
        let p = Policy::preset("001").unwrap();
        let r = fact("2026-11-24 01:10", "", "");
        let c = fact("2026-11-24 03:00", "", "");
        let close = fact("2026-11-26 10:00", "", "学工部");
        let again = fact("2026-12-01 09:00", "", "");
        let records = [
            input(1, "crisis_report", "2026-11-24 01:10", None, &r),
            input(2, "crisis", "2026-11-24 03:00", Some(CrisisLevel::C), &c),
            input(3, "crisis_close", "2026-11-26 10:00", None, &close),
            input(
                4,
                "crisis",
                "2026-12-01 09:00",
                Some(CrisisLevel::B),
                &again,
            ),
        ];
        let first = tracks(p.crisis.as_ref(), &records[..1]);
        assert_eq!(
            owed(&first[0]).iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ["assessment", "on-site", "report"]
        );
        let all = tracks(p.crisis.as_ref(), &records);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].done(ASSESSMENT_STEP).map(|d| d.id), Some(2));
        assert_eq!(all[0].closed.as_ref().map(|c| c.2.as_str()), Some("学工部"));
        assert!(open_track(&all).is_some_and(|t| t.id == 4));
        // The closed case owes nothing; the open one does.
        let mut out = Vec::new();
        obligations(
            &p,
            at("2026-11-27 00:00").date(),
            &profile(),
            &records[..3],
            &mut out,
        );
        assert!(out.is_empty());
        obligations(
            &p,
            at("2026-12-01 00:00").date(),
            &profile(),
            &records,
            &mut out,
        );
        assert!(out.iter().all(|o| o.since == at("2026-12-01 00:00").date()));
        assert!(out.iter().any(|o| &*o.rule == "crisis.step.watch"));
    }

    #[test]
    fn the_presets_steps_are_checked() {
        let text = crate::rules::PRESETS[2]
            .1
            .replacen("key = \"watch\"", "key = \"report\"", 1);
        assert!(Policy::parse(&text).is_err());
        let text = crate::rules::PRESETS[2]
            .1
            .replacen("\nhours = 24\n", "\nhours = 0\n", 1);
        assert!(Policy::parse(&text).is_err());
        for id in ["000", "003", "004"] {
            let p = Policy::preset(id).unwrap();
            assert!(p.crisis.is_none_or(|c| c.response.is_empty()), "{id}");
        }
    }
}
