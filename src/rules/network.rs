//! The four-level network 校—院—班—寝 (seeds 003, 004): counselors 辅导员, peer backbones
//! 心理委员 / 朋辈骨干 and dorm heads 寝室长 / 宿舍信息员, who reports to whom, which classes and
//! dorms each serves, the one-to-one liaisons 一对一联系 of students outside the grid; the checks
//! policy asks of it; and the duties of its people (dorm visits, backbone meetings, training hours)
//! as dated obligations.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::calendar::{minus, monday, periods, plus, split_ends};
use super::engine::{Obligation, ObligationKind, ObligationStatus, Text};
use super::policy::Policy;
use crate::error::{Error, Result};
use crate::model::{DegreeLevel, StudentProfile, StudentStatus};

/// A role in the network.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkRole {
    /// 辅导员 (院 level).
    Counselor,
    /// 心理委员 / 朋辈骨干 (班 level).
    Backbone,
    /// 寝室长 / 宿舍心理信息员 (寝 level).
    DormHead,
}

impl NetworkRole {
    /// The Chinese name, as the grid table writes it.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Counselor => "辅导员",
            Self::Backbone => "心理委员",
            Self::DormHead => "寝室长",
        }
    }

    /// Reads the Chinese (or English) name, with the seeds' synonyms.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "辅导员" | "counselor" => Self::Counselor,
            "心理委员" | "班级心理委员" | "朋辈骨干" | "心理朋辈骨干" | "backbone" => {
                Self::Backbone
            }
            "寝室长" | "宿舍长" | "信息员" | "宿舍心理信息员" | "心理气象员" | "dorm_head" => {
                Self::DormHead
            }
            _ => return None,
        })
    }
}

/// One person of the network.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkPerson {
    /// 工号 (counselor) or 学号 (student member); unique in the network.
    pub id: String,
    /// 姓名
    pub name: String,
    /// Role.
    pub role: NetworkRole,
    /// 学院
    pub college: String,
    /// Which network: undergraduate or graduate (seed 004 keeps them apart).
    pub level: DegreeLevel,
    /// Classes served: a counselor's classes (empty = the whole college), a backbone's class.
    pub classes: Vec<String>,
    /// Dorms served: a dorm head's dorm(s).
    pub dorms: Vec<String>,
    /// The id of the person above: a backbone's counselor, a dorm head's backbone.
    pub reports_to: String,
}

/// Why a student needs a one-to-one liaison outside the class/dorm grid (seed 003).
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiaisonReason {
    /// 校外住宿
    OffCampus,
    /// 转专业
    ChangedMajor,
    /// 调换寝室
    ChangedDorm,
}

impl LiaisonReason {
    /// The Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Self::OffCampus => "校外住宿",
            Self::ChangedMajor => "转专业",
            Self::ChangedDorm => "调换寝室",
        }
    }

    /// Reads the Chinese (or English) name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "校外住宿" | "校外租房" | "走读" | "off_campus" => Self::OffCampus,
            "转专业" | "changed_major" => Self::ChangedMajor,
            "调换寝室" | "换寝" | "changed_dorm" => Self::ChangedDorm,
            _ => return None,
        })
    }
}

/// A one-to-one liaison: this student is looked after by this person directly.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Liaison {
    /// 学号 of the student.
    pub student_no: String,
    /// Id of the network person in charge.
    pub person: String,
    /// Why.
    pub reason: LiaisonReason,
}

/// The network as stored (sealed setting): people and liaisons. The grid table 网格管理表.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// Everyone in the network.
    pub people: Vec<NetworkPerson>,
    /// One-to-one liaisons.
    pub liaisons: Vec<Liaison>,
}

/// What a network activity was.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 走访宿舍 a counselor visited a dorm.
    DormVisit,
    /// 骨干例会 a counselor met the backbones.
    BackboneMeeting,
    /// 寝室长会议 a backbone met their dorm heads.
    DormHeadMeeting,
    /// 培训 a training of network members, with its hours.
    Training,
    /// 院系心理工作研判会 a college's meeting on its students' mental health, held by a counselor
    /// of that college (seed 001: twice a semester).
    CollegeReviewMeeting,
}

impl ActivityKind {
    /// The command-line spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "dorm-visit" => Self::DormVisit,
            "backbone-meeting" => Self::BackboneMeeting,
            "dorm-head-meeting" => Self::DormHeadMeeting,
            "training" => Self::Training,
            "college-review-meeting" => Self::CollegeReviewMeeting,
            _ => return None,
        })
    }
}

/// Something the network's people did that policy counts.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkActivity {
    /// Id (assigned when stored).
    pub id: String,
    /// What.
    pub kind: ActivityKind,
    /// When.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// Who held it: the counselor (or backbone) of a visit, the counselor of a backbone meeting,
    /// the backbone of a dorm-head meeting, the organiser of a training.
    pub person: String,
    /// The dorm visited.
    pub dorm: String,
    /// Who took part (ids): the trainees of a training, the backbones at a meeting.
    pub attendees: Vec<String>,
    /// Training hours 学时.
    pub hours: f64,
    /// Notes.
    pub note: String,
}

/// A network duty waived, with its reason.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkWaiver {
    /// Rule id, e.g. `dorm-visits.weekly`.
    pub rule: String,
    /// Person id.
    pub person: String,
    /// Subject (the dorm), if the duty has one.
    pub subject: String,
    /// Due date of the duty.
    #[typeshare(serialized_as = "String")]
    pub due: NaiveDate,
    /// Why (required).
    pub reason: String,
}

/// The log of network activities and waivers (a sealed setting apart from the grid, so
/// re-importing the grid table keeps it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkLog {
    /// Activities, in the order recorded.
    pub activities: Vec<NetworkActivity>,
    /// Waivers.
    pub waivers: Vec<NetworkWaiver>,
}

/// What a check found wrong.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkIssueKind {
    /// Two people with one id.
    DuplicatePerson,
    /// `reports_to` names nobody, or someone of the wrong role.
    BadSuperior,
    /// Undergraduate and graduate networks mixed (seed 004).
    MixedLevels,
    /// A counselor links fewer backbones than policy asks (003: 5).
    TooFewBackbones,
    /// A backbone links fewer dorm heads than policy asks (003: 5).
    TooFewDormHeads,
    /// A class has fewer or more psych committee members than policy allows (004: 1–2).
    ClassMembers,
    /// A student's dorm has no dorm head.
    NoDormHead,
    /// A student's class has no backbone of the student's own college.
    NoClassBackbone,
    /// In a mixed-college dorm, a resident whose own college has no backbone for them.
    NoOwnCollegeBackbone,
    /// An off-campus student without a one-to-one liaison.
    NoLiaison,
    /// A liaison names a student or person not in the archive or network.
    BadLiaison,
}

/// One finding of a network check.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkIssue {
    /// What.
    pub kind: NetworkIssueKind,
    /// Whom or what it concerns: a person id, a 学号, a class or a dorm.
    pub subject: String,
    /// In Chinese, for the screen and the grid table.
    pub detail: String,
}

/// The result of `network check`.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkCheck {
    /// No issue found.
    pub ok: bool,
    /// Counselors in the network.
    pub counselors: i32,
    /// Backbones.
    pub backbones: i32,
    /// Dorm heads.
    pub dorm_heads: i32,
    /// Enrolled students.
    pub students: i32,
    /// Enrolled students covered by the grid or a liaison (不漏一人: all of them).
    pub covered: i32,
    /// Findings, by kind then subject.
    pub issues: Vec<NetworkIssue>,
}

/// Splits a cell listing several classes or dorms: 、，,；; and new lines separate.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(['、', '，', ',', '；', ';', '\n'])
        .map(crate::normalize::text)
        .filter(|p| !p.is_empty())
        .collect()
}

impl Network {
    /// Normalises and checks what must hold for the network to be stored at all (ids and roles);
    /// everything else is a finding of [`check`], so an incomplete network can still be saved.
    pub fn validate(mut self) -> Result<Network> {
        for p in &mut self.people {
            p.id = crate::normalize::identifier(&p.id);
            p.name = crate::normalize::text(&p.name);
            p.college = crate::normalize::text(&p.college);
            p.reports_to = crate::normalize::identifier(&p.reports_to);
            for c in p.classes.iter_mut().chain(p.dorms.iter_mut()) {
                *c = crate::normalize::text(c);
            }
            if p.id.is_empty() {
                return Err(Error::Invalid {
                    field: "id",
                    reason: "every network member needs an id (工号 or 学号)",
                });
            }
            if p.name.is_empty() {
                return Err(Error::Invalid {
                    field: "name",
                    reason: "is required",
                });
            }
        }
        for l in &mut self.liaisons {
            l.student_no = crate::normalize::identifier(&l.student_no);
            l.person = crate::normalize::identifier(&l.person);
        }
        Ok(self)
    }

    fn person(&self, id: &str) -> Option<&NetworkPerson> {
        self.people.iter().find(|p| p.id == id)
    }
}

/// Checks the network against the policy and the students of the archive.
pub fn check(policy: &Policy, net: &Network, students: &[&StudentProfile]) -> NetworkCheck {
    let rules = &policy.network;
    let separate = rules.separate_graduate_network;
    let same_level = |a: DegreeLevel, b: DegreeLevel| !separate || a == b;
    let mut issues = Vec::new();
    let mut issue = |kind, subject: &str, detail: String| {
        issues.push(NetworkIssue {
            kind,
            subject: subject.to_string(),
            detail,
        })
    };

    let mut seen = HashSet::new();
    for p in &net.people {
        if !seen.insert(p.id.as_str()) {
            issue(
                NetworkIssueKind::DuplicatePerson,
                &p.id,
                format!("工号/学号 {} 重复出现", p.id),
            );
        }
    }
    // Who reports to whom, and the ratios 1:5:25.
    let mut below: HashMap<&str, usize> = HashMap::new();
    for p in &net.people {
        let want = match p.role {
            NetworkRole::Counselor => continue,
            NetworkRole::Backbone => NetworkRole::Counselor,
            NetworkRole::DormHead => NetworkRole::Backbone,
        };
        match net.person(&p.reports_to) {
            Some(up) if up.role == want => {
                *below.entry(up.id.as_str()).or_default() += 1;
                if !same_level(up.level, p.level) {
                    issue(
                        NetworkIssueKind::MixedLevels,
                        &p.id,
                        format!(
                            "{}{}与上级{}分属本科生、研究生网络，应分别设置",
                            p.role.zh(),
                            p.name,
                            up.name
                        ),
                    );
                }
            }
            _ => issue(
                NetworkIssueKind::BadSuperior,
                &p.id,
                format!(
                    "{}{}的上级须为一名{}，请填写其工号/学号",
                    p.role.zh(),
                    p.name,
                    want.zh()
                ),
            ),
        }
    }
    for p in &net.people {
        let (need, kind, what) = match p.role {
            NetworkRole::Counselor => (
                rules.backbones_per_counselor,
                NetworkIssueKind::TooFewBackbones,
                "心理委员",
            ),
            NetworkRole::Backbone => (
                rules.dorm_heads_per_backbone,
                NetworkIssueKind::TooFewDormHeads,
                "寝室长",
            ),
            NetworkRole::DormHead => continue,
        };
        let n = below.get(p.id.as_str()).copied().unwrap_or(0);
        if (n as u32) < need {
            issue(
                kind,
                &p.id,
                format!(
                    "{}{}联系{}名{}，应不少于{}名",
                    p.role.zh(),
                    p.name,
                    n,
                    what,
                    need
                ),
            );
        }
    }

    // Coverage: every enrolled student by the grid (own-college backbone of the class and a dorm
    // head of the dorm) or by a one-to-one liaison.
    let enrolled: Vec<&StudentProfile> = students
        .iter()
        .copied()
        .filter(|s| s.status == StudentStatus::Enrolled)
        .collect();
    let known: HashSet<&str> = students.iter().map(|s| s.student_no.as_str()).collect();
    for l in &net.liaisons {
        if !known.contains(l.student_no.as_str()) || net.person(&l.person).is_none() {
            issue(
                NetworkIssueKind::BadLiaison,
                &l.student_no,
                "一对一联系人或学生不存在，请核对工号/学号".into(),
            );
        }
    }
    let liaison_of = |s: &StudentProfile| {
        net.liaisons
            .iter()
            .filter(|l| l.student_no == s.student_no)
            .filter_map(|l| net.person(&l.person))
            .any(|p| same_level(p.level, s.level))
    };
    let colleges_in_dorm: HashMap<&str, BTreeSet<&str>> =
        enrolled.iter().fold(HashMap::new(), |mut m, s| {
            if !s.dorm.is_empty() && s.off_campus.is_none() {
                m.entry(s.dorm.as_str())
                    .or_default()
                    .insert(s.college.as_str());
            }
            m
        });
    let backbones = |s: &StudentProfile| {
        net.people
            .iter()
            .filter(|p| p.role == NetworkRole::Backbone)
            .filter(|p| p.college == s.college && same_level(p.level, s.level))
            .filter(|p| p.classes.contains(&s.class_name))
            .count()
    };
    let dorm_head = |s: &StudentProfile| {
        net.people
            .iter()
            .filter(|p| p.role == NetworkRole::DormHead && same_level(p.level, s.level))
            .any(|p| p.dorms.contains(&s.dorm))
    };
    let mut covered = 0;
    let mut classes: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut dorms_without_head: BTreeSet<&str> = BTreeSet::new();
    for s in &enrolled {
        let n = backbones(s);
        // The class's count must not depend on which of its students comes last (levels differ).
        classes
            .entry((s.college.as_str(), s.class_name.as_str()))
            .or_insert_with(|| {
                net.people
                    .iter()
                    .filter(|p| p.role == NetworkRole::Backbone && p.college == s.college)
                    .filter(|p| p.classes.contains(&s.class_name))
                    .count()
            });
        if liaison_of(s) {
            covered += 1;
            continue;
        }
        if s.off_campus.is_some() || s.dorm.is_empty() {
            issue(
                NetworkIssueKind::NoLiaison,
                &s.student_no,
                "校外住宿（或无寝室）学生，须指定一对一联系人".into(),
            );
            continue;
        }
        let head = dorm_head(s);
        if !head {
            dorms_without_head.insert(s.dorm.as_str());
        }
        if n == 0 {
            let mixed = colleges_in_dorm
                .get(s.dorm.as_str())
                .is_some_and(|c| c.len() > 1);
            if mixed {
                issue(
                    NetworkIssueKind::NoOwnCollegeBackbone,
                    &s.student_no,
                    format!(
                        "混合学院寝室{}：该生须由本学院（{}）的心理委员负责",
                        s.dorm, s.college
                    ),
                );
            } else {
                issue(
                    NetworkIssueKind::NoClassBackbone,
                    &s.student_no,
                    format!("{}{}没有本学院的心理委员覆盖该生", s.college, s.class_name),
                );
            }
        }
        if head && n > 0 {
            covered += 1;
        }
    }
    for dorm in dorms_without_head {
        issue(
            NetworkIssueKind::NoDormHead,
            dorm,
            format!("寝室{dorm}没有寝室长（信息员）"),
        );
    }
    for ((college, class), n) in classes {
        let (lo, hi) = (rules.class_members_min, rules.class_members_max);
        if (n as u32) < lo || (n as u32) > hi {
            issue(
                NetworkIssueKind::ClassMembers,
                &format!("{college}{class}"),
                format!("{college}{class}有{n}名心理委员，应为{lo}至{hi}名"),
            );
        }
    }
    issues.sort_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
    let count = |r| net.people.iter().filter(|p| p.role == r).count() as i32;
    NetworkCheck {
        ok: issues.is_empty(),
        counselors: count(NetworkRole::Counselor),
        backbones: count(NetworkRole::Backbone),
        dorm_heads: count(NetworkRole::DormHead),
        students: enrolled.len() as i32,
        covered,
        issues,
    }
}

/// One duty of a network person before matching.
struct Duty<'a> {
    rule: &'static str,
    kind: ObligationKind,
    label: String,
    person: &'a NetworkPerson,
    subject: String,
    since: NaiveDate,
    until: NaiveDate,
    due: NaiveDate,
}

/// The network people's duties on `today`: the counselor's dorm visits (so many a week, every dorm
/// each month), backbone meetings and network trainings; the backbone's dorm-head meetings and
/// monthly visits of their linked dorms; training hours per semester of backbones and dorm heads.
pub fn obligations(
    policy: &Policy,
    today: NaiveDate,
    net: &Network,
    log: &NetworkLog,
    students: &[&StudentProfile],
) -> Vec<Obligation> {
    let Some(sem) = policy.semester_at(today) else {
        return Vec::new();
    };
    let cad = &policy.cadence;
    let through = today.min(sem.end);
    let done: Vec<&NetworkActivity> = {
        let mut v: Vec<_> = log
            .activities
            .iter()
            .filter(|a| a.date >= sem.start && a.date <= through)
            .collect();
        v.sort_by_key(|a| a.date);
        v
    };
    let mut out = Vec::new();
    let mut duties: Vec<Duty<'_>> = Vec::new();
    for c in net
        .people
        .iter()
        .filter(|p| p.role == NetworkRole::Counselor)
    {
        // Dorm visits: so many each week the term is on (weeks mostly on holiday are skipped).
        let mut week = monday(sem.start);
        while week <= through {
            let weekdays_off = (0..5).filter(|d| policy.is_holiday(plus(week, *d))).count();
            let sunday = plus(week, 6);
            if weekdays_off < 3 {
                for k in 0..cad.dorm_visits_per_week {
                    duties.push(Duty {
                        rule: "dorm-visits.weekly",
                        kind: ObligationKind::DormVisit,
                        label: format!(
                            "辅导员·每周走访宿舍{}次（第{}次）",
                            cad.dorm_visits_per_week,
                            k + 1
                        ),
                        person: c,
                        // Tells the visits of one week apart.
                        subject: format!("第{}次", k + 1),
                        since: week,
                        until: sunday,
                        due: sunday,
                    });
                }
            }
            week = plus(week, 7);
        }
        // Every dorm of the counselor's students each month.
        if cad.every_dorm_monthly {
            let dorms: BTreeSet<&str> = students
                .iter()
                .filter(|s| s.status == StudentStatus::Enrolled && s.off_campus.is_none())
                .filter(|s| s.college == c.college && s.level == c.level)
                .filter(|s| c.classes.is_empty() || c.classes.contains(&s.class_name))
                .map(|s| s.dorm.as_str())
                .filter(|d| !d.is_empty())
                .collect();
            for (first, last) in months(sem.start, sem.end, through) {
                for d in &dorms {
                    duties.push(Duty {
                        rule: "dorm-visits.monthly",
                        kind: ObligationKind::DormVisit,
                        label: "辅导员·每月遍访所负责宿舍".into(),
                        person: c,
                        subject: d.to_string(),
                        since: first,
                        until: last,
                        due: last,
                    });
                }
            }
        }
        // Backbone meetings.
        for (start, end) in periods(sem.start, cad.backbone_meeting_days, through) {
            duties.push(Duty {
                rule: "backbone-meeting",
                kind: ObligationKind::BackboneMeeting,
                label: format!("辅导员·每{}天召开朋辈骨干例会", cad.backbone_meeting_days),
                person: c,
                subject: String::new(),
                since: start,
                until: end.min(sem.end),
                due: end.min(sem.end),
            });
        }
    }
    for c in net
        .people
        .iter()
        .filter(|p| p.role == NetworkRole::Counselor)
    {
        // Trainings of the network the counselor organises (000: at least two a semester).
        let n = cad.network_trainings_per_semester;
        for (k, due) in split_ends(sem.start, sem.end, n).into_iter().enumerate() {
            duties.push(Duty {
                rule: "network-training",
                kind: ObligationKind::Training,
                label: format!("辅导员·每学期组织网格员培训{n}次（第{}次）", k + 1),
                person: c,
                subject: format!("第{}次", k + 1),
                since: sem.start,
                until: sem.end,
                due,
            });
        }
    }
    for b in net
        .people
        .iter()
        .filter(|p| p.role == NetworkRole::Backbone)
    {
        // A backbone meets their dorm heads every two weeks (003).
        if cad.dorm_head_meeting_days > 0 {
            for (start, end) in periods(sem.start, cad.dorm_head_meeting_days, through) {
                duties.push(Duty {
                    rule: "dorm-head-meeting",
                    kind: ObligationKind::DormHeadMeeting,
                    label: format!("心理委员·每{}天召开寝室长会议", cad.dorm_head_meeting_days),
                    person: b,
                    subject: String::new(),
                    since: start,
                    until: end.min(sem.end),
                    due: end.min(sem.end),
                });
            }
        }
        // And visits each linked dorm (of their dorm heads) every month (003).
        if cad.backbone_dorm_visits_monthly {
            let dorms: BTreeSet<&str> = net
                .people
                .iter()
                .filter(|h| h.role == NetworkRole::DormHead && h.reports_to == b.id)
                .flat_map(|h| h.dorms.iter())
                .chain(b.dorms.iter())
                .map(String::as_str)
                .collect();
            for (first, last) in months(sem.start, sem.end, through) {
                for d in &dorms {
                    duties.push(Duty {
                        rule: "backbone.dorm-visits.monthly",
                        kind: ObligationKind::DormVisit,
                        label: "心理委员·每月走访所联系寝室".into(),
                        person: b,
                        subject: d.to_string(),
                        since: first,
                        until: last,
                        due: last,
                    });
                }
            }
        }
    }
    out.extend(match_duties(today, duties, &done, log));

    // Training hours per semester.
    for p in &net.people {
        let (rule, need) = match p.role {
            NetworkRole::Backbone => ("training.backbone", cad.backbone_training_hours),
            NetworkRole::DormHead => ("training.dorm-head", cad.dorm_head_training_hours),
            NetworkRole::Counselor => continue,
        };
        if need == 0 {
            continue;
        }
        let mut sum = 0.0;
        let mut reached = None;
        for a in done.iter().filter(|a| a.kind == ActivityKind::Training) {
            if a.attendees.contains(&p.id) {
                sum += a.hours;
                if sum + 1e-9 >= f64::from(need) {
                    reached = Some(*a);
                    break;
                }
            }
        }
        let label = format!("{}·每学期培训不少于{}学时", p.role.zh(), need);
        out.push(status_of(
            today,
            Duty {
                rule,
                kind: ObligationKind::Training,
                label,
                person: p,
                subject: String::new(),
                since: sem.start,
                until: sem.end,
                due: sem.end,
            },
            reached,
            log,
        ));
    }
    out
}

/// The calendar months of a semester that have begun by `through`, clipped to the semester; a
/// first part shorter than 15 days (a term starting on the 31st) joins the next month.
pub(crate) fn months(
    start: NaiveDate,
    end: NaiveDate,
    through: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut month = start.with_day(1).unwrap_or(start);
    while month <= end {
        let next = plus(month, 31).with_day(1).unwrap_or(end);
        out.push((month.max(start), minus(next, 1).min(end)));
        month = next;
    }
    if out.len() > 1 && (out[0].1 - out[0].0).num_days() < 14 {
        out[1].0 = out[0].0;
        out.remove(0);
    }
    out.retain(|(first, _)| *first <= through);
    out
}

/// Matches duties to activities rule by rule, each activity fulfilling at most one duty of a rule.
fn match_duties(
    today: NaiveDate,
    mut duties: Vec<Duty<'_>>,
    done: &[&NetworkActivity],
    log: &NetworkLog,
) -> Vec<Obligation> {
    duties.retain(|d| d.since <= today);
    duties.sort_by(|a, b| {
        (a.rule, &a.person.id, &a.subject, a.due).cmp(&(b.rule, &b.person.id, &b.subject, b.due))
    });
    let mut used: HashSet<(&str, &str)> = HashSet::new();
    let mut out = Vec::with_capacity(duties.len());
    for d in duties {
        let hit = done
            .iter()
            .copied()
            .filter(|a| a.date >= d.since && a.date <= d.until && a.person == d.person.id)
            .filter(|a| match d.rule {
                "dorm-visits.weekly" => a.kind == ActivityKind::DormVisit,
                "dorm-visits.monthly" | "backbone.dorm-visits.monthly" => {
                    a.kind == ActivityKind::DormVisit && a.dorm == d.subject
                }
                "dorm-head-meeting" => a.kind == ActivityKind::DormHeadMeeting,
                "network-training" => a.kind == ActivityKind::Training,
                _ => a.kind == ActivityKind::BackboneMeeting,
            })
            .find(|a| !used.contains(&(d.rule, a.id.as_str())));
        if let Some(a) = hit {
            used.insert((d.rule, a.id.as_str()));
        }
        out.push(status_of(today, d, hit, log));
    }
    out
}

fn status_of(
    today: NaiveDate,
    d: Duty<'_>,
    hit: Option<&NetworkActivity>,
    log: &NetworkLog,
) -> Obligation {
    let waiver = log.waivers.iter().find(|w| {
        w.rule == d.rule && w.person == d.person.id && w.subject == d.subject && w.due == d.due
    });
    let (status, fulfilled_by, fulfilled_on, waived_reason) = match (hit, waiver) {
        (Some(a), _) => (
            ObligationStatus::Done,
            Some(a.id.clone()),
            Some(a.date),
            None,
        ),
        (None, Some(w)) => (ObligationStatus::Waived, None, None, Some(w.reason.clone())),
        (None, None) if d.due < today => (ObligationStatus::Overdue, None, None, None),
        (None, None) => (ObligationStatus::Due, None, None, None),
    };
    Obligation {
        student_no: "".into(),
        student_name: "".into(),
        college: d.person.college.as_str().into(),
        class_name: "".into(),
        person: d.person.id.as_str().into(),
        person_name: d.person.name.as_str().into(),
        subject: d.subject.into(),
        kind: d.kind,
        rule: d.rule.into(),
        label: d.label.into(),
        since: d.since,
        due: d.due,
        status,
        fulfilled_by: fulfilled_by.map(Text::from),
        fulfilled_on,
        waived_reason: waived_reason.map(Text::from),
    }
}

/// A plausible network over these students, for demonstrations: a counselor per college and
/// level, the first student of each class (by 学号) as its backbone, the first other resident of each
/// dorm as its dorm head (under the backbone of their own class), and the counselor as one-to-one
/// liaison of every off-campus student. Deterministic; it leaves the gaps a real college has
/// (small classes, ratios below 1:5:25) for the check to find.
pub fn demo(students: &[&StudentProfile]) -> Network {
    const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄"];
    let mut sorted: Vec<&StudentProfile> = students
        .iter()
        .copied()
        .filter(|s| s.status == StudentStatus::Enrolled)
        .collect();
    sorted.sort_by(|a, b| a.student_no.cmp(&b.student_no));
    let mut net = Network::default();
    let mut counselor: BTreeMap<(String, bool), String> = BTreeMap::new();
    for s in &sorted {
        let key = (s.college.clone(), s.level == DegreeLevel::Graduate);
        if !counselor.contains_key(&key) {
            let n = counselor.len();
            let id = format!("T{:03}", n + 1);
            net.people.push(NetworkPerson {
                id: id.clone(),
                name: format!("{}老师", SURNAMES[n % SURNAMES.len()]),
                role: NetworkRole::Counselor,
                college: s.college.clone(),
                level: s.level,
                classes: Vec::new(),
                dorms: Vec::new(),
                reports_to: String::new(),
            });
            counselor.insert(key, id);
        }
    }
    let mut backbone: BTreeMap<(String, String), String> = BTreeMap::new();
    for s in &sorted {
        let key = (s.college.clone(), s.class_name.clone());
        if s.class_name.is_empty() || backbone.contains_key(&key) {
            continue;
        }
        let up = counselor[&(s.college.clone(), s.level == DegreeLevel::Graduate)].clone();
        net.people.push(NetworkPerson {
            id: s.student_no.clone(),
            name: s.name.clone(),
            role: NetworkRole::Backbone,
            college: s.college.clone(),
            level: s.level,
            classes: vec![s.class_name.clone()],
            dorms: Vec::new(),
            reports_to: up,
        });
        backbone.insert(key, s.student_no.clone());
    }
    let mut headed: BTreeSet<String> = BTreeSet::new();
    for s in &sorted {
        if s.dorm.is_empty() || s.off_campus.is_some() || headed.contains(&s.dorm) {
            continue;
        }
        if net.people.iter().any(|p| p.id == s.student_no) {
            continue;
        }
        let Some(up) = backbone.get(&(s.college.clone(), s.class_name.clone())) else {
            continue;
        };
        net.people.push(NetworkPerson {
            id: s.student_no.clone(),
            name: s.name.clone(),
            role: NetworkRole::DormHead,
            college: s.college.clone(),
            level: s.level,
            classes: Vec::new(),
            dorms: vec![s.dorm.clone()],
            reports_to: up.clone(),
        });
        headed.insert(s.dorm.clone());
    }
    for s in sorted.iter().filter(|s| s.off_campus.is_some()) {
        net.liaisons.push(Liaison {
            student_no: s.student_no.clone(),
            person: counselor[&(s.college.clone(), s.level == DegreeLevel::Graduate)].clone(),
            reason: LiaisonReason::OffCampus,
        });
    }
    net
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn person(id: &str, role: NetworkRole, level: DegreeLevel, up: &str) -> NetworkPerson {
        NetworkPerson {
            id: id.into(),
            name: id.into(),
            role,
            college: "文学院".into(),
            level,
            classes: vec!["中文2501".into()],
            dorms: vec!["1-101".into()],
            reports_to: up.into(),
        }
    }

    #[test]
    fn months_fold_a_short_first_part_into_the_next() {
        let m = months(d("2026-08-31"), d("2027-01-15"), d("2027-01-20"));
        assert_eq!(m.first(), Some(&(d("2026-08-31"), d("2026-09-30"))));
        assert_eq!(m.last(), Some(&(d("2027-01-01"), d("2027-01-15"))));
        assert_eq!(m.len(), 5);
        assert_eq!(
            months(d("2026-08-31"), d("2027-01-15"), d("2026-10-01")).len(),
            2
        );
    }

    #[test]
    fn levels_are_checked_only_when_the_policy_separates_the_networks() {
        let mut policy = crate::rules::Policy::preset("000").unwrap();
        let net = Network {
            people: vec![
                person("T1", NetworkRole::Counselor, DegreeLevel::Undergraduate, ""),
                person("B1", NetworkRole::Backbone, DegreeLevel::Graduate, "T1"),
            ],
            liaisons: Vec::new(),
        };
        let mixed = |p: &crate::rules::Policy| {
            check(p, &net, &[])
                .issues
                .iter()
                .any(|i| i.kind == NetworkIssueKind::MixedLevels)
        };
        assert!(mixed(&policy));
        policy.network.separate_graduate_network = false;
        assert!(!mixed(&policy));
    }

    #[test]
    fn a_superior_of_the_wrong_role_and_a_duplicate_id_are_named() {
        let policy = crate::rules::Policy::preset("000").unwrap();
        let u = DegreeLevel::Undergraduate;
        let net = Network {
            people: vec![
                person("T1", NetworkRole::Counselor, u, ""),
                person("H1", NetworkRole::DormHead, u, "T1"),
                person("H1", NetworkRole::DormHead, u, "nobody"),
            ],
            liaisons: Vec::new(),
        };
        let kinds: Vec<_> = check(&policy, &net, &[])
            .issues
            .into_iter()
            .map(|i| (i.kind, i.subject))
            .collect();
        assert!(kinds.contains(&(NetworkIssueKind::BadSuperior, "H1".into())));
        assert!(kinds.contains(&(NetworkIssueKind::DuplicatePerson, "H1".into())));
    }
}
