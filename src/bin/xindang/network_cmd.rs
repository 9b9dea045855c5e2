//! Commands of the four-level network, the weekly review meeting and the reports.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Subcommand;
use xindang::error::{Error, Result};
use xindang::rules::network::{ActivityKind, NetworkActivity, NetworkCheck, NetworkWaiver};
use xindang::rules::report::ReportKind;
use xindang::rules::review::ReviewMeeting;
use xindang::Session;

use crate::commands::print_json;

/// The commands this file adds to `xindang` (flattened into the top level).
#[derive(Subcommand)]
pub enum NetworkTopCommand {
    /// The four-level network 校—院—班—寝 and its grid table 网格管理表.
    Network {
        #[command(subcommand)]
        command: NetworkCommand,
    },
    /// The weekly review meeting 周研判.
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
    },
    /// Write a report as .xlsx: weekly, monthly or semester.
    Report {
        /// weekly, monthly or semester
        kind: String,
        /// The .xlsx file to write.
        #[arg(long)]
        out: PathBuf,
        /// A day of the period (YYYY-MM-DD; default today).
        #[arg(long)]
        today: Option<String>,
        /// Also print the report's figures as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `xindang network …`
#[derive(Subcommand)]
pub enum NetworkCommand {
    /// Check ratios (1:5:25), coverage of every student, mixed-college dorms, liaisons and separate
    /// undergraduate/graduate networks (findings are printed; the exit code stays 0).
    Check {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replace the network with a grid table (.xlsx/.xls/.ods).
    Import {
        /// The grid table.
        file: PathBuf,
    },
    /// Write the grid table (.xlsx), with the check's findings.
    Export {
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the network as JSON.
    Show,
    /// Record a dorm visit, a backbone meeting, a training or a college review meeting 研判会.
    Activity {
        /// dorm-visit, backbone-meeting, dorm-head-meeting, training or college-review-meeting
        #[arg(long)]
        kind: String,
        /// Who held it (the counselor's 工号; for a training, the organiser).
        #[arg(long, default_value = "")]
        person: String,
        /// YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// The dorm visited.
        #[arg(long, default_value = "")]
        dorm: String,
        /// Trainees or attendees, ids separated by commas.
        #[arg(long, default_value = "")]
        attendees: String,
        /// Training hours.
        #[arg(long, default_value_t = 0.0)]
        hours: f64,
        /// Notes.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List the recorded activities as JSON.
    Activities,
    /// Waive a network person's duty, with the reason.
    Waive {
        /// The person's id (empty for a college's duty: college-review-meeting, monthly-report).
        #[arg(long, default_value = "")]
        person: String,
        /// The rule id, e.g. dorm-visits.weekly.
        #[arg(long)]
        rule: String,
        /// The duty's subject as listed (the dorm, 第1次 …, the college or the month), if any.
        #[arg(long, default_value = "")]
        subject: String,
        /// The duty's due date, YYYY-MM-DD.
        #[arg(long)]
        due: String,
        /// Why.
        #[arg(long)]
        reason: String,
        /// The day the duty is open on (YYYY-MM-DD; default today).
        #[arg(long)]
        today: Option<String>,
    },
}

/// `xindang review …`
#[derive(Subcommand)]
pub enum ReviewCommand {
    /// The agenda of a meeting: key-concern students and what changed since the last one.
    Agenda {
        /// The meeting day (YYYY-MM-DD; default today).
        #[arg(long)]
        date: Option<String>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign off a meeting given as JSON (date, attendees, minutes, signed_by, items).
    Sign {
        /// The JSON file (`-` reads standard input).
        file: PathBuf,
    },
    /// The signed meetings, as JSON.
    List,
    /// One signed meeting, as JSON.
    Show {
        /// Its id.
        id: String,
    },
}

fn unlock(dir: &Path) -> Result<Session> {
    crate::commands::unlock(dir)
}

use crate::commands::date;

fn opt_date(s: Option<&str>, field: &'static str) -> Result<NaiveDate> {
    xindang::rules::calendar::parse_day(s, field, xindang::rules::calendar::today())
}

/// Prints lines; a closed pipe (`| head`) ends the listing quietly.
fn print_lines(lines: impl IntoIterator<Item = String>) {
    let mut out = std::io::stdout().lock();
    for l in lines {
        if writeln!(out, "{l}").is_err() {
            break;
        }
    }
}

fn print_check(c: &NetworkCheck) {
    let head = format!(
        "辅导员 {} / 心理委员 {} / 寝室长 {}; students {} covered {}",
        c.counselors, c.backbones, c.dorm_heads, c.students, c.covered
    );
    print_lines(
        std::iter::once(head).chain(
            c.issues
                .iter()
                .map(|i| format!("{}\t{}", i.subject, i.detail)),
        ),
    );
}

/// Runs one of these commands.
pub fn run(dir: &Path, command: NetworkTopCommand) -> Result<()> {
    match command {
        NetworkTopCommand::Network { command } => network(dir, command),
        NetworkTopCommand::Review { command } => review(dir, command),
        NetworkTopCommand::Report {
            kind,
            out,
            today,
            json,
        } => {
            let kind = ReportKind::parse(&kind).ok_or(Error::Invalid {
                field: "kind",
                reason: "use weekly, monthly or semester",
            })?;
            let today = opt_date(today.as_deref(), "--today")?;
            let r = unlock(dir)?.export_report(kind, today, &out)?;
            if json {
                print_json(&r)
            } else {
                println!("ok: {} -> {}", r.title, out.display());
                Ok(())
            }
        }
    }
}

fn network(dir: &Path, command: NetworkCommand) -> Result<()> {
    match command {
        NetworkCommand::Check { json } => {
            let c = unlock(dir)?.network_check()?;
            if json {
                print_json(&c)?;
            } else {
                print_check(&c);
            }
            // Findings are a result, not a failure: scripts read `ok`.
            Ok(())
        }
        NetworkCommand::Import { file } => {
            let c = unlock(dir)?.import_grid(&file)?;
            print_check(&c);
            Ok(())
        }
        NetworkCommand::Export { out } => {
            let c = unlock(dir)?.export_grid(&out)?;
            println!("ok: {} issues -> {}", c.issues.len(), out.display());
            Ok(())
        }
        NetworkCommand::Show => print_json(&unlock(dir)?.network()?),
        NetworkCommand::Activity {
            kind,
            person,
            date: day,
            dorm,
            attendees,
            hours,
            note,
        } => {
            let kind = ActivityKind::parse(&kind).ok_or(Error::Invalid {
                field: "--kind",
                reason: "use dorm-visit, backbone-meeting, dorm-head-meeting, training or college-review-meeting",
            })?;
            let a = NetworkActivity {
                id: String::new(),
                kind,
                date: date(&day, "--date")?,
                person,
                dorm,
                attendees: xindang::rules::network::split_list(&attendees),
                hours,
                note,
            };
            let today = xindang::rules::calendar::today();
            println!("{}", unlock(dir)?.add_activity(a, today)?);
            Ok(())
        }
        NetworkCommand::Activities => print_json(&unlock(dir)?.network_activities()?),
        NetworkCommand::Waive {
            person,
            rule,
            subject,
            due,
            reason,
            today,
        } => {
            let today = opt_date(today.as_deref(), "--today")?;
            let w = NetworkWaiver {
                rule,
                person,
                subject,
                due: date(&due, "--due")?,
                reason,
            };
            unlock(dir)?.waive_network(w, today)?;
            println!("ok");
            Ok(())
        }
    }
}

fn review(dir: &Path, command: ReviewCommand) -> Result<()> {
    match command {
        ReviewCommand::Agenda { date: day, json } => {
            let a = unlock(dir)?.review_agenda(opt_date(day.as_deref(), "--date")?)?;
            if json {
                return print_json(&a);
            }
            print_lines(a.items.iter().map(|i| {
                format!(
                    "{}\t{}\t{}\t{}",
                    i.student_no,
                    i.student_name,
                    xindang::rules::review::level_zh(i.level),
                    i.changes.join("；")
                )
            }));
            Ok(())
        }
        ReviewCommand::Sign { file } => {
            let bytes = if file.as_os_str() == "-" {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)?;
                b
            } else {
                std::fs::read(&file)?
            };
            let m: ReviewMeeting = serde_json::from_slice(&bytes).map_err(|_| Error::Invalid {
                field: "meeting",
                reason: "not a meeting in JSON (date, attendees, minutes, signed_by, items)",
            })?;
            println!("{}", unlock(dir)?.sign_review(m)?);
            Ok(())
        }
        ReviewCommand::List => print_json(&unlock(dir)?.review_meetings()?),
        ReviewCommand::Show { id } => print_json(&unlock(dir)?.review_meeting(&id)?),
    }
}
