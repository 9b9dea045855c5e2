//! A demonstration network over an archive's students.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::model::{StudentProfile, StudentStatus};

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
