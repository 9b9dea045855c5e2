//! 八必谈 the eight must-talks: each trigger event owes a talk of its category within the days the
//! policy allows, and a student of this year's intake owes the freshman talk without any event.

use super::need::{is_talk, Accept, Label, Need};
use super::{ObligationKind, StudentInput};
use crate::model::TalkCategory;
use crate::rules::calendar::plus;
use crate::rules::policy::{Policy, Semester};

/// The rule id of a must-talk category (`must-talk.` + `TalkCategory::as_str`).
fn must_talk_rule(c: TalkCategory) -> &'static str {
    match c {
        TalkCategory::Freshman => "must-talk.freshman",
        TalkCategory::KeyTime => "must-talk.key-time",
        TalkCategory::SpecialGroup => "must-talk.special-group",
        TalkCategory::Requested => "must-talk.requested",
        TalkCategory::RewardDiscipline => "must-talk.reward-discipline",
        TalkCategory::Academic => "must-talk.academic",
        TalkCategory::Relationship => "must-talk.relationship",
        TalkCategory::Hardship => "must-talk.hardship",
        TalkCategory::Other => "must-talk.other",
    }
}

fn talk_label(c: TalkCategory) -> &'static str {
    match c {
        TalkCategory::Freshman => "八必谈·新生谈话",
        TalkCategory::KeyTime => "八必谈·重要时间节点谈话",
        TalkCategory::SpecialGroup => "八必谈·特殊群体谈话",
        TalkCategory::Requested => "八必谈·主动约谈",
        TalkCategory::RewardDiscipline => "八必谈·奖惩谈话",
        TalkCategory::Academic => "八必谈·学业困难谈话",
        TalkCategory::Relationship => "八必谈·寝室人际情感谈话",
        TalkCategory::Hardship => "八必谈·经济困难或突发灾害谈话",
        TalkCategory::Other => "谈话",
    }
}

fn talk_of(c: TalkCategory) -> Accept {
    match c {
        TalkCategory::Freshman => |r| is_talk(r, TalkCategory::Freshman),
        TalkCategory::KeyTime => |r| is_talk(r, TalkCategory::KeyTime),
        TalkCategory::SpecialGroup => |r| is_talk(r, TalkCategory::SpecialGroup),
        TalkCategory::Requested => |r| is_talk(r, TalkCategory::Requested),
        TalkCategory::RewardDiscipline => |r| is_talk(r, TalkCategory::RewardDiscipline),
        TalkCategory::Academic => |r| is_talk(r, TalkCategory::Academic),
        TalkCategory::Relationship => |r| is_talk(r, TalkCategory::Relationship),
        TalkCategory::Hardship => |r| is_talk(r, TalkCategory::Hardship),
        TalkCategory::Other => |r| is_talk(r, TalkCategory::Other),
    }
}

/// The must-talks of one student.
pub(super) fn needs(
    policy: &Policy,
    sem: Option<&Semester>,
    s: &StudentInput<'_>,
    needs: &mut Vec<Need>,
) {
    // A policy without 八必谈 (every seed but 001) owes no must-talk.
    let Some(mt) = &policy.must_talk else {
        return;
    };
    // 八必谈: each trigger event owes a talk of its category.
    let mut freshman_event = false;
    for r in &s.records {
        let Some(c) = r.facts.and_then(|f| f.trigger) else {
            continue;
        };
        let Some(days) = mt.days(c) else { continue };
        freshman_event |= c == TalkCategory::Freshman;
        needs.push(Need {
            rule: must_talk_rule(c),
            kind: ObligationKind::Talk,
            label: Label::Fixed(talk_label(c)),
            since: r.date,
            until: None,
            due: plus(r.date, days),
            accept: talk_of(c),
            not_id: None,
        });
    }
    // A student of this academic year's intake owes the freshman talk without any event.
    if let (Some(first), false) = (sem.and_then(|sem| s.intake(policy, sem)), freshman_event) {
        needs.push(Need {
            rule: "must-talk.freshman",
            kind: ObligationKind::Talk,
            label: Label::Fixed(talk_label(TalkCategory::Freshman)),
            since: first.start,
            until: None,
            due: plus(first.start, mt.freshman_days),
            accept: talk_of(TalkCategory::Freshman),
            not_id: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn must_talk_rule_ids_follow_the_category_names() {
        for c in TalkCategory::ALL {
            assert_eq!(must_talk_rule(c), format!("must-talk.{}", c.as_str()));
        }
    }
}
