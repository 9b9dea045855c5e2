//! The calendar as a form (设置 › 校历): the semesters, holidays and screening months of the policy
//! in force, read as data and written back into the policy text in place of its calendar tables,
//! the rest of the file (rules, sources, comments) untouched. And the calendar's status on a day,
//! for the dashboard's warning from [`CALENDAR_WARNING_DAYS`] before it runs out.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::college::CALENDAR_WARNING_DAYS;
use super::policy::{Calendar, Policy};
use crate::error::Result;
use crate::Session;

/// How long the calendar in force still runs.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarStatus {
    /// The last day of the last semester.
    #[typeshare(serialized_as = "String")]
    pub end: NaiveDate,
    /// Days from the day asked to that last day (negative once past it).
    pub days_left: i32,
    /// Within the warning period or past the end: the school must add the next semesters.
    pub warn: bool,
}

/// The calendar form: the calendar in force and its status.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarView {
    /// The calendar.
    pub calendar: Calendar,
    /// Its status on the day asked.
    pub status: Option<CalendarStatus>,
}

impl Policy {
    /// The calendar's status on `today` (`None` for a calendar without semesters, which no
    /// policy that parses has).
    pub fn calendar_status(&self, today: NaiveDate) -> Option<CalendarStatus> {
        let end = self.calendar.semesters.iter().map(|s| s.end).max()?;
        let days_left = i32::try_from((end - today).num_days()).unwrap_or(i32::MIN);
        Some(CalendarStatus {
            end,
            days_left,
            warn: days_left <= CALENDAR_WARNING_DAYS as i32,
        })
    }
}

/// The table name of a header line (`[calendar]`, `[[calendar.semesters]]`), if it is one.
fn header(line: &str) -> Option<&str> {
    let t = line.trim();
    if !t.starts_with('[') {
        return None;
    }
    t.trim_start_matches('[').split(']').next().map(str::trim)
}

fn is_calendar(table: &str) -> bool {
    table == "calendar" || table.starts_with("calendar.")
}

/// The calendar as TOML tables (dates as TOML local dates).
fn render(cal: &Calendar) -> String {
    // A TOML basic string; names are one line (control characters are dropped).
    let q = |s: &str| {
        let body: String = s
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .flat_map(|c| match c {
                '\\' | '"' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        format!("\"{body}\"")
    };
    let mut out = String::from(
        "[calendar]\n# 校历：学期与假期为本校设定（非文件规定），在设置的“校历”表单中修改。\n",
    );
    for s in &cal.semesters {
        let months: Vec<String> = s.screening_months.iter().map(u32::to_string).collect();
        out += &format!(
            "\n[[calendar.semesters]]\nname = {}\nstart = {}\nend = {}\nscreening_months = [{}]\n",
            q(&s.name),
            s.start,
            s.end,
            months.join(", ")
        );
    }
    for h in &cal.holidays {
        out += &format!(
            "\n[[calendar.holidays]]\nname = {}\nstart = {}\nend = {}\n",
            q(&h.name),
            h.start,
            h.end
        );
    }
    out
}

/// The policy text with its calendar tables replaced by `cal` (where the first of them stood),
/// checked like any policy file: a bad calendar is refused with its line and field.
pub fn with_calendar(text: &str, cal: &Calendar) -> Result<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_calendar = false;
    let mut placed = false;
    // Comments at the end of the calendar belong to the table after it.
    let mut pending: Vec<&str> = Vec::new();
    for line in text.lines() {
        match header(line) {
            Some(table) if is_calendar(table) => {
                pending.clear();
                if !placed {
                    out.push(render(cal));
                    placed = true;
                }
                in_calendar = true;
                continue;
            }
            Some(_) if in_calendar => {
                in_calendar = false;
                out.extend(pending.drain(..).map(str::to_string));
            }
            _ => {}
        }
        if !in_calendar {
            out.push(line.to_string());
        } else if line.trim_start().starts_with('#') {
            pending.push(line);
        } else if !line.trim().is_empty() {
            pending.clear();
        }
    }
    if !placed {
        out.push(render(cal));
    }
    let text = out.join("\n") + "\n";
    Policy::parse(&text)?;
    Ok(text)
}

impl Session {
    /// The calendar form of the policy in force, with its status on `today`.
    pub fn calendar_view(&self, today: NaiveDate) -> Result<CalendarView> {
        let policy = self.policy()?;
        Ok(CalendarView {
            status: policy.calendar_status(today),
            calendar: policy.calendar,
        })
    }

    /// Replaces the calendar of the policy in force, keeping the rest of its text; refused with
    /// its line and field like a policy file, the last good policy staying in force.
    pub fn set_calendar(&mut self, cal: &Calendar) -> Result<Policy> {
        let text = with_calendar(&self.policy_text()?, cal)?;
        self.set_policy(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::policy::{Holiday, PRESETS};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_calendar_is_replaced_and_the_rest_of_the_file_kept() {
        for (id, text) in PRESETS {
            let p = Policy::parse(text).unwrap();
            let mut cal = p.calendar.clone();
            cal.holidays.push(Holiday {
                name: "校庆".into(),
                start: d("2027-11-01"),
                end: d("2027-11-01"),
            });
            let new = with_calendar(text, &cal).unwrap();
            let q = Policy::parse(&new).unwrap();
            assert_eq!(q.calendar, cal, "{id}");
            assert_eq!(
                (&q.cadence, &q.sources, &q.crisis),
                (&p.cadence, &p.sources, &p.crisis)
            );
            // Every line outside the calendar stays, comments included.
            let outside = |t: &str| {
                let mut keep = Vec::new();
                let mut cal = false;
                for l in t.lines() {
                    if let Some(h) = header(l) {
                        cal = is_calendar(h);
                    }
                    if !cal && !l.trim().is_empty() {
                        keep.push(l.to_string());
                    }
                }
                keep
            };
            assert_eq!(outside(&new), outside(text), "{id}");
            // Written back unchanged, it is the same text.
            assert_eq!(with_calendar(&new, &cal).unwrap(), new);
        }
    }

    #[test]
    fn a_bad_calendar_is_refused_with_its_field() {
        let mut cal = Policy::preset("000").unwrap().calendar;
        cal.semesters[1].end = d("2025-01-01");
        match with_calendar(PRESETS[0].1, &cal) {
            Err(crate::error::Error::Policy { field, .. }) => {
                assert_eq!(field, "calendar.semesters[1].end")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_status_warns_from_sixty_days_before_the_end() {
        let p = Policy::preset("002").unwrap();
        let end = d("2028-06-30");
        let s = |day: &str| p.calendar_status(d(day)).unwrap();
        assert_eq!(s("2028-04-30").end, end);
        assert_eq!(
            (s("2028-04-30").days_left, s("2028-04-30").warn),
            (61, false)
        );
        assert_eq!(
            (s("2028-05-01").days_left, s("2028-05-01").warn),
            (60, true)
        );
        assert!(s("2028-07-10").warn);
        assert_eq!(s("2028-07-10").days_left, -10);
    }
}
