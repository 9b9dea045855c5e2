//! The reports the offices receive: the weekly review of key-concern students 重点关注学生周研判表,
//! the monthly report 月报 (seed 002) and the semester summary. One [`Report`] feeds both the app's
//! charts and the .xlsx file, so what is printed is what was shown.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::calendar::{minus, monday, plus};
use super::engine::{Obligation, ObligationStatus, StudentInput};
use super::policy::Policy;
use super::review::{decision_zh, level_zh, ReviewMeeting};
use super::xlsx::{self, Cell, Sheet};
use crate::error::{Error, Result};
use crate::model::{ConcernLevel, CrisisLevel, StudentStatus, TalkCategory};

/// Which report.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// 重点关注学生周研判表: the week holding the day.
    Weekly,
    /// 月报: the month holding the day.
    Monthly,
    /// 学期总结: the semester holding the day.
    Semester,
}

impl ReportKind {
    /// The command-line spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "weekly" => Self::Weekly,
            "monthly" => Self::Monthly,
            "semester" => Self::Semester,
            _ => return None,
        })
    }

    fn zh(self) -> &'static str {
        match self {
            Self::Weekly => "重点关注学生周研判表",
            Self::Monthly => "学生心理健康工作月报",
            Self::Semester => "学生心理健康工作学期总结",
        }
    }
}

/// A labelled count (a bar of a chart).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountItem {
    /// Label in Chinese.
    pub label: String,
    /// Count.
    pub count: i32,
}

/// How the obligations of one rule due in the period were met.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRate {
    /// Rule id.
    pub rule: String,
    /// Rule in Chinese.
    pub label: String,
    /// Obligations due in the period.
    pub total: i32,
    /// Done on or before the due date.
    pub on_time: i32,
    /// Done after it.
    pub late: i32,
    /// Still open (due or overdue).
    pub open: i32,
    /// Waived with a reason.
    pub waived: i32,
}

/// Students on the key-concern list on one day, by level.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcernPoint {
    /// The day.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// 一般关注
    pub general: i32,
    /// 重点关注
    pub key: i32,
    /// 特别关注
    pub special: i32,
}

/// A key-concern student in the period, as the weekly table lists them.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcernRow {
    /// 学号
    pub student_no: String,
    /// 姓名
    pub student_name: String,
    /// 学院
    pub college: String,
    /// 班级
    pub class_name: String,
    /// Level at the end of the period (none: closed 销号 in it).
    pub level: Option<ConcernLevel>,
    /// The period's review decision, in Chinese, with its reason when taken in a meeting.
    pub decision: String,
    /// Talks in the period.
    pub talks: i32,
    /// Parent contacts in the period.
    pub parent_contacts: i32,
    /// Obligations still open at the end of the period.
    pub open_obligations: i32,
}

/// A report, for the screen and for the .xlsx file.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Which report.
    pub kind: ReportKind,
    /// Title in Chinese.
    pub title: String,
    /// The school of the policy in force.
    pub school: String,
    /// First day of the period.
    #[typeshare(serialized_as = "String")]
    pub start: NaiveDate,
    /// Last day of the period.
    #[typeshare(serialized_as = "String")]
    pub end: NaiveDate,
    /// The day the figures are taken (the period's end, or today if earlier).
    #[typeshare(serialized_as = "String")]
    pub as_of: NaiveDate,
    /// Enrolled students.
    pub students: i32,
    /// On the key-concern list at `as_of`.
    pub key_concern: i32,
    /// Put on the list in the period.
    pub new_concern: i32,
    /// Closed 销号 in the period.
    pub closed_concern: i32,
    /// Talks by 八必谈 category in the period.
    pub talks_by_category: Vec<CountItem>,
    /// Parent contacts in the period.
    pub parent_contacts: i32,
    /// Crisis assessments by level in the period.
    pub crises: Vec<CountItem>,
    /// Obligations due in the period, by rule: met on time or not.
    pub obligations: Vec<RuleRate>,
    /// Key-concern students by level over the period.
    pub concern_over_time: Vec<ConcernPoint>,
    /// Every student on the list during the period, with the period's decision.
    pub concern_list: Vec<ConcernRow>,
    /// Weekly review meetings signed in the period.
    pub meetings: i32,
}

/// The period of a report holding `day`.
pub fn period(kind: ReportKind, policy: &Policy, day: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
    Ok(match kind {
        ReportKind::Weekly => (monday(day), plus(monday(day), 6)),
        ReportKind::Monthly => {
            let first = day.with_day(1).unwrap_or(day);
            let next = plus(first, 31).with_day(1).unwrap_or(day);
            (first, minus(next, 1))
        }
        ReportKind::Semester => {
            let none = Error::Invalid {
                field: "date",
                reason: "no semester of the policy in force holds this day",
            };
            let s = policy.semester_at(day).ok_or(none)?;
            // After the last semester of the calendar the policy says nothing yet.
            let last = policy.calendar.semesters.last().map(|l| l.end);
            if Some(s.end) == last && day > s.end {
                return Err(Error::Invalid {
                    field: "date",
                    reason: "the policy's calendar ends before this day; add the next semesters",
                });
            }
            (s.start, s.end)
        }
    })
}

fn talk_zh(c: TalkCategory) -> &'static str {
    match c {
        TalkCategory::Freshman => "新生",
        TalkCategory::KeyTime => "重要时间节点",
        TalkCategory::SpecialGroup => "特殊群体",
        TalkCategory::Requested => "主动约谈",
        TalkCategory::RewardDiscipline => "奖惩",
        TalkCategory::Academic => "学业困难",
        TalkCategory::Relationship => "寝室人际情感",
        TalkCategory::Hardship => "经济困难或突发灾害",
        TalkCategory::Other => "其他",
    }
}

/// What the report is built from: the students as of `as_of` (records up to it), the obligations
/// computed on `as_of`, and the signed meetings.
pub struct Inputs<'a> {
    /// Policy in force.
    pub policy: &'a Policy,
    /// Students with their records up to `as_of`.
    pub students: &'a [StudentInput<'a>],
    /// Obligations on `as_of`.
    pub obligations: &'a [Obligation],
    /// Signed weekly review meetings.
    pub meetings: &'a [ReviewMeeting],
}

/// Builds a report of `kind` for the period holding `today`.
pub fn build(kind: ReportKind, today: NaiveDate, inp: &Inputs<'_>) -> Result<Report> {
    let (start, end) = period(kind, inp.policy, today)?;
    let as_of = end.min(today);
    let within = |d: NaiveDate| start <= d && d <= end;
    let live: Vec<&StudentInput<'_>> = inp
        .students
        .iter()
        .filter(|s| {
            matches!(
                s.profile.status,
                StudentStatus::Enrolled | StudentStatus::OnLeave
            )
        })
        .collect();

    let mut talks: BTreeMap<usize, i32> = BTreeMap::new();
    let mut crises: BTreeMap<CrisisLevel, i32> = BTreeMap::new();
    let mut parent_contacts = 0;
    let (mut new_concern, mut closed_concern) = (0, 0);
    for s in &live {
        for r in s.records.iter().filter(|r| within(r.date)) {
            match r.kind {
                "talk" => {
                    let c = r.category.unwrap_or(TalkCategory::Other);
                    let i = TalkCategory::ALL.iter().position(|x| *x == c).unwrap_or(8);
                    *talks.entry(i).or_default() += 1;
                }
                "parent_contact" => parent_contacts += 1,
                "crisis" => {
                    if let Some(l) = r.crisis {
                        *crises.entry(l).or_default() += 1;
                    }
                }
                _ => {}
            }
        }
        let before = s.concern_at(minus(start, 1)).is_some();
        let after = s.concern_at(as_of).is_some();
        let during = s
            .records
            .iter()
            .any(|r| within(r.date) && r.concern.is_some() && r.concern_until.is_none());
        if !before && (after || during) {
            new_concern += 1;
        }
        if (before || during) && !after {
            closed_concern += 1;
        }
    }
    let talks_by_category = TalkCategory::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| CountItem {
            label: talk_zh(*c).into(),
            count: talks.get(&i).copied().unwrap_or(0),
        })
        .collect();
    let crises = [
        CrisisLevel::A,
        CrisisLevel::B,
        CrisisLevel::C,
        CrisisLevel::D,
    ]
    .into_iter()
    .map(|l| CountItem {
        label: format!("{l:?}级"),
        count: crises.get(&l).copied().unwrap_or(0),
    })
    .collect();

    // Obligations due in the period, by rule.
    let mut rates: BTreeMap<&str, RuleRate> = BTreeMap::new();
    for o in inp.obligations.iter().filter(|o| within(o.due)) {
        let r = rates.entry(&*o.rule).or_insert_with(|| RuleRate {
            rule: o.rule.to_string(),
            label: base_label(&o.label),
            total: 0,
            on_time: 0,
            late: 0,
            open: 0,
            waived: 0,
        });
        r.total += 1;
        match o.status {
            ObligationStatus::Done if o.fulfilled_on.is_some_and(|d| d <= o.due) => r.on_time += 1,
            ObligationStatus::Done => r.late += 1,
            ObligationStatus::Waived => r.waived += 1,
            ObligationStatus::Due | ObligationStatus::Overdue => r.open += 1,
        }
    }

    // Concern levels over time: each day of a week, each week's end of a month, each month's end
    // of a semester; never past `as_of`.
    let mut days = Vec::new();
    match kind {
        ReportKind::Weekly => {
            let mut d = start;
            while d <= as_of {
                days.push(d);
                d = plus(d, 1);
            }
        }
        ReportKind::Monthly => {
            let mut d = plus(monday(start), 6);
            while d < as_of {
                if d >= start {
                    days.push(d);
                }
                d = plus(d, 7);
            }
            days.push(as_of);
        }
        ReportKind::Semester => {
            let mut m = start.with_day(1).unwrap_or(start);
            loop {
                let next = plus(m, 31).with_day(1).unwrap_or(end);
                let last = minus(next, 1);
                if last >= as_of {
                    days.push(as_of);
                    break;
                }
                days.push(last);
                m = next;
            }
        }
    }
    days.retain(|d| *d >= start);
    let concern_over_time = days
        .into_iter()
        .map(|d| {
            let mut p = ConcernPoint {
                date: d,
                general: 0,
                key: 0,
                special: 0,
            };
            for s in &live {
                match s.concern_at(d) {
                    Some(ConcernLevel::General) => p.general += 1,
                    Some(ConcernLevel::Key) => p.key += 1,
                    Some(ConcernLevel::Special) => p.special += 1,
                    None => {}
                }
            }
            p
        })
        .collect();

    // The list: everyone on it at some point of the period.
    let mut open_by_student: std::collections::HashMap<&str, i32> = Default::default();
    for o in inp.obligations.iter().filter(|o| {
        o.due <= end && matches!(o.status, ObligationStatus::Due | ObligationStatus::Overdue)
    }) {
        *open_by_student.entry(&*o.student_no).or_default() += 1;
    }
    let mut concern_list: Vec<ConcernRow> = Vec::new();
    for s in &live {
        let on = s.concern_at(start).is_some()
            || s.concern_at(as_of).is_some()
            || s.records
                .iter()
                .any(|r| within(r.date) && r.concern.is_some());
        if !on {
            continue;
        }
        let p = s.profile;
        let last_review = s
            .records
            .iter()
            .rev()
            .find(|r| within(r.date) && r.kind == "review");
        let decision = match last_review.and_then(|r| r.facts.and_then(|f| f.decision)) {
            Some(d) => {
                let reason = inp
                    .meetings
                    .iter()
                    .filter(|m| within(m.date))
                    .flat_map(|m| m.items.iter())
                    .rev()
                    .find(|i| i.student_no == p.student_no && i.decision == d)
                    .map(|i| i.reason.clone());
                match reason {
                    Some(r) => format!("{}：{}", decision_zh(d), r),
                    None => decision_zh(d).to_string(),
                }
            }
            None => "未研判".to_string(),
        };
        let count = |k: &str| {
            s.records
                .iter()
                .filter(|r| within(r.date) && r.kind == k)
                .count() as i32
        };
        let open = open_by_student
            .get(p.student_no.as_str())
            .copied()
            .unwrap_or(0);
        concern_list.push(ConcernRow {
            student_no: p.student_no.clone(),
            student_name: p.name.clone(),
            college: p.college.clone(),
            class_name: p.class_name.clone(),
            level: s.concern_at(as_of),
            decision,
            talks: count("talk"),
            parent_contacts: count("parent_contact"),
            open_obligations: open,
        });
    }
    concern_list.sort_by(|a, b| {
        (b.level, &a.college, &a.class_name, &a.student_no).cmp(&(
            a.level,
            &b.college,
            &b.class_name,
            &b.student_no,
        ))
    });

    Ok(Report {
        kind,
        title: format!("{}（{} 至 {}）", kind.zh(), start, end),
        school: inp.policy.school.name.clone(),
        start,
        end,
        as_of,
        students: live
            .iter()
            .filter(|s| s.profile.status == StudentStatus::Enrolled)
            .count() as i32,
        key_concern: live
            .iter()
            .filter(|s| s.concern_at(as_of).is_some())
            .count() as i32,
        new_concern,
        closed_concern,
        talks_by_category,
        parent_contacts,
        crises,
        obligations: rates.into_values().collect(),
        concern_over_time,
        concern_list,
        meetings: inp.meetings.iter().filter(|m| within(m.date)).count() as i32,
    })
}

/// "家长联系·每学期1次（第1次）" → "家长联系·每学期1次": the rule without the instance.
fn base_label(label: &str) -> String {
    label.split('（').next().unwrap_or(label).trim().to_string()
}

/// Writes the report as .xlsx: a summary sheet, then one sheet per table.
pub fn write_xlsx(path: &Path, r: &Report) -> Result<()> {
    let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let title = format!("{} {}", r.school, r.title);
    let mut summary = vec![
        vec![Cell::from("统计截至"), r.as_of.to_string().into()],
        vec![Cell::from("在读学生数"), r.students.into()],
        vec![Cell::from("重点关注学生数"), r.key_concern.into()],
        vec![Cell::from("本期新增关注"), r.new_concern.into()],
        vec![Cell::from("本期销号"), r.closed_concern.into()],
        vec![
            Cell::from("谈心谈话次数"),
            r.talks_by_category
                .iter()
                .map(|c| c.count)
                .sum::<i32>()
                .into(),
        ],
        vec![Cell::from("家校联系次数"), r.parent_contacts.into()],
        vec![
            Cell::from("危机事件数"),
            r.crises.iter().map(|c| c.count).sum::<i32>().into(),
        ],
        vec![Cell::from("周研判会议次数"), r.meetings.into()],
    ];
    let total: i32 = r.obligations.iter().map(|o| o.total).sum();
    let on_time: i32 = r.obligations.iter().map(|o| o.on_time).sum();
    summary.push(vec![Cell::from("应完成工作事项"), total.into()]);
    summary.push(vec![Cell::from("按时完成"), on_time.into()]);
    summary.push(vec![
        Cell::from("按时完成率"),
        if total > 0 {
            format!("{:.1}%", f64::from(on_time) * 100.0 / f64::from(total))
        } else {
            "—".into()
        }
        .into(),
    ]);
    let concern_sheet = Sheet {
        name: "重点关注学生".into(),
        title: Some(title.clone()),
        columns: cols(&[
            "学号",
            "姓名",
            "学院",
            "班级",
            "关注等级",
            "研判结论",
            "谈话次数",
            "家校联系次数",
            "未完成事项",
        ]),
        rows: r
            .concern_list
            .iter()
            .map(|c| {
                vec![
                    Cell::from(c.student_no.clone()),
                    c.student_name.clone().into(),
                    c.college.clone().into(),
                    c.class_name.clone().into(),
                    c.level.map(level_zh).unwrap_or("已销号").into(),
                    c.decision.clone().into(),
                    c.talks.into(),
                    c.parent_contacts.into(),
                    c.open_obligations.into(),
                ]
            })
            .collect(),
    };
    let mut sheets = Vec::new();
    if r.kind == ReportKind::Weekly {
        sheets.push(concern_sheet.clone());
    }
    sheets.push(Sheet {
        name: "概况".into(),
        title: Some(title.clone()),
        columns: cols(&["项目", "数值"]),
        rows: summary,
    });
    sheets.push(Sheet {
        name: "谈话分类".into(),
        title: Some("谈心谈话（八必谈）分类统计".into()),
        columns: cols(&["类别", "次数"]),
        rows: r
            .talks_by_category
            .iter()
            .map(|c| vec![Cell::from(c.label.clone()), c.count.into()])
            .collect(),
    });
    sheets.push(Sheet {
        name: "工作事项完成".into(),
        title: Some("工作事项按时完成情况".into()),
        columns: cols(&["规则", "应完成", "按时完成", "逾期完成", "未完成", "已豁免"]),
        rows: r
            .obligations
            .iter()
            .map(|o| {
                vec![
                    Cell::from(o.label.clone()),
                    o.total.into(),
                    o.on_time.into(),
                    o.late.into(),
                    o.open.into(),
                    o.waived.into(),
                ]
            })
            .collect(),
    });
    sheets.push(Sheet {
        name: "关注等级变化".into(),
        title: Some("重点关注学生人数变化".into()),
        columns: cols(&["日期", "一般关注", "重点关注", "特别关注"]),
        rows: r
            .concern_over_time
            .iter()
            .map(|p| {
                vec![
                    Cell::from(p.date.to_string()),
                    p.general.into(),
                    p.key.into(),
                    p.special.into(),
                ]
            })
            .collect(),
    });
    sheets.push(Sheet {
        name: "危机事件".into(),
        title: Some("危机事件分级统计".into()),
        columns: cols(&["等级", "次数"]),
        rows: r
            .crises
            .iter()
            .map(|c| vec![Cell::from(c.label.clone()), c.count.into()])
            .collect(),
    });
    if r.kind != ReportKind::Weekly {
        sheets.push(concern_sheet);
    }
    xlsx::write(path, &sheets)
}
