//! 休学 / 复学 leave and return (seed 000 四（一）4: "严格审查学生复学资格，要对学生心理状态及医院诊断
//! 证明进行综合评估，方能批准学生返校继续学习"). Pure: the session hands in the leave reviews already
//! in the file and writes only what this allows.
//!
//! - A return is approved only when the hospital certificate 医院诊断证明 and a psychological
//!   assessment 心理评估 are on record for the current leave: in the approving review itself or in
//!   an earlier return review after the latest approved leave.
//! - An approved leave sets 学籍状态 to on leave 休学; an approved return sets it back to enrolled
//!   在读. What a leave pauses is the obligation engine's business (`engine::needs_of`).

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::model::{LeaveKind, LeaveReview, StudentStatus};
use crate::reason::Reason;

/// What a leave review already in the file shows (from its sealed header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaveMark {
    /// The day of the review.
    pub date: NaiveDate,
    /// Leave or return.
    pub kind: LeaveKind,
    /// A hospital certificate was presented.
    pub certificate: bool,
    /// An assessment is recorded.
    pub assessed: bool,
    /// Approved.
    pub approved: bool,
}

/// Checks a leave review before it is written, against the student's earlier leave reviews (not
/// superseded, oldest first). Only a return approval can be refused.
pub fn check(review: &LeaveReview, earlier: &[LeaveMark]) -> Result<()> {
    if review.kind != LeaveKind::Return || !review.approved {
        return Ok(());
    }
    // The current leave: the reviews after the latest approved leave (all of them if none).
    let start = earlier
        .iter()
        .rposition(|m| m.kind == LeaveKind::Leave && m.approved)
        .map_or(0, |i| i + 1);
    let returns = || {
        earlier[start..]
            .iter()
            .filter(|m| m.kind == LeaveKind::Return)
    };
    if !review.certificate && !returns().any(|m| m.certificate) {
        return Err(Error::refused(
            "certificate",
            Reason::ReturnNeedsCertificate,
        ));
    }
    if review.assessment.trim().is_empty() && !returns().any(|m| m.assessed) {
        return Err(Error::refused("assessment", Reason::ReturnNeedsAssessment));
    }
    Ok(())
}

/// The 学籍状态 after a leave review is written, when it changes: an approved leave of an enrolled
/// student puts them on leave, an approved return of a student on leave enrols them again. Other
/// statuses (graduated, withdrawn, transferred) are left as they are.
pub fn status_after(status: StudentStatus, review: &LeaveReview) -> Option<StudentStatus> {
    match (review.kind, review.approved, status) {
        (LeaveKind::Leave, true, StudentStatus::Enrolled) => Some(StudentStatus::OnLeave),
        (LeaveKind::Return, true, StudentStatus::OnLeave) => Some(StudentStatus::Enrolled),
        _ => None,
    }
}

/// The periods a student was on leave by their records: from each approved leave to the approved
/// return after it (exclusive). A leave not yet returned from is not listed: while it lasts the
/// profile's status says so.
pub fn periods(marks: impl IntoIterator<Item = LeaveMark>) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut since = None;
    for m in marks {
        match (m.kind, m.approved) {
            (LeaveKind::Leave, true) => {
                since.get_or_insert(m.date);
            }
            (LeaveKind::Return, true) => {
                if let Some(s) = since.take() {
                    out.push((s, m.date));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn mark(
        d: &str,
        kind: LeaveKind,
        certificate: bool,
        assessed: bool,
        approved: bool,
    ) -> LeaveMark {
        LeaveMark {
            date: day(d),
            kind,
            certificate,
            assessed,
            approved,
        }
    }

    fn review(certificate: bool, assessment: &str, approved: bool) -> LeaveReview {
        LeaveReview {
            kind: LeaveKind::Return,
            certificate,
            assessment: assessment.into(),
            approved,
            notes: String::new(),
        }
    }

    fn reason(r: Result<()>) -> Option<Reason> {
        r.err().and_then(|e| e.reason())
    }

    #[test]
    fn a_return_is_approved_only_with_certificate_and_assessment_on_record() {
        let leave = mark("2026-03-01", LeaveKind::Leave, true, true, true);
        assert_eq!(
            reason(check(&review(false, "评估通过", true), &[leave])),
            Some(Reason::ReturnNeedsCertificate)
        );
        assert_eq!(
            reason(check(&review(true, " ", true), &[leave])),
            Some(Reason::ReturnNeedsAssessment)
        );
        assert!(check(&review(true, "评估通过", true), &[leave]).is_ok());
        // A request or a step is never refused.
        assert!(check(&review(false, "", false), &[leave]).is_ok());
        // Steps recorded first count.
        let cert = mark("2026-09-01", LeaveKind::Return, true, false, false);
        let assessed = mark("2026-09-05", LeaveKind::Return, false, true, false);
        assert!(check(&review(false, "", true), &[leave, cert, assessed]).is_ok());
        // A certificate of an earlier leave does not count for this one.
        let again = mark("2026-10-01", LeaveKind::Leave, false, false, true);
        assert_eq!(
            reason(check(
                &review(false, "评估通过", true),
                &[leave, cert, again]
            )),
            Some(Reason::ReturnNeedsCertificate)
        );
    }

    #[test]
    fn leave_and_return_set_the_status_and_make_periods() {
        let leave = LeaveReview {
            kind: LeaveKind::Leave,
            ..review(false, "", true)
        };
        assert_eq!(
            status_after(StudentStatus::Enrolled, &leave),
            Some(StudentStatus::OnLeave)
        );
        assert_eq!(status_after(StudentStatus::Graduated, &leave), None);
        assert_eq!(
            status_after(StudentStatus::OnLeave, &review(true, "好", true)),
            Some(StudentStatus::Enrolled)
        );
        assert_eq!(
            status_after(StudentStatus::OnLeave, &review(true, "好", false)),
            None
        );
        let p = periods([
            mark("2026-03-01", LeaveKind::Leave, false, false, true),
            mark("2026-08-20", LeaveKind::Return, true, false, false),
            mark("2026-09-01", LeaveKind::Return, true, true, true),
            mark("2026-10-01", LeaveKind::Leave, false, false, true),
        ]);
        assert_eq!(p, [(day("2026-03-01"), day("2026-09-01"))]);
    }
}
