//! The four-level network 校—院—班—寝 (seeds 003, 004): counselors 辅导员, peer backbones
//! 心理委员 / 朋辈骨干 and dorm heads 寝室长 / 宿舍信息员, who reports to whom, which classes and
//! dorms each serves, the one-to-one liaisons 一对一联系 of students outside the grid; the checks
//! policy asks of it; and the duties of its people (dorm visits, backbone meetings, training hours)
//! as dated obligations.

mod check;
mod demo;
mod duties;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use crate::error::{Error, Result};
use crate::model::DegreeLevel;

pub use check::check;
pub use demo::demo;
pub(crate) use duties::months;
pub use duties::{obligations, places_fingerprint};

/// A role in the network.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkRole {
    /// 辅导员 (院 level).
    Counselor,
    /// 班主任 the class teacher (班 level, seed 002 第六条、第九条), reporting to a counselor.
    HeadTeacher,
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
            Self::HeadTeacher => "班主任",
            Self::Backbone => "心理委员",
            Self::DormHead => "寝室长",
        }
    }

    /// Reads the Chinese (or English) name, with the seeds' synonyms.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "辅导员" | "心理辅导员" | "counselor" => Self::Counselor,
            "班主任" | "head_teacher" => Self::HeadTeacher,
            "心理委员" | "班级心理委员" | "朋辈骨干" | "心理朋辈骨干" | "backbone" => {
                Self::Backbone
            }
            "寝室长"
            | "宿舍长"
            | "信息员"
            | "宿舍心理信息员"
            | "心理信息员"
            | "心理气象员"
            | "宿舍心理气象员"
            | "dorm_head" => Self::DormHead,
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
    /// 深入课堂 a counselor visited a class in session (seed 001).
    ClassroomVisit,
    /// 摸排 a counselor's sweep of their students for prominent problems, at the start or the end
    /// of a semester (seed 001 学期始、学期末摸排).
    Sweep,
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
            "classroom-visit" => Self::ClassroomVisit,
            "sweep" => Self::Sweep,
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
        let mut policy = crate::rules::Policy::preset("004").unwrap();
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
