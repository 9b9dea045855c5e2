//! The session's side of the rules: the sealed settings table (the policy in force) and the
//! obligations computed from the in-memory index.

use std::sync::Arc;

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};

use super::index::StudentEntry;
use super::Session;
use crate::audit::AuditAction;
use crate::crypto::{self, Binding, Key};
use crate::error::{Error, Result};
use crate::model::StudentProfile;
use crate::rules::engine::{self, RecordInput, Scratch, Selection, StudentInput};
use crate::rules::policy::{Policy, DEFAULT_PRESET, PRESETS};
use crate::rules::{Obligation, ObligationFilter};

/// Row ids of the `settings` table: each value has a fixed row, bound in its AAD.
pub(crate) mod setting {
    /// The policy file in force (TOML text).
    pub const POLICY: i64 = 1;
    /// The four-level network: people and liaisons (JSON).
    pub const NETWORK: i64 = 2;
    /// The network's activities and waivers (JSON).
    pub const NETWORK_LOG: i64 = 3;
    /// The signed weekly review meetings (JSON).
    pub const REVIEWS: i64 = 4;
    /// The reports exported (submitted), for the monthly report duty (JSON).
    pub const REPORT_LOG: i64 = 5;
    /// The triage inbox of observers' reports (JSON, src/session/inbox.rs).
    pub const INBOX: i64 = 6;
}

fn settings_binding(archive: &[u8; 16], row: i64, version: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "settings",
        row,
        student: 0,
        version,
    }
}

impl Session {
    fn settings_key(&self) -> Key {
        crypto::subkey(&self.keys.master, &self.id, "settings")
    }

    /// A sealed setting's bytes, if stored.
    pub(crate) fn setting(&self, row: i64) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>> {
        let found: Option<(i64, Vec<u8>)> = self
            .db
            .query_row(
                "SELECT version, value FROM settings WHERE id = ?1",
                [row],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((version, sealed)) = found else {
            return Ok(None);
        };
        let plain = crypto::open(
            &self.settings_key(),
            &settings_binding(&self.id, row, version),
            &sealed,
            "a setting",
        )?;
        Ok(Some(plain))
    }

    /// Seals and stores a setting, in one transaction with its audit entry.
    pub(crate) fn put_setting(&mut self, row: i64, value: &[u8], detail: &str) -> Result<()> {
        self.write(AuditAction::Write, None, detail.to_string(), |tx, me| {
            me.put_setting_in(tx, row, value)
        })
    }

    /// Seals and stores a setting inside a running transaction.
    pub(crate) fn put_setting_in(
        &self,
        tx: &rusqlite::Connection,
        row: i64,
        value: &[u8],
    ) -> Result<()> {
        let version: i64 = tx
            .query_row("SELECT version FROM settings WHERE id = ?1", [row], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0)
            + 1;
        let sealed = crypto::seal(
            &self.settings_key(),
            &settings_binding(&self.id, row, version),
            value,
        );
        tx.execute(
            "INSERT INTO settings (id, version, value) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET version = excluded.version, value = excluded.value",
            params![row, version, sealed],
        )?;
        Ok(())
    }

    /// A setting holding JSON, or the default when not stored yet.
    pub(crate) fn json_setting<T: serde::de::DeserializeOwned + Default>(
        &self,
        row: i64,
    ) -> Result<T> {
        match self.setting(row)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|_| Error::Tamper("a setting")),
            None => Ok(T::default()),
        }
    }

    /// The text of the policy in force: the stored one, else the default preset.
    pub fn policy_text(&self) -> Result<String> {
        match self.setting(setting::POLICY)? {
            Some(bytes) => {
                String::from_utf8(bytes.to_vec()).map_err(|_| Error::Tamper("a setting"))
            }
            None => Ok(PRESETS
                .iter()
                .find(|(id, _)| *id == DEFAULT_PRESET)
                .map(|(_, t)| t.to_string())
                .unwrap_or_default()),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> Result<Policy> {
        Policy::parse(&self.policy_text()?)
    }

    /// Replaces the policy in force. A file that fails validation is refused with its line and
    /// field, and the archive keeps the last good one.
    pub fn set_policy(&mut self, text: &str) -> Result<Policy> {
        let policy = Policy::parse(text)?;
        self.put_setting(setting::POLICY, text.as_bytes(), "policy")?;
        Ok(policy)
    }

    /// Every obligation on `today` under the policy in force, filtered; computed from the
    /// in-memory index, so current after every write. Records dated after `today` and records
    /// superseded by an amendment do not count. The students' and the network people's, sorted
    /// by due date, then student or person, rule and subject.
    pub fn obligations(
        &self,
        today: NaiveDate,
        filter: &ObligationFilter,
    ) -> Result<Vec<Obligation>> {
        let mut list = self.obligations_unsorted(&self.policy()?, today, filter)?;
        // Unstable (no buffer of half the list, tens of MB at 100,000 students) on an order
        // that ties only identical obligations, so the result is the stable sort's.
        list.sort_unstable_by(engine::listing_order);
        Ok(list)
    }

    /// As [`Session::obligations`] under `policy` (the policy in force), in no order: for what
    /// counts them or shows a page of them ([`engine::sort_range`]), sorting a hundred thousand
    /// rows for fifty is wasted.
    pub(crate) fn obligations_unsorted(
        &self,
        policy: &Policy,
        today: NaiveDate,
        filter: &ObligationFilter,
    ) -> Result<Vec<Obligation>> {
        let keep = engine::matcher(filter);
        Ok(self
            .obligation_sources(policy, today, filter)?
            .iter()
            .flat_map(|list| list.iter())
            .filter(|o| keep(o))
            .cloned()
            .collect())
    }

    /// The lists the obligations on `today` come from: the students', the network's and the
    /// colleges' duties, the inbox's and the handovers'. Unfiltered (the kept ones are shared),
    /// but for a filter on one student, which computes that student's alone; apply
    /// [`engine::matcher`] to what they hold.
    pub(crate) fn obligation_sources(
        &self,
        policy: &Policy,
        today: NaiveDate,
        filter: &ObligationFilter,
    ) -> Result<[Arc<Vec<Obligation>>; 4]> {
        // The network's and the colleges' duties carry no student: a filter on one student keeps
        // none of them, and computing them (every dorm's visits, every class's meetings) took a
        // second at 30,000 students for the few lines of one student's file.
        let one_student = filter
            .student_no
            .as_deref()
            .is_some_and(|s| !crate::normalize::identifier(s).is_empty());
        let (students, duties) = if one_student {
            (
                Arc::new(self.compute_students_obligations(policy, today, filter)),
                Arc::default(),
            )
        } else {
            (
                self.students_obligations(policy, today),
                self.duties(policy, today)?,
            )
        };
        Ok([
            students,
            duties,
            Arc::new(self.inbox_obligations(policy, today)?),
            Arc::new(self.handover_obligations(policy, today)?),
        ])
    }

    /// The students' obligations on `today` that `filter` may keep (its 学号, due date and open
    /// status), computed.
    pub(super) fn compute_students_obligations(
        &self,
        policy: &Policy,
        today: NaiveDate,
        filter: &ObligationFilter,
    ) -> Vec<Obligation> {
        let select = Selection::new(filter);
        let students: Vec<&StudentEntry> = self
            .students
            .values()
            .filter(|s| select.wants(&s.profile))
            .collect();
        // Each student's obligations are their own: a large school's are computed on every core
        // (at unlock the dashboard waits for them).
        let parts = if students.len() < 2_000 {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
        };
        in_parts(policy, today, &students, &select, parts)
    }

    /// Every student's profile.
    pub(crate) fn profiles(&self) -> Vec<&StudentProfile> {
        self.students.values().map(|s| &s.profile).collect()
    }

    /// The students as the engine sees them.
    pub(crate) fn rule_inputs(&self, today: NaiveDate) -> Vec<StudentInput<'_>> {
        let mut superseded = Vec::new();
        self.students
            .values()
            .map(|s| {
                let mut input = StudentInput {
                    profile: &s.profile,
                    records: Vec::new(),
                };
                s.fill_rule_input(today, &mut input, &mut superseded);
                input
            })
            .collect()
    }
}

impl super::StudentEntry {
    /// Makes `input` this student as the engine sees it on `today`, reusing its buffer: records
    /// dated after `today` and records superseded by an amendment left out.
    pub(super) fn fill_rule_input<'a>(
        &'a self,
        today: NaiveDate,
        input: &mut StudentInput<'a>,
        superseded: &mut Vec<i64>,
    ) {
        superseded.clear();
        superseded.extend(self.heads.iter().filter_map(|h| h.amends()));
        input.profile = &self.profile;
        input.records.clear();
        input.records.extend(
            self.heads
                .iter()
                .filter(|h| h.date <= today && !superseded.contains(&h.id))
                .map(|h| RecordInput {
                    id: h.id,
                    date: h.date,
                    kind: &h.kind,
                    category: h.category,
                    concern: h.concern,
                    concern_until: h.concern_until,
                    crisis: h.crisis,
                    facts: h.facts.as_deref(),
                }),
        );
    }
}

/// The obligations of `students` that `select` keeps, computed in `parts` threads (each part in
/// the order of the list, the parts in order: the result does not depend on `parts`).
fn in_parts(
    policy: &Policy,
    today: NaiveDate,
    students: &[&StudentEntry],
    select: &Selection,
    parts: usize,
) -> Vec<Obligation> {
    if parts <= 1 {
        return students_obligations(policy, today, students, select);
    }
    let per = students.len().div_ceil(parts).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = students
            .chunks(per)
            .map(|part| scope.spawn(|| students_obligations(policy, today, part, select)))
            .collect();
        let mut list = Vec::new();
        for handle in handles {
            match handle.join() {
                Ok(mut part) => list.append(&mut part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        list
    })
}

/// The obligations of `students` that `select` keeps, one student at a time through reused
/// buffers, building only the obligations kept.
fn students_obligations(
    policy: &Policy,
    today: NaiveDate,
    students: &[&StudentEntry],
    select: &Selection,
) -> Vec<Obligation> {
    let mut list = Vec::new();
    let mut scratch = Scratch::default();
    let mut input = StudentInput {
        profile: &StudentProfile::default(),
        records: Vec::new(),
    };
    let mut superseded = Vec::new();
    for s in students {
        s.fill_rule_input(today, &mut input, &mut superseded);
        engine::compute_student(policy, today, &input, select, &mut scratch, &mut list);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SiteKind;
    use crate::session::test_archive::archive;

    #[test]
    fn the_obligations_computed_in_parts_are_those_computed_in_one() {
        let (_dir, s) = archive(SiteKind::College, 150);
        let policy = s.policy().expect("policy");
        let today = chrono::Local::now().date_naive();
        let select = Selection::new(&ObligationFilter::default());
        let students: Vec<&StudentEntry> = s.students.values().collect();
        let one = in_parts(&policy, today, &students, &select, 1);
        assert!(one.len() > students.len(), "every student owes something");
        for parts in [2, 3, 4, 7, 150, 400] {
            assert_eq!(in_parts(&policy, today, &students, &select, parts), one);
        }
    }
}
