//! The session's side of the four-level network 校—院—班—寝, the weekly review meeting 周研判 and
//! the reports: each stored as a sealed JSON setting (no table of its own), each write one
//! transaction with its audit entry.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::rules::setting;
use super::Session;
use crate::audit::AuditAction;
use crate::crypto;
use crate::error::{Error, Reason, Result};
use crate::model::{NewRecord, RecordBody, Review, ReviewDecision, StudentStatus};
use crate::rules::college::{ReportLog, ReportSubmission};
use crate::rules::network::{
    self, ActivityKind, Network, NetworkActivity, NetworkCheck, NetworkLog, NetworkRole,
    NetworkWaiver,
};
use crate::rules::report::{self, Report, ReportKind};
use crate::rules::review::{self, AgendaItem, ReviewAgenda, ReviewMeeting, ReviewMeetingSummary};
use crate::rules::{grid, ObligationFilter, ObligationStatus};

fn encode<T: serde::Serialize>(v: &T) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    serde_json::to_vec(v)
        .map(zeroize::Zeroizing::new)
        .map_err(|_| Error::Invalid {
            field: "setting",
            reason: "cannot be encoded",
        })
}

/// The stored meetings.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Meetings {
    meetings: Vec<ReviewMeeting>,
}

/// A recorded network activity with the names of its people (a name is empty when the id names
/// nobody in the network, e.g. after a new grid table).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRow {
    /// The activity as stored.
    pub activity: NetworkActivity,
    /// Name of who held it (empty when unknown or none).
    pub person_name: String,
    /// Names of the attendees, in the order of `activity.attendees`.
    pub attendee_names: Vec<String>,
}

/// A dorm that can be visited, with the colleges of its residents (a mixed dorm has several).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkDorm {
    /// The dorm as the roster writes it.
    pub dorm: String,
    /// Colleges of its enrolled residents, sorted.
    pub colleges: Vec<String>,
}

/// The work of the network: recorded activities (newest first) and the dorms to choose from.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkWork {
    /// Activities, newest first.
    pub activities: Vec<ActivityRow>,
    /// Dorms of enrolled on-campus students and of the dorm heads, sorted.
    pub dorms: Vec<NetworkDorm>,
}

impl Session {
    /// The four-level network as stored (empty until set or imported).
    pub fn network(&self) -> Result<Network> {
        self.json_setting(setting::NETWORK)
    }

    /// Replaces the network (people and liaisons); returns its check. Activities stay.
    pub fn set_network(&mut self, net: Network) -> Result<NetworkCheck> {
        let net = net.validate()?;
        let detail = format!("network: {} people", net.people.len());
        self.put_setting(setting::NETWORK, &encode(&net)?, &detail)?;
        self.network_check()
    }

    /// Reads a grid table 网格管理表 (.xlsx) and makes it the network; a bad row is refused with
    /// its sheet, row and column, and the stored network stays as it was.
    pub fn import_grid(&mut self, path: &Path) -> Result<NetworkCheck> {
        let net = grid::import(path)?;
        self.set_network(net)
    }

    /// Writes the grid table with the check's findings; audited as an export.
    pub fn export_grid(&mut self, path: &Path) -> Result<NetworkCheck> {
        let net = self.network()?;
        let check = self.network_check()?;
        grid::export(path, &net, &check)?;
        self.log(AuditAction::Export, None, "grid table")?;
        Ok(check)
    }

    /// Makes a demonstration network over the archive's students (see [`network::demo`]) when
    /// none is stored; returns its check. For the demo archive only.
    pub fn demo_network(&mut self) -> Result<Option<NetworkCheck>> {
        if !self.network()?.people.is_empty() {
            return Ok(None);
        }
        let net = network::demo(&self.profiles());
        self.set_network(net).map(Some)
    }

    /// Checks the network against the policy in force and the students of the archive: ratios
    /// 1:5:25, every student covered, mixed-college dorms, liaisons, separate networks.
    pub fn network_check(&self) -> Result<NetworkCheck> {
        let policy = self.policy()?;
        let net = self.network()?;
        Ok(network::check(&policy, &net, &self.profiles()))
    }

    /// The network's activities, oldest first.
    pub fn network_activities(&self) -> Result<Vec<NetworkActivity>> {
        let mut log: NetworkLog = self.json_setting(setting::NETWORK_LOG)?;
        log.activities.sort_by_key(|a| a.date);
        Ok(log.activities)
    }

    /// The recorded activities, newest first, with names; and the dorms of the archive.
    pub fn network_work(&self) -> Result<NetworkWork> {
        let net = self.network()?;
        let name = |id: &str| {
            net.people
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        let mut activities: Vec<ActivityRow> = self
            .network_activities()?
            .into_iter()
            .map(|a| ActivityRow {
                person_name: name(&a.person),
                attendee_names: a.attendees.iter().map(|x| name(x)).collect(),
                activity: a,
            })
            .collect();
        // Kept oldest first (stable by date); the screen wants the latest on top.
        activities.reverse();
        let mut dorms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for st in self.list_students() {
            if st.status == StudentStatus::Enrolled && !st.dorm.trim().is_empty() {
                dorms.entry(st.dorm).or_default().insert(st.college);
            }
        }
        for p in &net.people {
            for d in p.dorms.iter().filter(|d| !d.trim().is_empty()) {
                dorms
                    .entry(d.clone())
                    .or_default()
                    .insert(p.college.clone());
            }
        }
        let dorms = dorms
            .into_iter()
            .map(|(dorm, colleges)| NetworkDorm {
                dorm,
                colleges: colleges.into_iter().collect(),
            })
            .collect();
        Ok(NetworkWork { activities, dorms })
    }

    /// Records a dorm visit, backbone meeting or training done by `today`; returns its id.
    pub fn add_activity(&mut self, mut a: NetworkActivity, today: NaiveDate) -> Result<String> {
        // Work is recorded once done.
        if a.date > today {
            return Err(Error::refused("date", Reason::NetworkFutureDate));
        }
        let net = self.network()?;
        a.person = crate::normalize::identifier(&a.person);
        a.dorm = crate::normalize::text(&a.dorm);
        a.attendees = a
            .attendees
            .iter()
            .map(|x| crate::normalize::identifier(x))
            .filter(|x| !x.is_empty())
            .collect();
        let role_of = |id: &str| net.people.iter().find(|p| p.id == id).map(|p| p.role);
        let role = role_of(&a.person);
        match a.kind {
            ActivityKind::DormVisit
                if !matches!(role, Some(NetworkRole::Counselor | NetworkRole::Backbone)) =>
            {
                return Err(Error::refused("person", Reason::NetworkVisitHolder));
            }
            ActivityKind::BackboneMeeting
            | ActivityKind::CollegeReviewMeeting
            | ActivityKind::ClassroomVisit
            | ActivityKind::Sweep
                if role != Some(NetworkRole::Counselor) =>
            {
                return Err(Error::refused("person", Reason::NetworkCounselorOnly));
            }
            ActivityKind::DormHeadMeeting if role != Some(NetworkRole::Backbone) => {
                return Err(Error::refused("person", Reason::NetworkBackboneOnly));
            }
            ActivityKind::Training => {
                if !a.person.is_empty() && role.is_none() {
                    return Err(Error::refused("person", Reason::NetworkPersonUnknown));
                }
                if a.attendees.is_empty() || a.attendees.iter().any(|x| role_of(x).is_none()) {
                    return Err(Error::refused("attendees", Reason::NetworkTrainees));
                }
                if !(a.hours > 0.0 && a.hours <= 24.0) {
                    return Err(Error::refused("hours", Reason::NetworkHours));
                }
            }
            _ => {}
        }
        if a.kind == ActivityKind::DormVisit && a.dorm.is_empty() {
            return Err(Error::refused("dorm", Reason::NetworkDorm));
        }
        a.id = crypto::random_id().to_string();
        let mut log: NetworkLog = self.json_setting(setting::NETWORK_LOG)?;
        log.activities.push(a.clone());
        self.put_setting(setting::NETWORK_LOG, &encode(&log)?, "network activity")?;
        Ok(a.id)
    }

    /// Waives a network person's (or a college's) duty, with the reason: one the engine lists as
    /// due or overdue on `today` (rule, person, subject and due date as the 待办 list gives them).
    pub fn waive_network(&mut self, mut w: NetworkWaiver, today: NaiveDate) -> Result<()> {
        w.rule = w.rule.trim().to_string();
        w.person = crate::normalize::identifier(&w.person);
        w.subject = crate::normalize::text(&w.subject);
        if w.rule.is_empty() {
            return Err(Error::refused("rule", Reason::NetworkNoDuty));
        }
        if w.reason.trim().is_empty() {
            return Err(Error::refused("reason", Reason::NetworkWaiverReason));
        }
        // A college's duty (研判会, 月报) has no person; its subject names it.
        if w.person.is_empty() && crate::rules::college::is_college_rule(&w.rule) {
            if w.subject.is_empty() {
                return Err(Error::refused("subject", Reason::NetworkNoDuty));
            }
        } else if !self.network()?.people.iter().any(|p| p.id == w.person) {
            return Err(Error::refused("person", Reason::NetworkPersonUnknown));
        }
        let open = self
            .obligations(today, &ObligationFilter::default())?
            .into_iter()
            .any(|o| {
                o.student_no.is_empty()
                    && matches!(o.status, ObligationStatus::Due | ObligationStatus::Overdue)
                    && *o.rule == *w.rule
                    && *o.person == *w.person
                    && *o.subject == *w.subject
                    && o.due == w.due
            });
        if !open {
            return Err(Error::refused("due", Reason::NetworkNoDuty));
        }
        let mut log: NetworkLog = self.json_setting(setting::NETWORK_LOG)?;
        log.waivers.push(w);
        self.put_setting(setting::NETWORK_LOG, &encode(&log)?, "network waiver")
    }

    fn meetings(&self) -> Result<Vec<ReviewMeeting>> {
        let mut m: Meetings = self.json_setting(setting::REVIEWS)?;
        m.meetings.sort_by_key(|m| m.date);
        Ok(m.meetings)
    }

    /// The signed weekly review meetings, oldest first.
    pub fn review_meetings(&self) -> Result<Vec<ReviewMeetingSummary>> {
        Ok(self
            .meetings()?
            .iter()
            .map(ReviewMeeting::summary)
            .collect())
    }

    /// One signed meeting, whole.
    pub fn review_meeting(&self, id: &str) -> Result<ReviewMeeting> {
        self.meetings()?
            .into_iter()
            .find(|m| m.id == id.trim())
            .ok_or(Error::MeetingNotFound)
    }

    /// The agenda of a weekly review on `date`: every key-concern student that day, with what
    /// changed since the last signed meeting, or before the first one since the student's level
    /// was set (kinds and dates only, never record text).
    pub fn review_agenda(&self, date: NaiveDate) -> Result<ReviewAgenda> {
        let last = self
            .meetings()?
            .iter()
            .filter(|m| m.date < date)
            .map(|m| m.date)
            .max();
        let mut items = Vec::new();
        for s in self.rule_inputs(date) {
            let Some(level) = s.concern_at(date) else {
                continue;
            };
            // Since the last meeting; before the first one, since the student's current level was set.
            let since = last
                .map(|d| crate::rules::calendar::plus(d, 1))
                .or_else(|| {
                    s.records
                        .iter()
                        .rev()
                        .find(|r| r.concern.is_some() && r.date <= date)
                        .map(|r| r.date)
                });
            let new_on_list = match last {
                Some(d) => s.concern_at(d).is_none(),
                None => true,
            };
            let changes = s
                .records
                .iter()
                .filter(|r| since.is_none_or(|d| r.date >= d))
                .filter_map(|r| change_zh(r).map(|t| format!("{} {}", r.date, t)))
                .collect();
            let last_decision = s
                .records
                .iter()
                .rev()
                .find_map(|r| r.facts.and_then(|f| f.decision));
            let p = s.profile;
            items.push(AgendaItem {
                student_no: p.student_no.clone(),
                student_name: p.name.clone(),
                college: p.college.clone(),
                class_name: p.class_name.clone(),
                level,
                new_on_list,
                changes,
                last_decision,
            });
        }
        items.sort_by(|a, b| {
            (b.level, &a.college, &a.class_name, &a.student_no).cmp(&(
                a.level,
                &b.college,
                &b.class_name,
                &b.student_no,
            ))
        });
        Ok(ReviewAgenda {
            date,
            last_meeting: last,
            items,
        })
    }

    /// Signs off a weekly review meeting: every student of the agenda needs a decision with its
    /// reason. In one transaction each decision becomes a `review` record of the student (which
    /// sets the concern level and fulfils the week's review) and the meeting is stored. Returns
    /// the meeting's id.
    pub fn sign_review(&mut self, mut m: ReviewMeeting) -> Result<String> {
        m.attendees = m
            .attendees
            .iter()
            .map(|a| crate::normalize::text(a))
            .filter(|a| !a.is_empty())
            .collect();
        m.signed_by = crate::normalize::text(&m.signed_by);
        if m.attendees.is_empty() {
            return Err(Error::Invalid {
                field: "attendees",
                reason: "a meeting needs its attendees",
            });
        }
        if m.minutes.trim().is_empty() {
            return Err(Error::Invalid {
                field: "minutes",
                reason: "a meeting needs its minutes",
            });
        }
        if m.signed_by.is_empty() {
            return Err(Error::Invalid {
                field: "signed_by",
                reason: "the minutes must be signed off",
            });
        }
        let agenda = self.review_agenda(m.date)?;
        review::check_decisions(&m.items, &agenda)?;
        let mut seen = std::collections::HashSet::new();
        let mut sids = Vec::with_capacity(m.items.len());
        for it in &mut m.items {
            it.student_no = crate::normalize::identifier(&it.student_no);
            if !seen.insert(it.student_no.clone()) {
                return Err(Error::Invalid {
                    field: "items",
                    reason: "one decision per student",
                });
            }
            sids.push(self.student_id(&it.student_no)?);
        }
        if agenda.items.iter().any(|a| !seen.contains(&a.student_no)) {
            return Err(Error::Invalid {
                field: "items",
                reason: "every student on the agenda needs a decision",
            });
        }
        if self.meetings()?.iter().any(|x| x.date == m.date) {
            return Err(Error::Invalid {
                field: "date",
                reason: "a meeting on this day is already signed",
            });
        }
        m.id = crypto::random_id().to_string();
        let records: Vec<NewRecord> = m
            .items
            .iter()
            .map(|it| NewRecord {
                date: m.date,
                author: m.signed_by.clone(),
                amends: None,
                amend_reason: String::new(),
                body: RecordBody::Review(Review {
                    decision: it.decision,
                    level: it.level,
                    reason: it.reason.clone(),
                    meeting: Some(m.id.clone()),
                }),
            })
            .collect();
        for r in &records {
            super::validate_record(r)?;
        }
        let mut all = self.meetings()?;
        all.push(m.clone());
        let value = encode(&Meetings { meetings: all })?;
        let detail = format!("weekly review: {} decisions", records.len());
        let heads = self.write(AuditAction::Write, None, detail, |tx, me| {
            let mut heads = Vec::with_capacity(records.len());
            for (sid, r) in sids.iter().zip(&records) {
                let key = &me.students[sid].key;
                heads.push((*sid, me.insert_record(tx, *sid, key, r, None)?));
            }
            me.put_setting_in(tx, setting::REVIEWS, &value)?;
            Ok(heads)
        })?;
        for (sid, head) in heads {
            if let Some(s) = self.students.get_mut(&sid) {
                s.heads.push(head);
                s.heads
                    .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
            }
        }
        Ok(m.id)
    }

    /// A report of the period holding `today`.
    pub fn report(&self, kind: ReportKind, today: NaiveDate) -> Result<Report> {
        let policy = self.policy()?;
        let (_, end) = report::period(kind, &policy, today)?;
        let as_of = end.min(today);
        // Counted, not listed: in no order, and none due after the period.
        let obligations = self.obligations_unsorted(
            &policy,
            as_of,
            &ObligationFilter {
                due_before: end.succ_opt(),
                ..ObligationFilter::default()
            },
        )?;
        let students = self.rule_inputs(as_of);
        let meetings = self.meetings()?;
        report::build(
            kind,
            today,
            &report::Inputs {
                policy: &policy,
                students: &students,
                obligations: &obligations,
                meetings: &meetings,
            },
        )
    }

    /// Writes a report as .xlsx; audited as an export.
    pub fn export_report(
        &mut self,
        kind: ReportKind,
        today: NaiveDate,
        path: &Path,
    ) -> Result<Report> {
        let r = self.report(kind, today)?;
        report::write_xlsx(path, &r)?;
        // The export is the submission 报送: kept with its period so the monthly report duty is
        // done, in the same transaction as its audit entry.
        let (period_start, period_end) = report::period(kind, &self.policy()?, today)?;
        let mut log: ReportLog = self.json_setting(setting::REPORT_LOG)?;
        log.submissions.push(ReportSubmission {
            id: crypto::random_id().to_string(),
            kind,
            period_start,
            period_end,
            submitted: today,
        });
        let value = encode(&log)?;
        self.write(
            AuditAction::Export,
            None,
            format!("report {kind:?} {period_start}..{period_end}"),
            |tx, me| me.put_setting_in(tx, setting::REPORT_LOG, &value),
        )?;
        Ok(r)
    }
}

/// What a record means for the agenda, in Chinese; `None` for records the meeting need not see.
fn change_zh(r: &crate::rules::engine::RecordInput<'_>) -> Option<String> {
    use crate::rules::review::{decision_zh, level_zh};
    let f = r.facts.cloned().unwrap_or_default();
    Some(match r.kind {
        "talk" => "谈心谈话".into(),
        "parent_contact" => "家校联系".into(),
        "key_concern" => match (r.concern, r.concern_until) {
            (Some(_), Some(_)) => "关注结束".into(),
            (Some(l), None) => format!("列为{}", level_zh(l)),
            _ => return None,
        },
        "crisis" => format!("危机评估{:?}级", r.crisis?),
        "referral" if f.diagnosed => "医院诊断".into(),
        "referral" => "转介".into(),
        "screening" if f.flagged => "筛查阳性".into(),
        "plan" => "一人一策".into(),
        "leave_review" => "休学/复学".into(),
        "event" => "八必谈事件".into(),
        "review" => match f.decision {
            Some(ReviewDecision::Keep) | None => return None,
            Some(d) => format!("研判{}", decision_zh(d)),
        },
        _ => return None,
    })
}
