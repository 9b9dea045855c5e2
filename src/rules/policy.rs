//! The policy file: a school's rules as TOML (docs/policy-format.md). Parsing and validation name
//! the line and the field of every mistake, so a counselor editing it in settings can fix it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};
use typeshare::typeshare;

pub use super::crisis::{ArchiveRules, CrisisLevelRule, CrisisProtocol, CrisisStepRule};
use super::network::NetworkRole;
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

/// A school's rules. A rule its seed does not have is absent from the file (its table or field
/// is left out: `None`, 0, false or empty = not asked), and every value names its source in
/// `[sources]` (docs/policy-format.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Who the policy belongs to.
    pub school: School,
    /// 校历 the academic calendar.
    pub calendar: Calendar,
    /// 八必谈: days allowed between the triggering event and the talk (seed 001 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_talk: Option<MustTalk>,
    /// Follow-up cadences.
    #[serde(default)]
    pub cadence: Cadence,
    /// The four-level network 校—院—班—寝.
    #[serde(default)]
    pub network: NetworkRules,
    /// The crisis protocol 心理危机应急处置: organisers, steps and after-care (seeds 001, 002).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crisis: Option<CrisisProtocol>,
    /// The archive of a student who leaves: handed over, kept (seed 004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveRules>,
    /// Where each value comes from: dotted field → `"002 第十二条（三）"` (the seed states it),
    /// `"local: 002 第十一条"` (the seed asks for the rule, the value is the school's) or `"local"`
    /// (本校设定，非文件规定). A field without an entry is local.
    #[serde(default)]
    pub sources: BTreeMap<String, String>,
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
    /// The document's title and number, e.g. 学生心理健康教育工作管理条例（衢职院学〔2021〕12号）.
    #[serde(default)]
    pub document: String,
}

/// The academic calendar.
#[typeshare]
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
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Semester {
    /// Name, e.g. 2026–2027学年第一学期.
    pub name: String,
    /// First day of teaching.
    #[serde(deserialize_with = "toml_date")]
    #[typeshare(serialized_as = "String")]
    pub start: NaiveDate,
    /// Last day.
    #[serde(deserialize_with = "toml_date")]
    #[typeshare(serialized_as = "String")]
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
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// Name, e.g. 国庆节.
    pub name: String,
    /// First day.
    #[serde(deserialize_with = "toml_date")]
    #[typeshare(serialized_as = "String")]
    pub start: NaiveDate,
    /// Last day.
    #[serde(deserialize_with = "toml_date")]
    #[typeshare(serialized_as = "String")]
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

/// Follow-up cadences (DOMAIN.md "Follow-up cadences"). Every field may be left out: 0, false
/// or empty means the policy does not ask for that rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cadence {
    /// Hospital-diagnosed students: contact the student and the parents every this many days (000: 15),
    /// over breaks and leave too, until a recorded recovery or the student leaves school.
    pub diagnosed_contact_days: u32,
    /// A revisit 复诊 date set for a diagnosed student: the reminder opens this many days before it
    /// and is due on it (000 asks for 定期复诊; the days are local; 0 = not asked).
    pub revisit_reminder_days: u32,
    /// Students living off campus 校外租房 or with an accompanying parent 陪读: contact the student
    /// and the parents every this many days of a semester (000 四（一）5 asks for it 定期; the days
    /// are local; 0 = not asked).
    pub off_campus_contact_days: u32,
    /// Parent contacts per semester for key-concern students (001: 2).
    pub key_concern_parent_contacts: u32,
    /// Parent contacts per semester for every student (000: 1).
    pub all_parent_contacts: u32,
    /// Weekly review 周研判 of each key-concern student: the weekday it is due (1 = Monday … 7 = Sunday;
    /// 0 = no weekly review).
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
    pub dorm_head_meeting_days: u32,
    /// A backbone visits each linked dorm every month (003).
    pub backbone_dorm_visits_monthly: bool,
    /// Trainings of the network each counselor organises per semester (no seed asks it of each
    /// counselor; 0 = not asked).
    pub network_trainings_per_semester: u32,
    /// Trainings the school (its psychological center) holds per semester for the whole network
    /// (000: "每学期至少举办两场以上心理危机干预培训"): the school's duty, not each counselor's.
    pub school_trainings_per_semester: u32,
    /// Counselor's classroom visits per week 深入课堂 (001: 2).
    pub classroom_visits_per_week: u32,
    /// The two sweeps of a semester 学期始、学期末摸排 (001), each college's duty.
    pub semester_sweeps: bool,
    /// A sweep is due within this many days of the semester's start, and held in as many days
    /// before its end (the seed names no window: local).
    pub sweep_window_days: u32,
    /// Freshman screening 新生心理普查 at enrolment: within this many days of the first semester's
    /// start (002 第十一条 asks for it "在每年新生报到季"; the days are local; 0 = not asked).
    pub freshman_screening_days: u32,
    /// Each college's meetings analysing its students' mental health 院系心理工作研判会 per semester
    /// (001: 2; 0 = not asked, the default for files that do not state it).
    pub college_review_meetings_per_semester: u32,
    /// The monthly report 月报 of a month is submitted by this day of the next month (002 asks for
    /// the monthly report without naming a day; 0 = not asked, the default).
    pub monthly_report_day: u32,
    /// Observers' reports 心理委员、寝室长报告 in the triage inbox are filed or dismissed within
    /// this many days of coming in (003 and 004 ask for reports handled 及时 without a number:
    /// local; 0 = no deadline, the inbox still lists them).
    pub triage_days: u32,
}

/// The four-level network's ratios and rules (003, 004); each may be left out (0 / false / empty
/// = not asked).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
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
    /// The roles of the class and dorm levels, in the seed's words (002: 班主任、班级心理委员、
    /// 寝室长); each must be a name [`NetworkRole::parse`] reads.
    pub roles: Vec<String>,
}

impl NetworkRules {
    /// The roles the policy names, typed (names that do not parse are refused by `parse`).
    pub fn roles(&self) -> Vec<NetworkRole> {
        self.roles
            .iter()
            .filter_map(|r| NetworkRole::parse(r))
            .collect()
    }
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
        if c.weekly_review_weekday > 7 {
            return bad(
                "cadence",
                None,
                "weekly_review_weekday",
                "1 (Monday) to 7 (Sunday), or 0 for no weekly review",
            );
        }
        if c.semester_sweeps && c.sweep_window_days == 0 {
            return bad(
                "cadence",
                None,
                "sweep_window_days",
                "the sweeps need a window of at least 1 day",
            );
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
        if n.roles.iter().any(|r| NetworkRole::parse(r).is_none()) {
            return bad(
                "network",
                None,
                "roles",
                "a role is 辅导员, 班主任, 心理委员 (朋辈骨干) or 寝室长 (信息员)",
            );
        }
        if let Some(crisis) = &self.crisis {
            if let Err(reason) = crisis.check() {
                return bad("crisis", None, "levels", reason);
            }
            if let Err(reason) = crisis.check_steps() {
                return bad("crisis", None, "response", reason);
            }
        }
        if let Some((key, _)) = self.sources.iter().find(|(_, v)| v.trim().is_empty()) {
            let line = locate(text, "sources", None, &format!("\"{key}\""));
            return Err(policy_error(
                line,
                format!("sources.{key}"),
                "a source is a seed article (\"002 第十二条\") or \"local\"".into(),
            ));
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
    fn a_rule_left_out_is_not_asked() {
        let text: String = PRESETS[3]
            .1
            .lines()
            .filter(|l| !l.starts_with("dorm_head_meeting_days"))
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(text, PRESETS[3].1);
        let p = Policy::parse(&text).unwrap();
        assert_eq!(p.cadence.dorm_head_meeting_days, 0);
        assert_eq!(
            Policy::preset("003")
                .unwrap()
                .cadence
                .dorm_head_meeting_days,
            14
        );
        // No 八必谈 but in 001; no ratio but in 003.
        assert!(Policy::preset("004").unwrap().must_talk.is_none());
        assert!(Policy::preset("001").unwrap().must_talk.is_some());
        assert_eq!(p.network.backbones_per_counselor, 5);
        assert_eq!(
            Policy::preset("002")
                .unwrap()
                .network
                .backbones_per_counselor,
            0
        );
    }

    #[test]
    fn roles_and_crisis_levels_are_checked() {
        let text = PRESETS[2].1.replace("\"班主任\"", "\"校长\"");
        let (_, f, _) = err(&text);
        assert_eq!(f, "network.roles");
        let p = Policy::preset("002").unwrap();
        assert!(p.network.roles().contains(&NetworkRole::HeadTeacher));
        let text = PRESETS[2].1.replacen("level = \"B\"", "level = \"A\"", 1);
        let (_, f, _) = err(&text);
        assert_eq!(f, "crisis.levels");
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
        let text = PRESETS[1].1.replace("freshman_days", "freshmen_days");
        let (_, f, _) = err(&text);
        assert!(f.starts_with("must_talk.freshmen_days"), "{f}");
        let text = PRESETS[1]
            .1
            .lines()
            .filter(|l| !l.starts_with("hardship_days"))
            .collect::<Vec<_>>()
            .join("\n");
        let (_, f, _) = err(&text);
        assert_eq!(f, "must_talk.hardship_days");
    }
}
