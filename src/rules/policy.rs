//! The policy file: a school's rules as TOML (docs/policy-format.md). Parsing and validation name
//! the line and the field of every mistake, so a counselor editing it in settings can fix it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};
use crate::model::TalkCategory;

/// The presets shipped with the app, one per seed school: (id, TOML text).
pub const PRESETS: &[(&str, &str)] = &[
    (
        "000",
        include_str!("../../assets/policies/000-wuchang-shouyi.toml"),
    ),
    (
        "001",
        include_str!("../../assets/policies/001-sanjiang.toml"),
    ),
    ("002", include_str!("../../assets/policies/002-quzhou.toml")),
    ("003", include_str!("../../assets/policies/003-whu.toml")),
    (
        "004",
        include_str!("../../assets/policies/004-college.toml"),
    ),
];

/// The preset used until an archive stores its own policy.
pub const DEFAULT_PRESET: &str = "000";

/// A school's rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Who the policy belongs to.
    pub school: School,
    /// 校历 the academic calendar.
    pub calendar: Calendar,
    /// 八必谈: days allowed between the triggering event and the talk.
    pub must_talk: MustTalk,
    /// Follow-up cadences.
    pub cadence: Cadence,
    /// The four-level network 校—院—班—寝.
    pub network: NetworkRules,
}

/// The school a policy belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    /// Name, e.g. 武昌首义学院.
    pub name: String,
    /// The seed document(s) the rules come from, e.g. "000".
    #[serde(default)]
    pub source: String,
}

/// The academic calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// Semesters in order, without overlap.
    pub semesters: Vec<Semester>,
    /// Holidays (no weekly review or dorm visit is owed on these days).
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

/// One semester 学期.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Semester {
    /// Name, e.g. 2026–2027学年第一学期.
    pub name: String,
    /// First day of teaching.
    #[serde(deserialize_with = "toml_date")]
    pub start: NaiveDate,
    /// Last day.
    #[serde(deserialize_with = "toml_date")]
    pub end: NaiveDate,
    /// Months (1–12) with a whole-school screening 心理普查.
    #[serde(default)]
    pub screening_months: Vec<u32>,
}

impl Semester {
    /// The academic year this semester belongs to, by the year it began (autumn intake): a
    /// semester starting in August or later belongs to that year, an earlier one to the year before.
    pub fn academic_year(&self) -> i32 {
        if self.start.month() >= 8 {
            self.start.year()
        } else {
            self.start.year() - 1
        }
    }
}

/// A holiday 假期.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// Name, e.g. 国庆节.
    pub name: String,
    /// First day.
    #[serde(deserialize_with = "toml_date")]
    pub start: NaiveDate,
    /// Last day.
    #[serde(deserialize_with = "toml_date")]
    pub end: NaiveDate,
}

/// Days allowed for each of the eight must-talks 八必谈 (seed 001).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MustTalk {
    /// 新生: days after the start of the first semester of the intake year.
    pub freshman_days: u32,
    /// 重要时间节点.
    pub key_time_days: u32,
    /// 特殊学生群体.
    pub special_group_days: u32,
    /// 主动要约谈.
    pub requested_days: u32,
    /// 奖励、批评或处分.
    pub reward_discipline_days: u32,
    /// 学业困难、学业预警、退学试读.
    pub academic_days: u32,
    /// 寝室矛盾、恋爱、人际关系.
    pub relationship_days: u32,
    /// 家庭经济困难、突发灾害.
    pub hardship_days: u32,
}

impl MustTalk {
    /// Days allowed for a category; `None` for "other", which obliges nothing.
    pub fn days(&self, c: TalkCategory) -> Option<u32> {
        Some(match c {
            TalkCategory::Freshman => self.freshman_days,
            TalkCategory::KeyTime => self.key_time_days,
            TalkCategory::SpecialGroup => self.special_group_days,
            TalkCategory::Requested => self.requested_days,
            TalkCategory::RewardDiscipline => self.reward_discipline_days,
            TalkCategory::Academic => self.academic_days,
            TalkCategory::Relationship => self.relationship_days,
            TalkCategory::Hardship => self.hardship_days,
            TalkCategory::Other => return None,
        })
    }
}

/// Follow-up cadences (DOMAIN.md "Follow-up cadences").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    /// Hospital-diagnosed students: contact the student and the parents every this many days (000: 15).
    pub diagnosed_contact_days: u32,
    /// Parent contacts per semester for key-concern students (001: 2).
    pub key_concern_parent_contacts: u32,
    /// Parent contacts per semester for every student (000: 1).
    pub all_parent_contacts: u32,
    /// Weekly review 周研判 of each key-concern student: the weekday it is due (1 = Monday … 7 = Sunday).
    pub weekly_review_weekday: u32,
    /// A plan's review may be held this many days before its date.
    pub plan_review_early_days: u32,
    /// Flagged screening results: follow-up interview within this many days.
    pub screening_follow_up_days: u32,
    /// After a crisis assessment: follow-up talks due this many days after it, one per entry.
    pub crisis_follow_up_days: Vec<u32>,
    /// Return to school 复学: certificate, assessment and approval within this many days of the request.
    pub return_review_days: u32,
    /// Counselor's dorm visits per week (000/001: 2).
    pub dorm_visits_per_week: u32,
    /// Every dorm visited each month (000).
    pub every_dorm_monthly: bool,
    /// Counselor's backbone meeting every this many days (003: 7–14).
    pub backbone_meeting_days: u32,
    /// Training hours per semester for peer backbones (003: 4).
    pub backbone_training_hours: u32,
    /// Training hours per semester for dorm heads (003: 2).
    pub dorm_head_training_hours: u32,
    /// A backbone's meeting with their dorm heads every this many days (003: 14; 0 = not asked).
    /// Optional in the file so policies stored before it still parse.
    #[serde(default = "fourteen")]
    pub dorm_head_meeting_days: u32,
    /// A backbone visits each linked dorm every month (003).
    #[serde(default = "yes")]
    pub backbone_dorm_visits_monthly: bool,
    /// Trainings of the network each counselor organises per semester (000: 2).
    #[serde(default = "two")]
    pub network_trainings_per_semester: u32,
    /// Each college's meetings analysing its students' mental health 院系心理工作研判会 per semester
    /// (001: 2; 0 = not asked, the default for files that do not state it).
    #[serde(default)]
    pub college_review_meetings_per_semester: u32,
    /// The monthly report 月报 of a month is submitted by this day of the next month (002 asks for
    /// the monthly report without naming a day; 0 = not asked, the default).
    #[serde(default)]
    pub monthly_report_day: u32,
}

fn fourteen() -> u32 {
    14
}
fn two() -> u32 {
    2
}
fn yes() -> bool {
    true
}

/// The four-level network's ratios and rules (003, 004).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkRules {
    /// Peer backbones linked to each counselor, at least (003: 5).
    pub backbones_per_counselor: u32,
    /// Dorm heads linked to each backbone, at least (003: 5).
    pub dorm_heads_per_backbone: u32,
    /// Psych committee members per class, at least and at most (004: 1–2).
    pub class_members_min: u32,
    /// At most.
    pub class_members_max: u32,
    /// Undergraduates and graduate students in separate networks (004).
    pub separate_graduate_network: bool,
}

/// TOML local dates (`2026-09-01`, no quotes) or date strings (`"2026-09-01"`).
fn toml_date<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<NaiveDate, D::Error> {
    use serde::de::Error as _;
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Toml(toml::value::Datetime),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Toml(dt) => match (dt.date, dt.time) {
            (Some(date), None) => {
                NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
                    .ok_or_else(|| D::Error::custom("not a valid date"))
            }
            _ => Err(D::Error::custom("a date without time, like 2026-09-01")),
        },
        Raw::Text(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| D::Error::custom("a date like 2026-09-01")),
    }
}

impl Policy {
    /// Parses and validates a policy file; errors name the line and the field.
    pub fn parse(text: &str) -> Result<Policy> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let (line, key) = match e.span() {
                Some(span) => (line_of(text, span.start), key_at(text, span.start)),
                None => (1, None),
            };
            let field = quoted_field(e.message())
                .map(|f| join(&table_at(text, line), &f))
                .or(key)
                .unwrap_or_else(|| table_at(text, line));
            policy_error(line, field, first_line(e.message()))
        })?;
        policy.validate(text)?;
        Ok(policy)
    }

    /// A shipped preset by id ("000" … "004").
    pub fn preset(id: &str) -> Result<Policy> {
        let (_, text) = PRESETS
            .iter()
            .find(|(p, _)| *p == id)
            .ok_or(Error::Invalid {
                field: "preset",
                reason: "no preset with that id",
            })?;
        Policy::parse(text)
    }

    /// Checks what TOML types cannot: order of dates, ranges.
    fn validate(&self, text: &str) -> Result<()> {
        let bad = |table: &str, nth: Option<usize>, key: &str, reason: &str| {
            let line = locate(text, table, nth, key);
            let field = match nth {
                Some(i) => format!("{table}[{i}].{key}"),
                None => format!("{table}.{key}"),
            };
            Err(policy_error(line, field, reason.to_string()))
        };
        let sems = &self.calendar.semesters;
        if sems.is_empty() {
            return bad(
                "calendar",
                None,
                "semesters",
                "at least one semester is required",
            );
        }
        for (i, s) in sems.iter().enumerate() {
            if s.end < s.start {
                return bad(
                    "calendar.semesters",
                    Some(i),
                    "end",
                    "ends before it starts",
                );
            }
            if s.screening_months.iter().any(|m| !(1..=12).contains(m)) {
                return bad(
                    "calendar.semesters",
                    Some(i),
                    "screening_months",
                    "months are 1 to 12",
                );
            }
            if i > 0 && s.start <= sems[i - 1].end {
                return bad(
                    "calendar.semesters",
                    Some(i),
                    "start",
                    "overlaps the semester before; list semesters in order",
                );
            }
        }
        for (i, h) in self.calendar.holidays.iter().enumerate() {
            if h.end < h.start {
                return bad("calendar.holidays", Some(i), "end", "ends before it starts");
            }
        }
        let c = &self.cadence;
        if !(1..=7).contains(&c.weekly_review_weekday) {
            return bad(
                "cadence",
                None,
                "weekly_review_weekday",
                "1 (Monday) to 7 (Sunday)",
            );
        }
        for (key, v) in [
            ("diagnosed_contact_days", c.diagnosed_contact_days),
            ("screening_follow_up_days", c.screening_follow_up_days),
            ("return_review_days", c.return_review_days),
            ("backbone_meeting_days", c.backbone_meeting_days),
        ] {
            if v == 0 {
                return bad("cadence", None, key, "must be at least 1");
            }
        }
        if c.crisis_follow_up_days.windows(2).any(|w| w[1] <= w[0]) {
            return bad(
                "cadence",
                None,
                "crisis_follow_up_days",
                "days must increase",
            );
        }
        if c.college_review_meetings_per_semester > 12 {
            return bad(
                "cadence",
                None,
                "college_review_meetings_per_semester",
                "at most 12 a semester (0 = not asked)",
            );
        }
        if c.monthly_report_day > 28 {
            return bad(
                "cadence",
                None,
                "monthly_report_day",
                "0 (not asked) or a day 1 to 28 of the next month",
            );
        }
        let n = &self.network;
        if n.class_members_max < n.class_members_min {
            return bad(
                "network",
                None,
                "class_members_max",
                "is below class_members_min",
            );
        }
        Ok(())
    }

    /// The semester in force on `day`: the last one that started on or before it (so the winter
    /// break belongs to the autumn semester).
    pub fn semester_at(&self, day: NaiveDate) -> Option<&Semester> {
        self.calendar
            .semesters
            .iter()
            .rev()
            .find(|s| s.start <= day)
    }

    /// The first semester of an academic year (the freshman intake).
    pub fn first_semester_of(&self, academic_year: i32) -> Option<&Semester> {
        self.calendar
            .semesters
            .iter()
            .find(|s| s.academic_year() == academic_year)
    }

    /// Whether `day` is in a holiday.
    pub fn is_holiday(&self, day: NaiveDate) -> bool {
        self.calendar
            .holidays
            .iter()
            .any(|h| h.start <= day && day <= h.end)
    }
}

fn policy_error(line: usize, field: String, reason: String) -> Error {
    Error::Policy {
        line: line as u32,
        field,
        reason,
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The name in backquotes of "missing field `x`" / "unknown field `x`".
fn quoted_field(message: &str) -> Option<String> {
    if !(message.contains("missing field") || message.contains("unknown field")) {
        return None;
    }
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

fn join(table: &str, key: &str) -> String {
    if table.is_empty() {
        key.to_string()
    } else {
        format!("{table}.{key}")
    }
}

/// The dotted key of the `key = value` line holding `offset`, with its table.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line = line_of(text, offset);
    let content = text.lines().nth(line - 1)?;
    let (key, _) = content.split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') {
        return None;
    }
    Some(join(&table_at(text, line), key))
}

/// The table header in force at a line, arrays of tables with their index: `calendar.semesters[1]`.
fn table_at(text: &str, line: usize) -> String {
    let mut current = String::new();
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for l in text.lines().take(line) {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let n = counts.entry(name.clone()).or_insert(0);
            current = format!("{name}[{n}]");
            *n += 1;
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            current = name.trim().to_string();
        }
    }
    current
}

/// The line of `key` inside `table` (the `nth` of an array of tables), else of the table header,
/// else 1.
fn locate(text: &str, table: &str, nth: Option<usize>, key: &str) -> usize {
    let want = match nth {
        Some(i) => format!("{table}[{i}]"),
        None => table.to_string(),
    };
    let mut header = None;
    for (i, l) in text.lines().enumerate() {
        let line = i + 1;
        if table_at(text, line) != want {
            continue;
        }
        header.get_or_insert(line);
        if let Some((k, _)) = l.split_once('=') {
            if k.trim() == key {
                return line;
            }
        }
    }
    header.unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses() {
        for (id, _) in PRESETS {
            let p = Policy::preset(id).unwrap();
            assert!(!p.calendar.semesters.is_empty(), "{id}");
        }
    }

    fn err(text: &str) -> (u32, String, String) {
        match Policy::parse(text) {
            Err(Error::Policy {
                line,
                field,
                reason,
            }) => (line, field, reason),
            other => panic!("expected a policy error, got {other:?}"),
        }
    }

    #[test]
    fn wrong_type_names_line_and_field() {
        let text = PRESETS[0].1.replace(
            "diagnosed_contact_days = 15",
            "diagnosed_contact_days = \"half a month\"",
        );
        let line = text
            .lines()
            .position(|l| l.starts_with("diagnosed_contact_days"))
            .unwrap()
            + 1;
        let (l, f, _) = err(&text);
        assert_eq!(
            (l as usize, f.as_str()),
            (line, "cadence.diagnosed_contact_days")
        );
    }

    #[test]
    fn semester_ending_before_start_names_its_index() {
        let text = PRESETS[0]
            .1
            .replacen("end = 2026-01-16", "end = 2025-01-16", 1);
        let (l, f, _) = err(&text);
        assert_eq!(f, "calendar.semesters[0].end");
        assert_eq!(
            text.lines().nth(l as usize - 1).unwrap(),
            "end = 2025-01-16"
        );
    }

    #[test]
    fn a_policy_stored_before_the_backbone_rules_still_parses() {
        let old: String = PRESETS[0]
            .1
            .lines()
            .filter(|l| {
                !l.starts_with("dorm_head_meeting_days")
                    && !l.starts_with("backbone_dorm_visits_monthly")
                    && !l.starts_with("network_trainings_per_semester")
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(old, PRESETS[0].1);
        let c = Policy::parse(&old).unwrap().cadence;
        assert_eq!(
            (
                c.dorm_head_meeting_days,
                c.backbone_dorm_visits_monthly,
                c.network_trainings_per_semester
            ),
            (14, true, 2)
        );
    }

    #[test]
    fn the_college_rules_are_in_the_presets_of_their_seeds_and_checked() {
        let c = |id: &str| Policy::preset(id).unwrap().cadence;
        assert_eq!(c("001").college_review_meetings_per_semester, 2);
        assert_eq!(c("002").monthly_report_day, 5);
        assert_eq!(
            (
                c("000").college_review_meetings_per_semester,
                c("000").monthly_report_day
            ),
            (0, 0)
        );
        let text = PRESETS[2]
            .1
            .replace("monthly_report_day = 5", "monthly_report_day = 31");
        let (l, f, _) = err(&text);
        assert_eq!(f, "cadence.monthly_report_day");
        assert_eq!(
            text.lines().nth(l as usize - 1).unwrap(),
            "monthly_report_day = 31"
        );
        let text = PRESETS[1].1.replace(
            "college_review_meetings_per_semester = 2",
            "college_review_meetings_per_semester = -2",
        );
        let (l, f, _) = err(&text);
        assert_eq!(f, "cadence.college_review_meetings_per_semester");
        assert!(text
            .lines()
            .nth(l as usize - 1)
            .unwrap()
            .starts_with("college_review_meetings_per_semester"));
    }

    #[test]
    fn unknown_and_missing_fields_are_named() {
        let text = PRESETS[0].1.replace("freshman_days", "freshmen_days");
        let (_, f, _) = err(&text);
        assert!(f.starts_with("must_talk.freshmen_days"), "{f}");
        let text = PRESETS[0]
            .1
            .lines()
            .filter(|l| !l.starts_with("hardship_days"))
            .collect::<Vec<_>>()
            .join("\n");
        let (_, f, _) = err(&text);
        assert_eq!(f, "must_talk.hardship_days");
    }
}
