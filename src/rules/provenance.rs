//! Where an obligation's rule comes from: each rule id is owed to one policy field, and the
//! policy's `[sources]` table names that field's source, a seed article (`002 第十二条`) or local
//! (本校设定，非文件规定). The obligation carries it so a counselor sees what the school's document
//! says and what the school chose.

use super::policy::Policy;

/// The source of a field no `[sources]` entry names: the school's own setting.
pub const LOCAL: &str = "local";

/// The policy field a rule id is owed to (docs/policy-format.md, "Obligations and their rule ids").
pub fn field_of(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "must-talk.freshman" => "must_talk.freshman_days",
        "must-talk.key-time" => "must_talk.key_time_days",
        "must-talk.special-group" => "must_talk.special_group_days",
        "must-talk.requested" => "must_talk.requested_days",
        "must-talk.reward-discipline" => "must_talk.reward_discipline_days",
        "must-talk.academic" => "must_talk.academic_days",
        "must-talk.relationship" => "must_talk.relationship_days",
        "must-talk.hardship" => "must_talk.hardship_days",
        "screening.follow-up" => "cadence.screening_follow_up_days",
        "screening.freshman" => "cadence.freshman_screening_days",
        "screening.semester" => "calendar.screening_months",
        "crisis.follow-up" => "cadence.crisis_follow_up_days",
        "plan.review" => "cadence.plan_review_early_days",
        "return.certificate" | "return.assessment" | "return.approval" => {
            "cadence.return_review_days"
        }
        "diagnosed.student" | "diagnosed.parents" => "cadence.diagnosed_contact_days",
        "diagnosed.revisit" => "cadence.revisit_reminder_days",
        "parents.all" => "cadence.all_parent_contacts",
        "parents.key-concern" => "cadence.key_concern_parent_contacts",
        "weekly-review" => "cadence.weekly_review_weekday",
        "dorm-visits.weekly" => "cadence.dorm_visits_per_week",
        "classroom-visits.weekly" => "cadence.classroom_visits_per_week",
        "dorm-visits.monthly" => "cadence.every_dorm_monthly",
        "backbone-meeting" => "cadence.backbone_meeting_days",
        "network-training" => "cadence.network_trainings_per_semester",
        "school-training" => "cadence.school_trainings_per_semester",
        "inbox.triage" => "cadence.triage_days",
        "off-campus.student" | "off-campus.parents" => "cadence.off_campus_contact_days",
        "archive.handover" => "archive.handover_days",
        "dorm-head-meeting" => "cadence.dorm_head_meeting_days",
        "backbone.dorm-visits.monthly" => "cadence.backbone_dorm_visits_monthly",
        "training.backbone" => "cadence.backbone_training_hours",
        "training.dorm-head" => "cadence.dorm_head_training_hours",
        "college-review-meeting" => "cadence.college_review_meetings_per_semester",
        "monthly-report" => "cadence.monthly_report_day",
        "sweep.start" | "sweep.end" => "cadence.semester_sweeps",
        "calendar.end" => "calendar",
        _ => return None,
    })
}

impl Policy {
    /// The source of a field: its `[sources]` entry, else local.
    pub fn source_of_field(&self, field: &str) -> &str {
        self.sources.get(field).map(String::as_str).unwrap_or(LOCAL)
    }

    /// The source of the rule an obligation is owed to (local for a rule id the table lacks).
    pub fn source_of_rule(&self, rule: &str) -> &str {
        field_of(rule).map_or(LOCAL, |f| self.source_of_field(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TalkCategory;

    #[test]
    fn every_must_talk_rule_has_its_field() {
        for c in TalkCategory::ALL {
            if c == TalkCategory::Other {
                continue;
            }
            let rule = format!("must-talk.{}", c.as_str());
            let field = field_of(&rule).unwrap();
            assert_eq!(
                field,
                format!("must_talk.{}_days", c.as_str().replace('-', "_"))
            );
        }
    }

    #[test]
    fn a_rule_reads_its_source_and_an_unnamed_one_is_local() {
        let p = Policy::preset("000").unwrap();
        assert_eq!(p.source_of_rule("diagnosed.parents"), "000 四（一）3");
        assert_eq!(p.source_of_rule("weekly-review"), "local: 000 四（三）2");
        assert_eq!(p.source_of_rule("calendar.end"), LOCAL);
        assert_eq!(p.source_of_rule("no-such-rule"), LOCAL);
    }
}
