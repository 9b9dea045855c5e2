//! The obligations of a day, kept between calls: the network's and the colleges' duties, and the
//! students' own.
//!
//! The duties depend on the policy, the network and its log, the report log, the site and the
//! places of the students (college, class, dorm, status), never on a student's records. At a large
//! school they are tens of thousands (every dorm's monthly visit, every week's visits of every
//! counselor), and computing them was most of each dashboard, 待办 and 报表 call. They are kept
//! with a key of those inputs (the day, the settings' seals, a fingerprint of the places).
//!
//! The students' obligations depend on the day, the policy and the students (profiles and record
//! heads), named by [`super::students::Students::generation`]: a hundred thousand of them at
//! 30,000 students, which the dashboard, 待办 (each page, each keystroke of its search) and 报表
//! each computed again. A change to any input computes them again; both go with the session
//! (locking).

use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;

use super::rules::setting;
use super::Session;
use crate::error::{Error, Result};
use crate::rules::college::{self, ReportLog};
use crate::rules::network::{self, Network, NetworkLog};
use crate::rules::policy::Policy;
use crate::rules::Obligation;

/// What the duties are computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DutyKey {
    day: NaiveDate,
    /// The tags of the sealed policy, network, network log and report log settings (empty: not
    /// stored). Every seal has a fresh nonce, so a tag names one written value, even one a
    /// rolled-back transaction wrote.
    settings: [Vec<u8>; 4],
    places: u64,
}

/// The duties of one key.
struct KeptDuties {
    key: DutyKey,
    /// The generation of the students the key was last checked against: the places' fingerprint
    /// reads every student, so it is taken again only when the students changed.
    generation: u64,
    duties: Arc<Vec<Obligation>>,
}

/// The duties last computed.
#[derive(Default)]
pub(super) struct DutyCache(Mutex<Option<KeptDuties>>);

/// What the students' obligations are computed from.
#[derive(Debug, Clone, PartialEq)]
struct StudentsKey {
    day: NaiveDate,
    generation: u64,
    /// Compared whole: a caller may pass a policy other than the one stored.
    policy: Policy,
}

/// The students' obligations of one key.
#[derive(Default)]
pub(super) struct StudentsCache(Mutex<Option<(StudentsKey, Arc<Vec<Obligation>>)>>);

impl Session {
    /// The network's and the colleges' duties on `today` under `policy`, the policy in force,
    /// unsorted and unfiltered.
    pub(super) fn duties(&self, policy: &Policy, today: NaiveDate) -> Result<Arc<Vec<Obligation>>> {
        let settings = self.setting_tags()?;
        let generation = self.students.generation();
        let mut cached = self.duties.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(kept) = cached.as_ref() {
            if kept.key.day == today
                && kept.key.settings == settings
                && kept.generation == generation
            {
                return Ok(kept.duties.clone());
            }
        }
        let profiles = self.profiles();
        let key = DutyKey {
            day: today,
            settings,
            places: network::places_fingerprint(&profiles),
        };
        if let Some(kept) = cached.as_mut() {
            if kept.key == key {
                kept.generation = generation;
                return Ok(kept.duties.clone());
            }
        }
        let net: Network = self.json_setting(setting::NETWORK)?;
        let log: NetworkLog = self.json_setting(setting::NETWORK_LOG)?;
        let mut list = if net.people.is_empty() {
            Vec::new()
        } else {
            network::obligations(policy, today, &net, &log, &profiles)
        };
        let reports: ReportLog = self.json_setting(setting::REPORT_LOG)?;
        let school = self.site_kind()? == crate::archive::SiteKind::Center;
        list.extend(college::obligations(
            policy, today, &net, &log, &reports, school,
        ));
        let duties = Arc::new(list);
        *cached = Some(KeptDuties {
            key,
            generation,
            duties: duties.clone(),
        });
        Ok(duties)
    }

    /// Every student's obligations on `today` under `policy`, unsorted and unfiltered.
    pub(super) fn students_obligations(
        &self,
        policy: &Policy,
        today: NaiveDate,
    ) -> Arc<Vec<Obligation>> {
        let generation = self.students.generation();
        let mut cached = self
            .students_obligations
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((k, list)) = cached.as_ref() {
            if k.day == today && k.generation == generation && k.policy == *policy {
                return list.clone();
            }
        }
        let list = Arc::new(self.compute_students_obligations(
            policy,
            today,
            &crate::rules::ObligationFilter::default(),
        ));
        let key = StudentsKey {
            day: today,
            generation,
            policy: policy.clone(),
        };
        *cached = Some((key, list.clone()));
        list
    }

    /// The tags of the settings the duties read.
    fn setting_tags(&self) -> Result<[Vec<u8>; 4]> {
        let rows = [
            setting::POLICY,
            setting::NETWORK,
            setting::NETWORK_LOG,
            setting::REPORT_LOG,
        ];
        let mut out: [Vec<u8>; 4] = Default::default();
        let mut stmt = self
            .db
            .prepare_cached("SELECT substr(value, -16) FROM settings WHERE id = ?1")?;
        for (v, row) in out.iter_mut().zip(rows) {
            *v = match stmt.query_row([row], |r| r.get(0)) {
                Ok(v) => v,
                Err(rusqlite::Error::QueryReturnedNoRows) => Vec::new(),
                Err(e) => return Err(Error::from(e)),
            };
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::archive::SiteKind;
    use crate::rules::network::{NetworkRole, NetworkWaiver};
    use crate::rules::{Obligation, ObligationFilter, ObligationStatus};
    use crate::session::test_archive::archive;
    use crate::session::Session;

    /// The obligations with the duties and the students' obligations kept, and computed afresh.
    fn kept_and_fresh(s: &Session, today: NaiveDate) -> (Vec<Obligation>, Vec<Obligation>) {
        let kept = s
            .obligations(today, &ObligationFilter::default())
            .expect("kept");
        *s.duties.0.lock().expect("cache") = None;
        *s.students_obligations.0.lock().expect("cache") = None;
        let fresh = s
            .obligations(today, &ObligationFilter::default())
            .expect("fresh");
        (kept, fresh)
    }

    #[test]
    fn a_change_to_the_log_or_the_students_places_computes_the_duties_again() {
        let (_dir, mut s) = archive(SiteKind::College, 150);
        s.demo_network().expect("network");
        let today = chrono::Local::now().date_naive();
        let (before, fresh) = kept_and_fresh(&s, today);
        assert_eq!(before, fresh);

        // A waiver (the network log).
        let open = before
            .iter()
            .find(|o| !o.person.is_empty() && o.status == ObligationStatus::Overdue)
            .or_else(|| {
                before
                    .iter()
                    .find(|o| !o.person.is_empty() && o.status == ObligationStatus::Due)
            })
            .expect("an open network duty")
            .clone();
        s.waive_network(
            NetworkWaiver {
                rule: open.rule.to_string(),
                person: open.person.to_string(),
                subject: open.subject.to_string(),
                due: open.due,
                reason: "出差，已由他人代为走访".into(),
            },
            today,
        )
        .expect("waive");
        let (after, fresh) = kept_and_fresh(&s, today);
        assert_eq!(after, fresh);
        assert!(after.iter().any(|o| o.rule == open.rule
            && o.person == open.person
            && o.subject == open.subject
            && o.due == open.due
            && o.status == ObligationStatus::Waived));

        // A student moving to a new dorm (the places): its counselor owes it a monthly visit.
        let net = s.network().expect("network");
        let counselor = net
            .people
            .iter()
            .find(|p| p.role == NetworkRole::Counselor)
            .expect("a counselor");
        let student = s
            .list_students()
            .into_iter()
            .find(|st| {
                let p = s.profile(&st.student_no).expect("profile");
                p.college == counselor.college
                    && p.level == counselor.level
                    && (counselor.classes.is_empty() || counselor.classes.contains(&p.class_name))
                    && p.status == crate::model::StudentStatus::Enrolled
                    && p.off_campus.is_none()
            })
            .expect("a student of the counselor");
        let mut profile = s.profile(&student.student_no).expect("profile").clone();
        profile.dorm = "99栋-999".into();
        s.amend_profile(&student.student_no, profile, "调整宿舍", "辅导员")
            .expect("amend");
        let (moved, fresh) = kept_and_fresh(&s, today);
        assert_eq!(moved, fresh);
        assert!(moved
            .iter()
            .any(|o| &*o.rule == "dorm-visits.monthly" && &*o.subject == "99栋-999"));
        assert!(!after.iter().any(|o| &*o.subject == "99栋-999"));

        // Another day.
        let tomorrow = today.succ_opt().expect("tomorrow");
        let (next, fresh) = kept_and_fresh(&s, tomorrow);
        assert_eq!(next, fresh);
    }

    #[test]
    fn a_record_an_amendment_a_day_or_a_policy_computes_the_students_obligations_again() {
        use crate::model::{LeaveKind, LeaveReview, NewRecord, RecordBody};
        use crate::rules::policy::{Policy, PRESETS};

        let (_dir, mut s) = archive(SiteKind::College, 120);
        let today = chrono::Local::now().date_naive();
        let (before, fresh) = kept_and_fresh(&s, today);
        assert_eq!(before, fresh);
        let generation = s.students.generation();

        // A leave of absence (a record) pauses the student's term duties.
        let student = before
            .iter()
            .find(|o| !o.student_no.is_empty() && o.status != ObligationStatus::Done)
            .map(|o| o.student_no.to_string())
            .expect("a student with an open obligation");
        let of_student = |list: &[Obligation]| {
            list.iter()
                .filter(|o| *o.student_no == *student)
                .cloned()
                .collect::<Vec<_>>()
        };
        s.add_record(
            &student,
            NewRecord {
                date: today,
                author: "李老师".into(),
                amends: None,
                amend_reason: String::new(),
                body: RecordBody::LeaveReview(LeaveReview {
                    kind: LeaveKind::Leave,
                    certificate: true,
                    assessment: "建议休学".into(),
                    approved: true,
                    notes: String::new(),
                }),
            },
        )
        .expect("leave");
        assert_ne!(s.students.generation(), generation);
        let (after, fresh) = kept_and_fresh(&s, today);
        assert_eq!(after, fresh);
        assert_ne!(of_student(&after), of_student(&before));

        // An amendment of the profile (the class the obligations name).
        let mut profile = s.profile(&student).expect("profile").clone();
        profile.class_name = "心理学2601".into();
        s.amend_profile(&student, profile, "转专业", "辅导员")
            .expect("amend");
        let (amended, fresh) = kept_and_fresh(&s, today);
        assert_eq!(amended, fresh);
        assert!(amended
            .iter()
            .any(|o| *o.student_no == *student && &*o.class_name == "心理学2601"));

        // Another day.
        let later = today + chrono::Days::new(40);
        let (next, fresh) = kept_and_fresh(&s, later);
        assert_eq!(next, fresh);
        assert_ne!(next, amended);

        // Another policy than the one last asked with, on the same day.
        let stored = s
            .obligations(today, &ObligationFilter::default())
            .expect("stored policy");
        let other = PRESETS
            .iter()
            .map(|(_, text)| Policy::parse(text).expect("preset"))
            .find(|p| *p != s.policy().expect("policy"))
            .expect("a second preset");
        let sorted = |mut list: Vec<Obligation>| {
            list.sort_unstable_by(crate::rules::engine::listing_order);
            list
        };
        let kept = sorted(
            s.obligations_unsorted(&other, today, &ObligationFilter::default())
                .expect("kept"),
        );
        *s.students_obligations.0.lock().expect("cache") = None;
        let fresh = sorted(
            s.obligations_unsorted(&other, today, &ObligationFilter::default())
                .expect("fresh"),
        );
        assert_ne!(kept, stored);
        assert_eq!(kept, fresh);
    }
}
