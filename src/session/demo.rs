//! The demo archive's college at work (for `xindang demo` and `cargo xtask run` only): the
//! network's activities and the monthly reports of the semester so far (src/synth/network_work.rs)
//! and a few observers' reports waiting in the triage inbox, so a newcomer sees a dashboard that
//! is mostly kept up.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::inbox::{InboxItem, InboxStatus};
use super::rules::setting;
use super::Session;
use crate::audit::AuditAction;
use crate::error::Result;
use crate::model::{Observation, StudentStatus};
use crate::rules::college::ReportLog;
use crate::rules::network::{Network, NetworkLog};

/// What [`Session::demo_work`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoWork {
    /// Network activities.
    pub activities: usize,
    /// Monthly reports marked as submitted.
    pub reports: usize,
    /// Reports put in the inbox.
    pub inbox: usize,
}

/// What class and dorm observers report, as they write it.
const REPORTS: [(&str, &str); 5] = [
    (
        "心理委员",
        "最近一周经常缺课，上课时精神不好，说晚上睡不着。",
    ),
    ("寝室长", "和室友因作息问题发生争吵，这几天很少回寝室。"),
    ("心理委员", "期中考试后情绪低落，在班级群里说了些消极的话。"),
    (
        "寝室长",
        "最近常常一个人在阳台打电话到很晚，像是和家里闹矛盾。",
    ),
    ("心理委员", "家里有亲人生病住院，请假回家后回来一直很沉默。"),
];

impl Session {
    /// Fills an archive's empty network log and report log with the work a college that mostly
    /// keeps up would have done by `today`, and an empty inbox with a few reports received in
    /// the last days (one of them past the triage limit). For the demo archive only; anything
    /// already stored is left alone.
    ///
    /// # Errors
    /// Storage or tamper errors.
    pub fn demo_work(&mut self, today: NaiveDate, seed: u64) -> Result<DemoWork> {
        let net: Network = self.json_setting(setting::NETWORK)?;
        let old_log: NetworkLog = self.json_setting(setting::NETWORK_LOG)?;
        let old_reports: ReportLog = self.json_setting(setting::REPORT_LOG)?;
        let policy = self.policy()?;
        let mut done = DemoWork::default();
        let (log, reports) = if old_log.activities.is_empty() && old_reports.submissions.is_empty()
        {
            crate::synth::network_work(&policy, today, &net, &self.profiles(), seed)
        } else {
            (NetworkLog::default(), ReportLog::default())
        };
        done.activities = log.activities.len();
        done.reports = reports.submissions.len();
        let items = if self.inbox_items()?.is_empty() {
            self.demo_inbox(today, &net)
        } else {
            Vec::new()
        };
        done.inbox = items.len();
        if done == DemoWork::default() {
            return Ok(done);
        }
        self.write(
            AuditAction::Write,
            None,
            "demo network work and inbox".to_string(),
            |tx, me| {
                if done.activities > 0 || done.reports > 0 {
                    me.put_setting_in(tx, setting::NETWORK_LOG, &super::to_json(&log)?)?;
                    me.put_setting_in(tx, setting::REPORT_LOG, &super::to_json(&reports)?)?;
                }
                if !items.is_empty() {
                    me.store_inbox(tx, items)?;
                }
                Ok(())
            },
        )?;
        Ok(done)
    }

    /// A few reports about enrolled students spread over the archive, received over the last
    /// week.
    fn demo_inbox(&self, today: NaiveDate, net: &Network) -> Vec<InboxItem> {
        let mut students: Vec<_> = self
            .students
            .values()
            .map(|s| &s.profile)
            .filter(|p| p.status == StudentStatus::Enrolled && !p.dorm.is_empty())
            .collect();
        if students.is_empty() {
            return Vec::new();
        }
        students.sort_by(|a, b| a.student_no.cmp(&b.student_no));
        let step = (students.len() / REPORTS.len()).max(1);
        REPORTS
            .iter()
            .enumerate()
            .filter_map(|(k, (role, text))| {
                let p = students.get(k * step + step / 2)?;
                let dorm_head = *role == "寝室长";
                // The observer of the student's class or dorm, when the network names one.
                let reporter = net
                    .people
                    .iter()
                    .find(|x| {
                        if dorm_head {
                            x.dorms.contains(&p.dorm)
                        } else {
                            x.classes.contains(&p.class_name)
                        }
                    })
                    .map_or(role.to_string(), |x| format!("{role} {}", x.name));
                let days = [0, 1, 2, 3, 6][k];
                let received = crate::rules::calendar::minus(today, days);
                Some(InboxItem {
                    id: format!("demo-{}", k + 1),
                    received,
                    student_no: p.student_no.clone(),
                    name: p.name.clone(),
                    date: crate::rules::calendar::minus(received, 1),
                    observation: Observation {
                        reporter,
                        place: if dorm_head {
                            p.dorm.clone()
                        } else {
                            p.class_name.clone()
                        },
                        text: text.to_string(),
                        note: String::new(),
                    },
                    status: InboxStatus::Open,
                    resolution: String::new(),
                    resolved_on: None,
                })
            })
            .collect()
    }
}
