//! Commands of the rules: the policy, obligations, must-talk events and waivers.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Subcommand;
use xindang::error::{Error, Result};
use xindang::model::*;
use xindang::rules::{ObligationFilter, ObligationStatus, PRESETS};
use xindang::Session;

/// The commands this file adds to `xindang` (flattened into the top level).
#[derive(Subcommand)]
pub enum RulesCommand {
    /// What policy requires today: dated obligations with their status.
    Obligations {
        /// Only those due before this day (YYYY-MM-DD).
        #[arg(long)]
        due_before: Option<String>,
        /// The day to compute for (YYYY-MM-DD; default today).
        #[arg(long)]
        today: Option<String>,
        /// Only this student's (学号).
        #[arg(long)]
        student: Option<String>,
        /// Only this network person's (工号/学号).
        #[arg(long)]
        person: Option<String>,
        /// Only due and overdue ones.
        #[arg(long)]
        open: bool,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// The policy file in force (rules and academic calendar, TOML).
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Record an event that obliges a must-talk 八必谈 (e.g. an academic warning).
    Event {
        /// 学号
        #[arg(long)]
        student: String,
        /// key-time, special-group, requested, reward-discipline, academic, relationship, hardship, freshman
        #[arg(long)]
        trigger: String,
        /// YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// What happened.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Waive an obligation, with the reason.
    Waive {
        /// 学号
        #[arg(long)]
        student: String,
        /// The rule id, e.g. must-talk.freshman.
        #[arg(long)]
        rule: String,
        /// The obligation's due date, YYYY-MM-DD.
        #[arg(long)]
        due: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Date of the waiver (default today).
        #[arg(long)]
        date: Option<String>,
    },
}

/// `xindang policy …`
#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Print the policy in force.
    Show,
    /// Check a policy file without storing it.
    Check {
        /// The TOML file.
        file: PathBuf,
    },
    /// Store a policy file (refused, with line and field, if it is broken).
    Set {
        /// The TOML file.
        file: PathBuf,
    },
    /// Store one of the shipped presets (000 … 004).
    Preset {
        /// The preset id.
        id: String,
    },
    /// List the shipped presets.
    Presets,
}

fn unlock(dir: &Path) -> Result<Session> {
    crate::commands::unlock(dir)
}

/// A day given on the command line, parsed by the core's one parser of days.
fn date(s: &str, field: &'static str) -> Result<NaiveDate> {
    xindang::rules::calendar::parse_day(Some(s), field, xindang::rules::calendar::today())
}

fn opt_date(s: Option<&str>, field: &'static str) -> Result<NaiveDate> {
    xindang::rules::calendar::parse_day(s, field, xindang::rules::calendar::today())
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|_| Error::Invalid {
        field: "output",
        reason: "cannot be encoded",
    })?;
    println!("{text}");
    Ok(())
}

fn status_zh(s: ObligationStatus) -> &'static str {
    match s {
        ObligationStatus::Due => "待办",
        ObligationStatus::Overdue => "逾期",
        ObligationStatus::Done => "已完成",
        ObligationStatus::Waived => "已豁免",
    }
}

/// Runs one of these commands.
pub fn run(dir: &Path, command: RulesCommand) -> Result<()> {
    match command {
        RulesCommand::Obligations {
            due_before,
            today,
            student,
            person,
            open,
            json,
        } => {
            let today = opt_date(today.as_deref(), "--today")?;
            let filter = ObligationFilter {
                due_before: due_before
                    .as_deref()
                    .map(|d| date(d, "--due-before"))
                    .transpose()?,
                student_no: student,
                person,
                open_only: open,
            };
            let s = unlock(dir)?;
            let list = s.obligations(today, &filter)?;
            if json {
                return print_json(&list);
            }
            let mut out = std::io::stdout().lock();
            for o in &list {
                // A closed pipe (`| head`) ends the listing quietly.
                // A network person's duty shows the person (and the dorm) where a student's shows
                // the student.
                let (who, name) = if o.student_no.is_empty() {
                    (&*o.person, format!("{} {}", o.person_name, o.subject))
                } else {
                    (&*o.student_no, o.student_name.to_string())
                };
                let line = writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    o.due,
                    status_zh(o.status),
                    who,
                    name.trim(),
                    o.label,
                    o.rule
                );
                if line.is_err() {
                    break;
                }
            }
            Ok(())
        }
        RulesCommand::Policy { command } => policy(dir, command),
        RulesCommand::Event {
            student,
            trigger,
            date: day,
            note,
        } => {
            let trigger = TalkCategory::parse(trigger.trim()).ok_or(Error::Invalid {
                field: "--trigger",
                reason: "not a must-talk category",
            })?;
            let mut s = unlock(dir)?;
            let record = NewRecord {
                date: date(&day, "--date")?,
                author: s.actor().to_string(),
                amends: None,
                amend_reason: String::new(),
                body: RecordBody::Event(MustTalkEvent { trigger, note }),
            };
            println!("{}", s.add_record(&student, record)?);
            Ok(())
        }
        RulesCommand::Waive {
            student,
            rule,
            due,
            reason,
            date: day,
        } => {
            let mut s = unlock(dir)?;
            let record = NewRecord {
                date: opt_date(day.as_deref(), "--date")?,
                author: s.actor().to_string(),
                amends: None,
                amend_reason: String::new(),
                body: RecordBody::Waiver(Waiver {
                    rule,
                    due: date(&due, "--due")?,
                    reason,
                }),
            };
            println!("{}", s.add_record(&student, record)?);
            Ok(())
        }
    }
}

fn policy(dir: &Path, command: PolicyCommand) -> Result<()> {
    match command {
        PolicyCommand::Show => {
            print!("{}", unlock(dir)?.policy_text()?);
            Ok(())
        }
        PolicyCommand::Check { file } => {
            let p = xindang::rules::Policy::parse(&read_text(&file)?)?;
            println!(
                "ok: {} ({} semesters)",
                p.school.name,
                p.calendar.semesters.len()
            );
            Ok(())
        }
        PolicyCommand::Set { file } => {
            let text = read_text(&file)?;
            // Validate before asking for the passphrase: a broken file is refused either way.
            xindang::rules::Policy::parse(&text)?;
            let p = unlock(dir)?.set_policy(&text)?;
            println!("ok: {}", p.school.name);
            Ok(())
        }
        PolicyCommand::Preset { id } => {
            let (_, text) =
                PRESETS
                    .iter()
                    .find(|(p, _)| *p == id.trim())
                    .ok_or(Error::Invalid {
                        field: "preset",
                        reason: "no preset with that id",
                    })?;
            let p = unlock(dir)?.set_policy(text)?;
            println!("ok: {}", p.school.name);
            Ok(())
        }
        PolicyCommand::Presets => {
            for (id, text) in PRESETS {
                let name = xindang::rules::Policy::parse(text)
                    .map(|p| p.school.name)
                    .unwrap_or_default();
                println!("{id}\t{name}");
            }
            Ok(())
        }
    }
}

fn read_text(path: &Path) -> Result<String> {
    String::from_utf8(std::fs::read(path)?).map_err(|_| Error::Invalid {
        field: "policy",
        reason: "the file is not UTF-8 text",
    })
}
