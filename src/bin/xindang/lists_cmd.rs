//! Commands of the lists a student-work office receives (心理普查 results, 学业预警, 奖惩, 困难认定,
//! 突发变故, 特殊群体, observers' reports) and of the triage inbox.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Subcommand;
use xindang::error::{Error, Result};
use xindang::roster::lists::{self, ListKind};
use xindang::roster::SheetRead;
use xindang::session::{InboxStatus, ListImportReport};
use xindang::Session;

use crate::commands::{print_json, unlock};

/// The commands this file adds to `xindang` (flattened into the top level).
#[derive(Subcommand)]
pub enum ListsTopCommand {
    /// Lists in (名单): screening results, trigger lists, observers' reports; and their inbox.
    List {
        #[command(subcommand)]
        command: ListCommand,
    },
}

/// `xindang list …`
#[derive(Subcommand)]
pub enum ListCommand {
    /// Import a list (.xlsx, .xls, .csv; every sheet). Rows with errors are listed and skipped;
    /// importing the same file again changes nothing.
    Import {
        /// The list file.
        file: PathBuf,
        /// screening, academic, reward-discipline, hardship, disaster, special-group or observations
        #[arg(long)]
        kind: String,
        /// Check and show what would be written; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The day of the import (YYYY-MM-DD; default today): rows dated later are refused.
        #[arg(long)]
        today: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The triage inbox of observers' reports.
    Inbox {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// File an inbox item into the student's file as an observation record.
    File {
        /// The item's id.
        id: String,
        /// The counselor's note.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Dismiss an inbox item, with the reason.
    Dismiss {
        /// The item's id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

fn today(s: Option<&str>) -> Result<NaiveDate> {
    xindang::rules::calendar::parse_day(s, "--today", xindang::rules::calendar::today())
}

/// The demo's college at work: network activities, monthly reports, a few reports in the inbox.
pub fn demo_work(s: &mut Session, today: NaiveDate, seed: u64) -> Result<()> {
    let w = s.demo_work(today, seed)?;
    eprintln!(
        "Demo work: {} network activities, {} monthly reports, {} reports in the inbox",
        w.activities, w.reports, w.inbox
    );
    Ok(())
}

/// Names every sheet of the file and what became of it.
pub fn print_sheets(sheets: &[SheetRead]) {
    for s in sheets {
        println!("  {s}");
    }
}

fn print_report(r: &ListImportReport) {
    let verb = if r.dry_run { "would add" } else { "added" };
    println!(
        "List {}: {} rows read, {} {verb}, {} unchanged; {} rows refused.",
        r.kind,
        r.rows,
        r.added,
        r.unchanged,
        r.errors.len()
    );
    print_sheets(&r.sheets);
    for e in &r.errors {
        println!("  {e} [{}]", e.code());
    }
    for p in &r.proposals {
        println!(
            "  proposed key-concern entry: {} (row {}), level {:?}",
            p.student_no, p.row, p.level
        );
    }
}

/// Runs one of these commands.
pub fn run(dir: &Path, command: ListsTopCommand) -> Result<()> {
    let ListsTopCommand::List { command } = command;
    match command {
        ListCommand::Import {
            file,
            kind,
            dry_run,
            today: day,
            json,
        } => {
            let kind = ListKind::parse(&kind).ok_or(Error::Invalid {
                field: "--kind",
                reason: "use screening, academic, reward-discipline, hardship, disaster, special-group or observations",
            })?;
            let day = today(day.as_deref())?;
            let parsed = lists::parse_file(&file, kind)?;
            let mut s = unlock(dir)?;
            let author = s.actor().to_string();
            let report = s.import_list(&parsed, day, &author, dry_run)?;
            if json {
                return print_json(&report);
            }
            print_report(&report);
            Ok(())
        }
        ListCommand::Inbox { json } => {
            let s = unlock(dir)?;
            let items = s.inbox()?;
            if json {
                return print_json(&items);
            }
            for i in &items {
                let status = match i.status {
                    InboxStatus::Open => "open",
                    InboxStatus::Filed => "filed",
                    InboxStatus::Dismissed => "dismissed",
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    i.id, status, i.date, i.student_no, i.observation.place, i.observation.text
                );
            }
            Ok(())
        }
        ListCommand::File { id, note } => {
            let mut s = unlock(dir)?;
            let author = s.actor().to_string();
            let day = chrono::Local::now().date_naive();
            println!("{}", s.file_observation(&id, &note, &author, day)?);
            Ok(())
        }
        ListCommand::Dismiss { id, reason } => {
            let mut s = unlock(dir)?;
            s.dismiss_observation(&id, &reason, chrono::Local::now().date_naive())
        }
    }
}
