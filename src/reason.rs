//! Why the core refused an input, as a type: each reason has a stable code (the UI has Chinese for
//! each, in one table) and an English sentence (what the command line prints). The app and the
//! command line get the same reason from the same rule, so neither ever matches message text.

use std::fmt;

/// A typed reason for refusing an input; carried by [`Error::Refused`](crate::Error::Refused) and
/// [`Error::Grid`](crate::Error::Grid) with the field it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// A day that is not `YYYY-MM-DD`.
    BadDate,
    /// A file that is not a PDF, PNG, JPEG, GIF or WebP by its first bytes.
    UnsupportedMedia,
    /// A review decision without its reason.
    ReviewReasonMissing,
    /// A raise 升级 to a level not above the student's current one.
    RaiseNotHigher,
    /// A lowering 降级 to a level not below the student's current one.
    LowerNotLower,
    /// Network work dated after today (work is recorded once done).
    NetworkFutureDate,
    /// A dorm visit held by someone other than a counselor or backbone.
    NetworkVisitHolder,
    /// A meeting only a counselor holds.
    NetworkCounselorOnly,
    /// A meeting only a backbone 心理委员 holds.
    NetworkBackboneOnly,
    /// No one in the network has this id.
    NetworkPersonUnknown,
    /// A training without its trainees (by their ids in the network).
    NetworkTrainees,
    /// Training hours outside (0, 24].
    NetworkHours,
    /// A dorm visit without its dorm.
    NetworkDorm,
    /// A waiver without its reason.
    NetworkWaiverReason,
    /// No open network duty has this rule, person, subject and due date.
    NetworkNoDuty,
    /// Grid table: no header row holding this column in the first 10 rows.
    GridNoHeader,
    /// Grid table: not a readable workbook.
    GridUnreadable,
    /// Grid table: the workbook has no sheet.
    GridNoSheet,
    /// Grid table: a role other than 辅导员, 班主任, 心理委员, 寝室长.
    GridRole,
    /// Grid table: a required cell is empty.
    GridRequired,
    /// Grid table: a student category other than 本科, 研究生.
    GridDegree,
    /// Grid table: an id that appears twice.
    GridDuplicate,
    /// Grid table: a liaison reason other than 校外住宿, 转专业, 调换寝室.
    GridLiaison,
    /// A time that is not `YYYY-MM-DD HH:MM`.
    BadTime,
    /// A crisis step or closing for a student without an open crisis case.
    CrisisNoOpenCase,
    /// A crisis step the policy's protocol does not name.
    CrisisStepUnknown,
    /// A crisis step or closing without who did or approved it.
    CrisisWhoMissing,
    /// A crisis case closed without its reason.
    CrisisReasonMissing,
    /// A crisis report without what happened.
    CrisisTextMissing,
    /// A crisis step or closing dated before the case was opened.
    CrisisBeforeCase,
    /// A file offered as a passphrase handover or receipt that is not encrypted to a passphrase.
    NotPassphraseFile,
    /// A student's obligation waived 免除 without its reason.
    WaiverReasonMissing,
    /// An observer's report dismissed 不予处理 without its reason.
    DismissReasonMissing,
    /// No open item of the triage inbox has this id (triaged meanwhile, or never there).
    InboxItemGone,
    /// A return 复学 approved without the hospital certificate on record (seed 000 四（一）4).
    ReturnNeedsCertificate,
    /// A return 复学 approved without a psychological assessment on record (seed 000 四（一）4).
    ReturnNeedsAssessment,
    /// A profile amendment without its reason.
    AmendReasonMissing,
    /// A profile amendment that changes nothing.
    AmendNothingChanged,
    /// A profile amendment that changes the 学号 (a file's identity never changes).
    AmendStudentNo,
    /// A profile field name or value the amendment does not know.
    AmendFieldValue,
    /// No person of the archive has this name.
    UnknownPerson,
    /// A person's name: one to twenty characters.
    BadPersonName,
    /// A person with this name is already in the archive.
    PersonExists,
    /// A student outside the unlocked person's caseloads.
    NotInCaseload,
    /// An action the unlocked person's role does not allow.
    RoleMayNot,
    /// Adding people to an archive whose recovery key predates people (renew it first).
    RecoveryKeyOutdated,
    /// Removing or demoting the last administrator.
    LastAdmin,
    /// A caseload assignment or transfer that matches no student the giver holds.
    CaseloadNoMatch,
    /// A handover bundle with students this archive already holds, imported without a person's
    /// choice: merge them (确认合并) or return them to the sender.
    HandoverStudentHeld,
}

impl Reason {
    /// Every reason, for tests and the UI table's completeness check.
    pub const ALL: [Reason; 49] = [
        Self::BadDate,
        Self::UnsupportedMedia,
        Self::ReviewReasonMissing,
        Self::RaiseNotHigher,
        Self::LowerNotLower,
        Self::NetworkFutureDate,
        Self::NetworkVisitHolder,
        Self::NetworkCounselorOnly,
        Self::NetworkBackboneOnly,
        Self::NetworkPersonUnknown,
        Self::NetworkTrainees,
        Self::NetworkHours,
        Self::NetworkDorm,
        Self::NetworkWaiverReason,
        Self::NetworkNoDuty,
        Self::GridNoHeader,
        Self::GridUnreadable,
        Self::GridNoSheet,
        Self::GridRole,
        Self::GridRequired,
        Self::GridDegree,
        Self::GridDuplicate,
        Self::GridLiaison,
        Self::BadTime,
        Self::CrisisNoOpenCase,
        Self::CrisisStepUnknown,
        Self::CrisisWhoMissing,
        Self::CrisisReasonMissing,
        Self::CrisisTextMissing,
        Self::CrisisBeforeCase,
        Self::NotPassphraseFile,
        Self::WaiverReasonMissing,
        Self::DismissReasonMissing,
        Self::InboxItemGone,
        Self::ReturnNeedsCertificate,
        Self::ReturnNeedsAssessment,
        Self::AmendReasonMissing,
        Self::AmendNothingChanged,
        Self::AmendStudentNo,
        Self::AmendFieldValue,
        Self::UnknownPerson,
        Self::BadPersonName,
        Self::PersonExists,
        Self::NotInCaseload,
        Self::RoleMayNot,
        Self::RecoveryKeyOutdated,
        Self::LastAdmin,
        Self::CaseloadNoMatch,
        Self::HandoverStudentHeld,
    ];

    /// The stable reason code the UI maps to Chinese (`ui/src/errors.ts`).
    pub fn code(self) -> &'static str {
        match self {
            Self::BadDate => "bad_date",
            Self::UnsupportedMedia => "unsupported_media",
            Self::ReviewReasonMissing => "review_reason_missing",
            Self::RaiseNotHigher => "raise_not_higher",
            Self::LowerNotLower => "lower_not_lower",
            Self::NetworkFutureDate => "network_future_date",
            Self::NetworkVisitHolder => "network_visit_holder",
            Self::NetworkCounselorOnly => "network_counselor_only",
            Self::NetworkBackboneOnly => "network_backbone_only",
            Self::NetworkPersonUnknown => "network_person_unknown",
            Self::NetworkTrainees => "network_trainees",
            Self::NetworkHours => "network_hours",
            Self::NetworkDorm => "network_dorm",
            Self::NetworkWaiverReason => "network_waiver_reason",
            Self::NetworkNoDuty => "network_no_duty",
            Self::GridNoHeader => "grid_no_header",
            Self::GridUnreadable => "grid_unreadable",
            Self::GridNoSheet => "grid_no_sheet",
            Self::GridRole => "grid_role",
            Self::GridRequired => "grid_required",
            Self::GridDegree => "grid_degree",
            Self::GridDuplicate => "grid_duplicate",
            Self::GridLiaison => "grid_liaison",
            Self::BadTime => "bad_time",
            Self::CrisisNoOpenCase => "crisis_no_open_case",
            Self::CrisisStepUnknown => "crisis_step_unknown",
            Self::CrisisWhoMissing => "crisis_who_missing",
            Self::CrisisReasonMissing => "crisis_reason_missing",
            Self::CrisisTextMissing => "crisis_text_missing",
            Self::CrisisBeforeCase => "crisis_before_case",
            Self::NotPassphraseFile => "not_passphrase_file",
            Self::WaiverReasonMissing => "waiver_reason_missing",
            Self::DismissReasonMissing => "dismiss_reason_missing",
            Self::InboxItemGone => "inbox_item_gone",
            Self::ReturnNeedsCertificate => "return_needs_certificate",
            Self::ReturnNeedsAssessment => "return_needs_assessment",
            Self::AmendReasonMissing => "amend_reason_missing",
            Self::AmendNothingChanged => "amend_nothing_changed",
            Self::AmendStudentNo => "amend_student_no",
            Self::AmendFieldValue => "amend_field_value",
            Self::UnknownPerson => "unknown_person",
            Self::BadPersonName => "bad_person_name",
            Self::PersonExists => "person_exists",
            Self::NotInCaseload => "not_in_caseload",
            Self::RoleMayNot => "role_may_not",
            Self::RecoveryKeyOutdated => "recovery_key_outdated",
            Self::LastAdmin => "last_admin",
            Self::CaseloadNoMatch => "caseload_no_match",
            Self::HandoverStudentHeld => "handover_student_held",
        }
    }

    /// The error code of a refusal for this reason. The network's refusals kept the codes the UI
    /// already had for them (`network_*`); the others are `invalid_input` with the reason beside.
    pub fn error_code(self) -> &'static str {
        match self {
            Self::NetworkFutureDate
            | Self::NetworkVisitHolder
            | Self::NetworkCounselorOnly
            | Self::NetworkBackboneOnly
            | Self::NetworkPersonUnknown
            | Self::NetworkTrainees
            | Self::NetworkHours
            | Self::NetworkDorm
            | Self::NetworkWaiverReason
            | Self::NetworkNoDuty => self.code(),
            _ => "invalid_input",
        }
    }

    /// The English sentence the command line prints.
    pub fn message(self) -> &'static str {
        match self {
            Self::BadDate => "use YYYY-MM-DD",
            Self::UnsupportedMedia => "only PDF, PNG, JPEG, GIF and WebP files are accepted",
            Self::ReviewReasonMissing => "every decision needs its reason",
            Self::RaiseNotHigher => "a raise needs a level above the student's current one",
            Self::LowerNotLower => "a lowering needs a level below the student's current one",
            Self::NetworkFutureDate => "the activity's date is after today",
            Self::NetworkVisitHolder => "must be a counselor or backbone of the network",
            Self::NetworkCounselorOnly => "must be a counselor of the network",
            Self::NetworkBackboneOnly => "must be a backbone of the network",
            Self::NetworkPersonUnknown => "no one in the network has this id",
            Self::NetworkTrainees => "list the trainees by their ids in the network",
            Self::NetworkHours => "must be more than 0 and at most 24",
            Self::NetworkDorm => "a dorm visit names the dorm",
            Self::NetworkWaiverReason => "a waiver needs its reason",
            Self::NetworkNoDuty => {
                "no open network duty has this rule, person, subject and due date"
            }
            Self::GridNoHeader => "no header row with this column in the first 10 rows",
            Self::GridUnreadable => "the file is not a readable workbook",
            Self::GridNoSheet => "the workbook has no sheet",
            Self::GridRole => "use 辅导员, 班主任, 心理委员 or 寝室长",
            Self::GridRequired => "is required",
            Self::GridDegree => "use 本科 or 研究生",
            Self::GridDuplicate => "appears twice",
            Self::GridLiaison => "use 校外住宿, 转专业 or 调换寝室",
            Self::BadTime => "use YYYY-MM-DD HH:MM",
            Self::CrisisNoOpenCase => "the student has no open crisis case",
            Self::CrisisStepUnknown => "the policy's crisis protocol has no step with this key",
            Self::CrisisWhoMissing => "name who did it (or approved it)",
            Self::CrisisReasonMissing => "closing a crisis case needs its reason",
            Self::CrisisTextMissing => "a crisis report says what happened",
            Self::CrisisBeforeCase => "is before the crisis case was opened",
            Self::NotPassphraseFile => {
                "this file is not encrypted to a passphrase; import it as an ordinary bundle or receipt"
            }
            Self::WaiverReasonMissing => "a waiver needs its reason",
            Self::DismissReasonMissing => "a dismissal needs its reason",
            Self::InboxItemGone => "no open item with that id in the inbox (already triaged?)",
            Self::ReturnNeedsCertificate => {
                "a return is approved only with the hospital certificate on record"
            }
            Self::ReturnNeedsAssessment => {
                "a return is approved only with a psychological assessment on record"
            }
            Self::AmendReasonMissing => "a profile amendment needs its reason",
            Self::AmendNothingChanged => "the amendment changes nothing",
            Self::AmendStudentNo => "the 学号 of a file cannot be changed",
            Self::AmendFieldValue => "not a field of the profile, or not a value it takes",
            Self::UnknownPerson => "no person of this archive has this name",
            Self::BadPersonName => "a name of 1 to 20 characters",
            Self::PersonExists => "a person of this archive already has this name",
            Self::NotInCaseload => "this student is not in a caseload you hold",
            Self::RoleMayNot => "your role may not do this (ask the administrator)",
            Self::RecoveryKeyOutdated => "make a new recovery key first: this archive's key predates people, so it could not reset their access",
            Self::LastAdmin => "the archive keeps at least one administrator",
            Self::CaseloadNoMatch => "no class, grade or student of the archive matches",
            Self::HandoverStudentHeld => {
                "this handover holds students this archive already has: confirm merging them into the files here (--merge-held), or return them to the sender (--return-held)"
            }
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_all_is_complete() {
        let mut codes: Vec<&str> = Reason::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Reason::ALL.len());
        // The network's refusals keep their own error codes; the rest are `invalid_input`.
        assert_eq!(Reason::NetworkHours.error_code(), "network_hours");
        assert_eq!(Reason::BadDate.error_code(), "invalid_input");
    }
}
