//! The duties of a semester for an enrolled student: the whole-school screening, the contacts of
//! a student living off campus, the parent contacts, the weekly review of key-concern students (a
//! diagnosed student's contacts are diagnosed.rs: they go on over breaks and leave).

use chrono::NaiveDate;

use super::need::{any_talk, parent_contact, review, Accept, Label, Need};
use super::{ObligationKind, StudentInput};
use crate::rules::calendar::{minus, monday, periods, plus, split_ends};
use crate::rules::policy::{Policy, Semester};

/// The duties of semester `sem` on `today` for one enrolled student.
pub(super) fn needs(
    policy: &Policy,
    today: NaiveDate,
    sem: &Semester,
    s: &StudentInput<'_>,
    needs: &mut Vec<Need>,
) {
    let cad = &policy.cadence;
    let through = today.min(sem.end);

    // Whole-school screening 心理普查 in the semester's screening months (000: March and
    // September; 002: at each semester start): one screening record in that window.
    if let Some((first, last)) = screening_window(sem) {
        needs.push(Need {
            rule: "screening.semester",
            kind: ObligationKind::Screening,
            label: Label::Fixed("心理普查·每学期"),
            since: first,
            until: Some(last),
            due: last,
            accept: |r| r.kind == "screening",
            not_id: None,
        });
    }

    // Freshman screening 新生心理普查 at enrolment (002 第十一条): a student of this year's intake,
    // within the policy's days of the first semester's start.
    if let Some(first) = s
        .intake(policy, sem)
        .filter(|_| cad.freshman_screening_days > 0)
    {
        needs.push(Need {
            rule: "screening.freshman",
            kind: ObligationKind::Screening,
            label: Label::Fixed("新生心理普查"),
            since: first.start,
            until: None,
            due: plus(first.start, cad.freshman_screening_days),
            accept: |r| r.kind == "screening",
            not_id: None,
        });
    }

    // Off campus or 陪读 (000 四（一）5 "定期与学生及家长保持联系沟通"): the student and the parents
    // every `off_campus_contact_days` of the semester, while the ledger has the student off campus.
    if cad.off_campus_contact_days > 0 && s.profile.off_campus.is_some() {
        for (start, end) in periods(sem.start, cad.off_campus_contact_days, through) {
            for (rule, kind, label, accept) in [
                (
                    "off-campus.student",
                    ObligationKind::Talk,
                    "校外住宿/陪读·定期联系学生",
                    any_talk as Accept,
                ),
                (
                    "off-campus.parents",
                    ObligationKind::ParentContact,
                    "校外住宿/陪读·定期联系家长",
                    parent_contact as Accept,
                ),
            ] {
                needs.push(Need {
                    rule,
                    kind,
                    label: Label::Fixed(label),
                    since: start,
                    until: Some(end),
                    due: end,
                    accept,
                    not_id: None,
                });
            }
        }
    }

    // Parents: every student's once a semester, key-concern students' twice.
    let key = s.concern_at(through).is_some();
    let parent_rules = [
        (
            "parents.all",
            cad.all_parent_contacts,
            "家长联系·每学期",
            true,
        ),
        (
            "parents.key-concern",
            cad.key_concern_parent_contacts,
            "重点关注学生家长联系·每学期",
            key,
        ),
    ];
    for (rule, n, label, applies) in parent_rules {
        if !applies || n == 0 {
            continue;
        }
        for (k, due) in split_ends(sem.start, sem.end, n).into_iter().enumerate() {
            needs.push(Need {
                rule,
                kind: ObligationKind::ParentContact,
                label: Label::Nth(label, n, k + 1),
                since: sem.start,
                until: Some(sem.end),
                due,
                accept: parent_contact,
                not_id: None,
            });
        }
    }

    // Weekly review of every key-concern student, in the weeks they are on the list.
    let mut week = monday(sem.start);
    // Weekday 0: the policy asks for no weekly review.
    while week <= through && cad.weekly_review_weekday > 0 {
        let due = plus(week, cad.weekly_review_weekday - 1);
        let last = plus(week, 6);
        // On the list at the start of the week or at its end (so far): a student closed 销号
        // mid-week is still reviewed that week.
        let listed = s.concern_at(week).is_some() || s.concern_at(last.min(today)).is_some();
        if listed && !policy.is_holiday(due) {
            needs.push(Need {
                rule: "weekly-review",
                kind: ObligationKind::WeeklyReview,
                label: Label::Fixed("重点关注学生·周研判"),
                since: week,
                until: Some(last),
                due,
                accept: review,
                not_id: None,
            });
        }
        week = plus(week, 7);
    }
}
/// The days of a semester's screening months: from the first day of the earliest month (not before
/// the semester starts) to the last day of the latest.
fn screening_window(sem: &Semester) -> Option<(NaiveDate, NaiveDate)> {
    use chrono::Datelike;
    let year_of = |m: u32| {
        if m >= sem.start.month() {
            sem.start.year()
        } else {
            sem.start.year() + 1
        }
    };
    let day1 = |m: u32| NaiveDate::from_ymd_opt(year_of(m), m, 1);
    let lo = sem.screening_months.iter().map(|m| day1(*m)).min()??;
    let hi = sem.screening_months.iter().map(|m| day1(*m)).max()??;
    let last = minus(plus(hi, 31).with_day(1)?, 1);
    Some((lo.max(sem.start), last.min(sem.end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn screening_windows_span_the_months_within_the_semester() {
        let sem = |start: &str, end: &str, months: Vec<u32>| Semester {
            name: String::new(),
            start: d(start),
            end: d(end),
            screening_months: months,
        };
        assert_eq!(
            screening_window(&sem("2026-08-31", "2027-01-15", vec![9])),
            Some((d("2026-09-01"), d("2026-09-30")))
        );
        // Seed 002 screens at the start of the spring term: February and March, from the start.
        assert_eq!(
            screening_window(&sem("2027-02-22", "2027-07-02", vec![2, 3])),
            Some((d("2027-02-22"), d("2027-03-31")))
        );
        // A month after New Year belongs to the next calendar year.
        assert_eq!(
            screening_window(&sem("2026-08-31", "2027-01-15", vec![1])),
            Some((d("2027-01-01"), d("2027-01-15")))
        );
        assert_eq!(
            screening_window(&sem("2026-08-31", "2027-01-15", vec![])),
            None
        );
    }
}
