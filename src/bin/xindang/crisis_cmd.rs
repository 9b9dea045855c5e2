//! `xindang crisis …`: crisis cases 危机个案. A case opens with a first report or an assessment
//! (`crisis report`, `crisis assess`, or `record add` with a `crisis_report` / `crisis` record),
//! owes the steps the policy names for its level (`obligations`), and ends with a closing.

use std::io::Write;
use std::path::Path;

use clap::Subcommand;
use xindang::error::{Error, Result};
use xindang::model::*;
use xindang::rules::calendar::{moment_of, now, parse_moment, today};
use xindang::rules::crisis_case::{CaseStepStatus, CrisisCase};

use crate::commands::{print_json, unlock};

/// `xindang crisis …`
#[derive(Subcommand)]
pub enum CrisisCommand {
    /// A crisis first reported, before any assessment 危机初报: opens a case.
    Report {
        /// 学号
        student: String,
        /// Who found or reported the student (e.g. "寝室长 李某").
        #[arg(long)]
        reporter: String,
        /// What happened.
        #[arg(long)]
        text: String,
        /// When, "YYYY-MM-DD HH:MM" (default now).
        #[arg(long)]
        at: Option<String>,
    },
    /// A crisis assessment 危机评估: opens a case, or re-grades the open one.
    Assess {
        /// 学号
        student: String,
        /// A, B, C or D.
        #[arg(long)]
        level: String,
        /// Why this level.
        #[arg(long)]
        rationale: String,
        /// Actions taken.
        #[arg(long, default_value = "")]
        actions: String,
        /// When, "YYYY-MM-DD HH:MM" (default now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Record a step of the student's open case as done.
    Step {
        /// 学号
        student: String,
        /// The step's key, as the policy names it (`crisis show` lists them).
        #[arg(long)]
        step: String,
        /// Who did it.
        #[arg(long)]
        by: String,
        /// When, "YYYY-MM-DD HH:MM" (default now).
        #[arg(long)]
        at: Option<String>,
        /// Notes.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Close the student's open case 结案.
    Close {
        /// 学号
        student: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Who approved the closing.
        #[arg(long)]
        approved_by: String,
        /// When, "YYYY-MM-DD HH:MM" (default now).
        #[arg(long)]
        at: Option<String>,
    },
    /// Open cases, the most urgent first.
    List {
        /// The day to compute for (YYYY-MM-DD; default now).
        #[arg(long)]
        today: Option<String>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// A student's cases, open and closed, with every step.
    Show {
        /// 学号
        student: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

fn moment(at: Option<&str>) -> Result<chrono::NaiveDateTime> {
    parse_moment(at, "--at", now())
}

fn level(s: &str) -> Result<CrisisLevel> {
    match s.trim().to_ascii_uppercase().as_str() {
        "A" => Ok(CrisisLevel::A),
        "B" => Ok(CrisisLevel::B),
        "C" => Ok(CrisisLevel::C),
        "D" => Ok(CrisisLevel::D),
        _ => Err(Error::Invalid {
            field: "--level",
            reason: "A, B, C or D",
        }),
    }
}

fn status_zh(s: CaseStepStatus) -> &'static str {
    match s {
        CaseStepStatus::Due => "待办",
        CaseStepStatus::Overdue => "逾期",
        CaseStepStatus::Done => "已完成",
        CaseStepStatus::Offered => "视情况",
        CaseStepStatus::Waiting => "待处置完成",
    }
}

fn level_text(c: &CrisisCase) -> String {
    c.level.map_or("未评估".into(), |l| format!("{l:?}"))
}

fn print_case(out: &mut impl Write, c: &CrisisCase) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {} | {} | opened {} | {}{}",
        c.student_no,
        c.student_name,
        level_text(c),
        c.opened_at,
        c.organiser,
        c.closed_at
            .as_ref()
            .map(|t| format!(" | closed {t} ({})", c.closed_approved_by))
            .unwrap_or_default()
    )?;
    if !c.protocol {
        writeln!(out, "  the policy names no crisis steps")?;
    }
    for s in &c.steps {
        writeln!(
            out,
            "  {}\t{}\t{}\t{}\t{}",
            s.key,
            status_zh(s.status),
            s.due_at.as_deref().unwrap_or("-"),
            s.label,
            s.done_at
                .as_ref()
                .map(|t| format!("{t} {}", s.done_by))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}

/// Runs one of these commands.
pub fn run(dir: &Path, command: CrisisCommand) -> Result<()> {
    match command {
        CrisisCommand::Report {
            student,
            reporter,
            text,
            at,
        } => {
            let at = moment(at.as_deref())?;
            let mut s = unlock(dir)?;
            let record = NewRecord {
                date: at.date(),
                author: s.actor().to_string(),
                amends: None,
                amend_reason: String::new(),
                body: RecordBody::CrisisReport(CrisisReport {
                    reporter,
                    text,
                    time: Some(at.time()),
                }),
            };
            println!("{}", s.add_record(&student, record)?);
        }
        CrisisCommand::Assess {
            student,
            level: l,
            rationale,
            actions,
            at,
        } => {
            let level = level(&l)?;
            let at = moment(at.as_deref())?;
            let mut s = unlock(dir)?;
            let record = NewRecord {
                date: at.date(),
                author: s.actor().to_string(),
                amends: None,
                amend_reason: String::new(),
                body: RecordBody::Crisis(CrisisAssessment {
                    level,
                    rationale,
                    actions,
                    time: Some(at.time()),
                }),
            };
            println!("{}", s.add_record(&student, record)?);
        }
        CrisisCommand::Step {
            student,
            step,
            by,
            at,
            note,
        } => {
            let at = moment(at.as_deref())?;
            let mut s = unlock(dir)?;
            println!("{}", s.record_crisis_step(&student, &step, at, &by, &note)?);
        }
        CrisisCommand::Close {
            student,
            reason,
            approved_by,
            at,
        } => {
            let at = moment(at.as_deref())?;
            let mut s = unlock(dir)?;
            println!("{}", s.close_crisis(&student, at, &reason, &approved_by)?);
        }
        CrisisCommand::List { today: day, json } => {
            let day = xindang::rules::calendar::parse_day(day.as_deref(), "--today", today())?;
            let s = unlock(dir)?;
            let list = s.crisis_cases(moment_of(day))?;
            if json {
                return print_json(&list);
            }
            let mut out = std::io::stdout().lock();
            for c in &list {
                let next = c
                    .next
                    .as_ref()
                    .map(|n| {
                        format!(
                            "{} {} {}",
                            n.due_at.as_deref().unwrap_or("-"),
                            status_zh(n.status),
                            n.label
                        )
                    })
                    .unwrap_or_default();
                // A closed pipe (`| head`) ends the listing quietly.
                if writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    c.student_no,
                    c.student_name,
                    level_text(c),
                    c.opened_at,
                    next
                )
                .is_err()
                {
                    break;
                }
            }
        }
        CrisisCommand::Show { student, json } => {
            let s = unlock(dir)?;
            let list = s.student_crisis_cases(&student, now())?;
            if json {
                return print_json(&list);
            }
            let mut out = std::io::stdout().lock();
            for c in &list {
                print_case(&mut out, c)?;
            }
        }
    }
    Ok(())
}
