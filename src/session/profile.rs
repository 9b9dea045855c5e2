//! The profile 一生一档 amended field by field: each change an audited amendment with its reason,
//! kept in the file as a `profile_amendment` record (old → new per field, who, why), so the
//! timeline shows it. The audit entry names the fields changed, never their values.

use super::*;
use crate::rules::calendar::today;

/// The fields of the profile an amendment may change, in the order of the base page. The 学号 is
/// the file's identity and is never amended.
pub const PROFILE_FIELDS: [&str; 14] = [
    "name",
    "gender",
    "birth_date",
    "college",
    "major",
    "class_name",
    "dorm",
    "grade",
    "level",
    "status",
    "phone",
    "home_address",
    "guardians",
    "off_campus",
];

fn status_text(s: StudentStatus) -> &'static str {
    match s {
        StudentStatus::Enrolled => "在读",
        StudentStatus::OnLeave => "休学",
        StudentStatus::Graduated => "毕业",
        StudentStatus::Withdrawn => "退学",
        StudentStatus::Transferred => "转学",
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

/// A field's value as the timeline shows it (the base page's words).
pub fn field_text(p: &StudentProfile, field: &str) -> String {
    match field {
        "name" => p.name.clone(),
        "gender" => match p.gender {
            Some(Gender::Male) => "男".into(),
            Some(Gender::Female) => "女".into(),
            None => String::new(),
        },
        "birth_date" => p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        "college" => p.college.clone(),
        "major" => p.major.clone(),
        "class_name" => p.class_name.clone(),
        "dorm" => p.dorm.clone(),
        "grade" => p.grade.clone(),
        "level" => match p.level {
            DegreeLevel::Undergraduate => "本科".into(),
            DegreeLevel::Graduate => "研究生".into(),
        },
        "status" => status_text(p.status).into(),
        "phone" => p.phone.clone(),
        "home_address" => p.home_address.clone(),
        "guardians" => p
            .guardians
            .iter()
            .map(|g| {
                format!("{} {} {}", g.relation, g.name, g.phone)
                    .trim()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("；"),
        "off_campus" => match &p.off_campus {
            None => String::new(),
            Some(o) => {
                let companion = if o.accompanied && !o.companion.is_empty() {
                    format!("是（{}）", o.companion)
                } else {
                    yes_no(o.accompanied).to_string()
                };
                format!(
                    "地址：{}；陪读：{companion}；已审批：{}",
                    o.address,
                    yes_no(o.approved)
                )
            }
        },
        _ => String::new(),
    }
}

fn bad_value() -> Error {
    Error::refused("field", Reason::AmendFieldValue)
}

fn parse_bool(v: &str) -> Result<bool> {
    match v.trim().to_lowercase().as_str() {
        "yes" | "true" | "1" | "是" | "有" => Ok(true),
        "no" | "false" | "0" | "否" | "无" => Ok(false),
        _ => Err(bad_value()),
    }
}

/// Sets one field of `p` from text, as the command line gives it: `name`, `gender` (male, female,
/// 男, 女, or empty), `birth_date` (YYYY-MM-DD or empty), `college`, `major`, `class_name`, `dorm`,
/// `grade`, `level` (undergraduate, graduate, 本科, 研究生), `status` (enrolled, on-leave,
/// graduated, withdrawn, transferred, or 在读, 休学, 毕业, 退学, 转学), `phone`, `home_address`,
/// `guardians` (`relation,name,phone` separated by `;`, the whole list), `off_campus` (`none`
/// clears it), `off_campus.address`, `off_campus.accompanied` (yes/no), `off_campus.companion`,
/// `off_campus.approved` (yes/no).
pub fn set_field(p: &mut StudentProfile, field: &str, value: &str) -> Result<()> {
    let v = value.trim();
    let text = || v.to_string();
    match field {
        "name" => p.name = text(),
        "gender" => {
            p.gender = match v {
                "" => None,
                "male" | "男" => Some(Gender::Male),
                "female" | "女" => Some(Gender::Female),
                _ => return Err(bad_value()),
            }
        }
        "birth_date" => {
            p.birth_date = if v.is_empty() {
                None
            } else {
                Some(crate::rules::calendar::parse_day(
                    Some(v),
                    "birth_date",
                    today(),
                )?)
            }
        }
        "college" => p.college = text(),
        "major" => p.major = text(),
        "class_name" => p.class_name = text(),
        "dorm" => p.dorm = text(),
        "grade" => p.grade = text(),
        "level" => {
            p.level = match v {
                "undergraduate" | "本科" => DegreeLevel::Undergraduate,
                "graduate" | "研究生" => DegreeLevel::Graduate,
                _ => return Err(bad_value()),
            }
        }
        "status" => {
            p.status = match v {
                "enrolled" | "在读" => StudentStatus::Enrolled,
                "on-leave" | "on_leave" | "休学" => StudentStatus::OnLeave,
                "graduated" | "毕业" => StudentStatus::Graduated,
                "withdrawn" | "退学" => StudentStatus::Withdrawn,
                "transferred" | "转学" => StudentStatus::Transferred,
                _ => return Err(bad_value()),
            }
        }
        "phone" => p.phone = text(),
        "home_address" => p.home_address = text(),
        "guardians" => {
            p.guardians = v
                .split([';', '；'])
                .filter(|g| !g.trim().is_empty())
                .map(|g| {
                    let parts: Vec<&str> = g.split([',', '，']).map(str::trim).collect();
                    match parts[..] {
                        [relation, name, phone] => Ok(Guardian {
                            name: name.into(),
                            relation: relation.into(),
                            phone: phone.into(),
                        }),
                        _ => Err(bad_value()),
                    }
                })
                .collect::<Result<_>>()?;
        }
        "off_campus" if v == "none" || v.is_empty() => p.off_campus = None,
        "off_campus.address" => p.off_campus.get_or_insert_with(Default::default).address = text(),
        "off_campus.accompanied" => {
            p.off_campus
                .get_or_insert_with(Default::default)
                .accompanied = parse_bool(v)?
        }
        "off_campus.companion" => {
            p.off_campus.get_or_insert_with(Default::default).companion = text()
        }
        "off_campus.approved" => {
            p.off_campus.get_or_insert_with(Default::default).approved = parse_bool(v)?
        }
        _ => return Err(bad_value()),
    }
    Ok(())
}

/// Trims what a form sends, and normalises the phones as an import does.
fn tidy(mut p: StudentProfile) -> StudentProfile {
    for s in [
        &mut p.college,
        &mut p.major,
        &mut p.class_name,
        &mut p.dorm,
        &mut p.grade,
        &mut p.home_address,
    ] {
        *s = s.trim().to_string();
    }
    p.guardians.retain(|g| {
        !(g.name.trim().is_empty() && g.relation.trim().is_empty() && g.phone.trim().is_empty())
    });
    for g in &mut p.guardians {
        g.name = g.name.trim().to_string();
        g.relation = g.relation.trim().to_string();
        g.phone = normalize::phone(&g.phone);
    }
    if let Some(o) = &mut p.off_campus {
        o.address = o.address.trim().to_string();
        o.companion = o.companion.trim().to_string();
    }
    p
}

/// The fields that differ between two profiles, old → new as the timeline shows them.
pub fn profile_changes(old: &StudentProfile, new: &StudentProfile) -> Vec<FieldChange> {
    PROFILE_FIELDS
        .iter()
        .filter_map(|&f| {
            let differs = match f {
                "guardians" => old.guardians != new.guardians,
                "off_campus" => old.off_campus != new.off_campus,
                "birth_date" => old.birth_date != new.birth_date,
                "gender" => old.gender != new.gender,
                _ => field_text(old, f) != field_text(new, f),
            };
            differs.then(|| FieldChange {
                field: f.to_string(),
                old: field_text(old, f),
                new: field_text(new, f),
            })
        })
        .collect()
}

impl Session {
    /// Amends a student's profile: writes `profile` (the whole new profile; the 学号 cannot change)
    /// and, in the same transaction, a `profile_amendment` record by `author` holding each field
    /// changed (old → new) and `reason`. The audit entry names the fields, not the values.
    /// Refused when the reason is blank or nothing changes. Returns the amendment.
    pub fn amend_profile(
        &mut self,
        student_no: &str,
        profile: StudentProfile,
        reason: &str,
        author: &str,
    ) -> Result<ProfileAmendment> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::refused("reason", Reason::AmendReasonMissing));
        }
        let sid = self.student_id(student_no)?;
        let new = tidy(validate_profile(profile)?);
        let old = &self.students[&sid].profile;
        if new.student_no != old.student_no {
            return Err(Error::refused("student_no", Reason::AmendStudentNo));
        }
        let changes = profile_changes(old, &new);
        if changes.is_empty() {
            return Err(Error::refused("profile", Reason::AmendNothingChanged));
        }
        let amendment = ProfileAmendment {
            changes,
            reason: reason.to_string(),
        };
        let record = NewRecord {
            date: today(),
            author: self.author_of(author),
            amends: None,
            amend_reason: String::new(),
            body: RecordBody::ProfileAmendment(amendment.clone()),
        };
        let fields: Vec<&str> = amendment.changes.iter().map(|c| c.field.as_str()).collect();
        let detail = format!("profile amended: {}", fields.join(", "));
        let sno = new.student_no.clone();
        let (version, head) = self.write(AuditAction::Write, Some(&sno), detail, |tx, me| {
            let s = &me.students[&sid];
            let version = me.update_profile(tx, s, &new)?;
            let head = me.insert_record(tx, sid, &s.key, &record, None)?;
            Ok((version, head))
        })?;
        if let Some(s) = self.students.get_mut(&sid) {
            s.version = version;
            s.profile = new;
            s.heads.push(head);
            s.heads
                .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
        }
        Ok(amendment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SiteKind;
    use crate::session::test_archive::archive;

    fn student(s: &mut Session) -> String {
        s.put_student(StudentProfile {
            student_no: "2026010160".into(),
            name: "贾宝玉".into(),
            dorm: "6栋-302".into(),
            ..Default::default()
        })
        .expect("student");
        "2026010160".into()
    }

    fn leave(kind: LeaveKind, certificate: bool, assessment: &str, approved: bool) -> NewRecord {
        NewRecord {
            date: today(),
            author: "李老师".into(),
            amends: None,
            amend_reason: String::new(),
            body: RecordBody::LeaveReview(LeaveReview {
                kind,
                certificate,
                assessment: assessment.into(),
                approved,
                notes: String::new(),
            }),
        }
    }

    #[test]
    fn a_return_without_a_certificate_is_refused_and_writes_nothing() {
        let (_dir, mut s) = archive(SiteKind::College, 0);
        let sno = student(&mut s);
        s.add_record(&sno, leave(LeaveKind::Leave, true, "建议休学", true))
            .expect("leave");
        assert_eq!(s.profile(&sno).expect("p").status, StudentStatus::OnLeave);
        let audit = s.audit_log().expect("log").len();
        let err = s
            .add_record(&sno, leave(LeaveKind::Return, false, "评估通过", true))
            .expect_err("refused");
        assert_eq!(err.reason(), Some(Reason::ReturnNeedsCertificate));
        assert_eq!(err.field(), Some("certificate"));
        assert_eq!(s.audit_log().expect("log").len(), audit, "no audit entry");
        let file = s.student_file(&sno).expect("file");
        assert_eq!(file.records.len(), 1, "no record");
        assert_eq!(file.profile.status, StudentStatus::OnLeave);
        s.add_record(&sno, leave(LeaveKind::Return, true, "评估通过", true))
            .expect("approved");
        assert_eq!(s.profile(&sno).expect("p").status, StudentStatus::Enrolled);
    }

    #[test]
    fn an_amendment_writes_the_profile_keeps_the_change_and_audits_the_fields() {
        let (_dir, mut s) = archive(SiteKind::College, 0);
        let sno = student(&mut s);
        let mut p = s.profile(&sno).expect("p").clone();
        assert_eq!(
            s.amend_profile(&sno, p.clone(), "核对", "李老师")
                .expect_err("nothing")
                .reason(),
            Some(Reason::AmendNothingChanged)
        );
        p.dorm = "7栋-101".into();
        p.status = StudentStatus::OnLeave;
        assert_eq!(
            s.amend_profile(&sno, p.clone(), " ", "李老师")
                .expect_err("no reason")
                .reason(),
            Some(Reason::AmendReasonMissing)
        );
        let mut other = p.clone();
        other.student_no = "2026010161".into();
        assert_eq!(
            s.amend_profile(&sno, other, "核对", "李老师")
                .expect_err("学号")
                .reason(),
            Some(Reason::AmendStudentNo)
        );
        let a = s
            .amend_profile(&sno, p, "调换寝室", "李老师")
            .expect("amend");
        assert_eq!(
            a.changes,
            [
                FieldChange {
                    field: "dorm".into(),
                    old: "6栋-302".into(),
                    new: "7栋-101".into()
                },
                FieldChange {
                    field: "status".into(),
                    old: "在读".into(),
                    new: "休学".into()
                },
            ]
        );
        let file = s.student_file(&sno).expect("file");
        assert_eq!(file.profile.dorm, "7栋-101");
        let last = file.records.last().expect("record");
        assert_eq!(last.record.body, RecordBody::ProfileAmendment(a));
        let log = s.audit_log().expect("log");
        let write = log
            .iter()
            .rev()
            .find(|e| e.action == AuditAction::Write)
            .expect("write");
        assert_eq!(write.detail, "profile amended: dorm, status");
    }

    #[test]
    fn fields_parse_from_text() {
        let mut p = StudentProfile::default();
        set_field(
            &mut p,
            "guardians",
            "母亲,王芳,13900000000；父亲，贾政，13900000001",
        )
        .expect("g");
        assert_eq!(p.guardians.len(), 2);
        assert_eq!(p.guardians[1].relation, "父亲");
        set_field(&mut p, "off_campus.accompanied", "是").expect("accompanied");
        assert!(p.off_campus.as_ref().is_some_and(|o| o.accompanied));
        set_field(&mut p, "off_campus", "none").expect("none");
        assert!(p.off_campus.is_none());
        set_field(&mut p, "birth_date", "2007-05-01").expect("date");
        assert!(set_field(&mut p, "birth_date", "5/1/2007").is_err());
        assert!(set_field(&mut p, "student_no", "X").is_err());
        assert!(set_field(&mut p, "status", "away").is_err());
    }
}
