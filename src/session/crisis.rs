//! Crisis cases 危机个案 over the in-memory index: the open cases of every student (the dashboard,
//! `crisis list`), a student's cases (the file), and the records that do a step or close a case.
//! The case itself is computed by `rules::crisis_case` from the records; these methods only feed
//! it and check what a step or a closing needs before it is written.

use chrono::NaiveDateTime;

use super::*;
use crate::reason::Reason;
use crate::rules::crisis_case::{self, CrisisCase, Track};
use crate::rules::engine::StudentInput;

impl StudentEntry {
    /// This student's crisis cases, oldest first, from the records not superseded (all dates:
    /// a case is as its records make it).
    fn crisis_tracks(&self, protocol: Option<&crate::rules::crisis::CrisisProtocol>) -> Vec<Track> {
        // Most students never had a crisis: skip building their input (the dashboard asks for
        // every student's cases at 100,000 students).
        if !self
            .heads
            .iter()
            .any(|h| crisis_case::CASE_KINDS.contains(&h.kind.as_str()))
        {
            return Vec::new();
        }
        let mut input = StudentInput {
            profile: &self.profile,
            records: Vec::new(),
        };
        let mut superseded = Vec::new();
        self.fill_rule_input(NaiveDate::MAX, &mut input, &mut superseded);
        crisis_case::tracks(protocol, &input.records)
    }
}

/// Open cases first by level (highest first, a case not yet assessed above all: it is the
/// newest emergency), then by their next due step, then 学号.
fn order(list: &mut [CrisisCase]) {
    list.sort_by(|a, b| {
        let rank = |c: &CrisisCase| c.level.map_or(5, |l| l as u8 + 1);
        rank(b)
            .cmp(&rank(a))
            .then_with(|| {
                let due = |c: &CrisisCase| c.next.as_ref().and_then(|n| n.due_at.clone());
                due(a).cmp(&due(b))
            })
            .then_with(|| a.student_no.cmp(&b.student_no))
    });
}

impl Session {
    /// Every open crisis case at `now`, the most urgent first. Computed in memory from the
    /// record headers; not audited, like the dashboard that shows it.
    pub fn crisis_cases(&self, now: NaiveDateTime) -> Result<Vec<CrisisCase>> {
        let protocol = self.policy()?.crisis;
        let mut list: Vec<CrisisCase> = self
            .students
            .values()
            .filter_map(|s| {
                let tracks = s.crisis_tracks(protocol.as_ref());
                let t = crisis_case::open_track(&tracks)?;
                Some(crisis_case::view(protocol.as_ref(), &s.profile, t, now))
            })
            .collect();
        order(&mut list);
        Ok(list)
    }

    /// A student's crisis cases at `now`, the open one (if any) first, then the closed ones,
    /// newest first.
    pub fn student_crisis_cases(
        &self,
        student_no: &str,
        now: NaiveDateTime,
    ) -> Result<Vec<CrisisCase>> {
        let sid = self.student_id(student_no)?;
        let s = &self.students[&sid];
        let protocol = self.policy()?.crisis;
        Ok(s.crisis_tracks(protocol.as_ref())
            .iter()
            .rev()
            .map(|t| crisis_case::view(protocol.as_ref(), &s.profile, t, now))
            .collect())
    }

    /// Records a step of the student's open case as done at `at` by `by`.
    pub fn record_crisis_step(
        &mut self,
        student_no: &str,
        step: &str,
        at: NaiveDateTime,
        by: &str,
        note: &str,
    ) -> Result<String> {
        let record = NewRecord {
            date: at.date(),
            author: self.actor().to_string(),
            amends: None,
            amend_reason: String::new(),
            body: RecordBody::CrisisStep(CrisisStep {
                step: step.trim().to_string(),
                label: String::new(),
                by: by.trim().to_string(),
                time: Some(at.time()),
                note: note.to_string(),
            }),
        };
        self.add_record(student_no, record)
    }

    /// Closes the student's open case at `at`, with its reason and who approved it.
    pub fn close_crisis(
        &mut self,
        student_no: &str,
        at: NaiveDateTime,
        reason: &str,
        approved_by: &str,
    ) -> Result<String> {
        let record = NewRecord {
            date: at.date(),
            author: self.actor().to_string(),
            amends: None,
            amend_reason: String::new(),
            body: RecordBody::CrisisClose(CrisisClose {
                reason: reason.to_string(),
                approved_by: approved_by.trim().to_string(),
                time: Some(at.time()),
            }),
        };
        self.add_record(student_no, record)
    }

    /// A step record's label, from the student's open case (the policy's words, the organiser
    /// filled in), when the writer left it empty.
    pub(super) fn label_crisis_step(&self, sid: i64, record: &mut NewRecord) -> Result<()> {
        let RecordBody::CrisisStep(step) = &mut record.body else {
            return Ok(());
        };
        if !step.label.trim().is_empty() {
            return Ok(());
        }
        let s = &self.students[&sid];
        let protocol = self.policy()?.crisis;
        let tracks = s.crisis_tracks(protocol.as_ref());
        if let Some(t) = crisis_case::open_track(&tracks) {
            let view = crisis_case::view(protocol.as_ref(), &s.profile, t, NaiveDateTime::MIN);
            if let Some(v) = view.steps.iter().find(|v| v.key == step.step.trim()) {
                step.label = v.label.clone();
            }
        }
        Ok(())
    }

    /// What a crisis record needs beyond its own fields, checked before it is written (by
    /// `add_record`, so the app, the command line and `record add` refuse alike): a step or a
    /// closing needs an open case, and a step one the policy's protocol names.
    pub(super) fn check_crisis_record(&self, sid: i64, record: &NewRecord) -> Result<()> {
        if record.amends.is_some() {
            return Ok(());
        }
        let step = match &record.body {
            RecordBody::CrisisStep(c) => Some(c.step.trim()),
            RecordBody::CrisisClose(_) => None,
            _ => return Ok(()),
        };
        let protocol = self.policy()?.crisis;
        if let Some(key) = step {
            if protocol.as_ref().and_then(|p| p.step(key)).is_none() {
                return Err(Error::refused("step", Reason::CrisisStepUnknown));
            }
        }
        let tracks = self.students[&sid].crisis_tracks(protocol.as_ref());
        let open = crisis_case::open_track(&tracks)
            .ok_or(Error::refused("student", Reason::CrisisNoOpenCase))?;
        let time = match &record.body {
            RecordBody::CrisisStep(c) => c.time,
            RecordBody::CrisisClose(c) => c.time,
            _ => None,
        };
        if record.date.and_time(time.unwrap_or(chrono::NaiveTime::MIN)) < open.opened {
            return Err(Error::refused("date", Reason::CrisisBeforeCase));
        }
        Ok(())
    }
}
