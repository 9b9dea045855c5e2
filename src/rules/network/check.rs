//! `network check`: the network against the policy's rules and the archive's students.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::*;
use crate::model::{StudentProfile, StudentStatus};
use crate::rules::policy::Policy;

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
    // Who reports to whom, and the ratios 1:5:25 (003; a policy without them asks for none).
    let mut below: HashMap<&str, usize> = HashMap::new();
    for p in &net.people {
        let want = match p.role {
            NetworkRole::Counselor => continue,
            NetworkRole::Backbone | NetworkRole::HeadTeacher => NetworkRole::Counselor,
            NetworkRole::DormHead => NetworkRole::Backbone,
        };
        match net.person(&p.reports_to) {
            Some(up) if up.role == want => {
                // The ratio counts backbones and dorm heads; a 班主任 is not one of them.
                if p.role != NetworkRole::HeadTeacher {
                    *below.entry(up.id.as_str()).or_default() += 1;
                }
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
            NetworkRole::DormHead | NetworkRole::HeadTeacher => continue,
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
    // 0–0: the policy names no number of members per class.
    let (lo, hi) = (rules.class_members_min, rules.class_members_max);
    for ((college, class), n) in classes.into_iter().filter(|_| hi > 0) {
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
