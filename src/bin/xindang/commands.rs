//! One function per command: parse the arguments into core calls, print the result.

use std::io::{Read, Write};
use std::path::Path;

use chrono::NaiveDate;
use xindang::error::{Error, Result};
use xindang::model::*;
use xindang::{Archive, Session, SiteKind};

use crate::{
    secrets, AttachmentCommand, AuditCommand, Cli, Command, PassphraseCommand, RecordCommand,
};
use crate::{RosterCommand, StudentCommand, TalkCommand};

/// Roster rows and demo students are written in transactions of this many, so a crash keeps every
/// finished batch and a re-run completes the rest without duplicates.
const BATCH: usize = 1000;

fn archive_dir(cli: &Cli) -> Result<&Path> {
    cli.archive.as_deref().ok_or(Error::Invalid {
        field: "--archive",
        reason: "name the archive folder with --archive DIR",
    })
}

/// The person named by `--user` / `XINDANG_USER`, set once at start.
static USER: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();

fn user() -> Option<&'static str> {
    USER.get().and_then(|u| u.as_deref())
}

/// The archive at `dir`, unlocked as the person of `--user` with the passphrase from the
/// environment or a prompt.
pub(crate) fn unlock(dir: &Path) -> Result<Session> {
    let archive = Archive::open(dir)?;
    let pass = secrets::passphrase()?;
    Session::unlock_as(&archive, user(), &pass)
}

/// A day given on the command line, parsed by the core's one parser of days.
pub(crate) fn date(s: &str, field: &'static str) -> Result<NaiveDate> {
    xindang::rules::calendar::parse_day(Some(s), field, xindang::rules::calendar::today())
}

fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin().read_to_end(&mut buf)?;
        Ok(buf)
    } else {
        Ok(std::fs::read(path)?)
    }
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|_| Error::Invalid {
        field: "output",
        reason: "cannot be encoded",
    })?;
    println!("{text}");
    Ok(())
}

pub fn run(cli: Cli) -> Result<()> {
    let _ = USER.set(cli.user.clone());
    // A sample roster is written without an archive.
    let needs_archive = !matches!(
        cli.command,
        Command::Roster {
            command: RosterCommand::Sample { .. }
        }
    );
    let dir = if needs_archive {
        archive_dir(&cli)?.to_path_buf()
    } else {
        std::path::PathBuf::new()
    };
    match cli.command {
        Command::Init { center, label } => {
            let name = cli
                .user
                .clone()
                .or(label)
                .unwrap_or_else(|| "管理员".into());
            init(&dir, center, &name)
        }
        Command::Demo { students, seed } => demo(&dir, students, seed),
        Command::Roster {
            command: RosterCommand::Import { file, json },
        } => roster_import(&dir, &file, json),
        Command::Roster {
            command:
                RosterCommand::Sample {
                    file,
                    students,
                    seed,
                },
        } => roster_sample(&file, students, seed),
        Command::Student { command } => student(&dir, command),
        Command::Talk { command } => talk(&dir, command),
        Command::Record {
            command: RecordCommand::Add { student, file },
        } => {
            let record: NewRecord =
                serde_json::from_slice(&read_input(&file)?).map_err(|_| Error::Invalid {
                    field: "record",
                    reason: "not a record in the JSON format of docs/archive-format.md",
                })?;
            let mut s = unlock(&dir)?;
            let id = s.add_record(&student, record)?;
            println!("{id}");
            Ok(())
        }
        Command::Crisis { command } => crate::crisis_cmd::run(&dir, command),
        Command::Attachment { command } => attachment(&dir, command),
        Command::Passphrase { command } => passphrase(&dir, command),
        Command::RecoveryKey => {
            let mut s = unlock(&dir)?;
            let key = s.new_recovery_key()?;
            print_recovery_key(&key);
            Ok(())
        }
        Command::Audit { command } => audit(&dir, command),
        Command::Rules(command) => crate::rules_cmd::run(&dir, command),
        Command::Bundles(command) => crate::bundle_cmd::run(&dir, command),
        Command::Network(command) => crate::network_cmd::run(&dir, command),
        Command::Lists(command) => crate::lists_cmd::run(&dir, command),
        Command::People(command) => crate::people_cmd::run(&dir, command),
    }
}

fn print_recovery_key(key: &xindang::RecoveryKey) {
    eprintln!("Recovery key (shown once; write it down and keep it locked away, it opens the archive if the passphrase is lost):");
    println!("{key}");
}

fn init(dir: &Path, center: bool, label: &str) -> Result<()> {
    if Archive::exists(dir) {
        return Err(Error::ArchiveExists);
    }
    let pass = secrets::new_passphrase("XINDANG_PASSPHRASE")?;
    let kind = if center {
        SiteKind::Center
    } else {
        SiteKind::College
    };
    let (_session, key) = Session::create_as(dir, &pass, kind, label)?;
    eprintln!("Created the archive in {}", dir.display());
    print_recovery_key(&key);
    Ok(())
}

fn demo(dir: &Path, students: usize, seed: u64) -> Result<()> {
    let mut s = unlock(dir)?;
    let config = xindang::synth::SynthConfig {
        seed,
        students,
        today: chrono::Local::now().date_naive(),
        records_per_student: 10,
    };
    let mut batch = Vec::with_capacity(BATCH);
    let mut total = xindang::session::LoadReport::default();
    let mut flush = |s: &mut Session, batch: &mut Vec<_>| -> Result<()> {
        let r = s.load_students(std::mem::take(batch), |_, new| new)?;
        total.added += r.added;
        total.updated += r.updated;
        total.records += r.records;
        Ok(())
    };
    for st in xindang::synth::students(&config) {
        batch.push((st.profile, st.records));
        if batch.len() == BATCH {
            flush(&mut s, &mut batch)?;
        }
    }
    flush(&mut s, &mut batch)?;
    eprintln!(
        "Demo data: {} students added, {} updated, {} records",
        total.added, total.updated, total.records
    );
    if let Some(c) = s.demo_network()? {
        eprintln!(
            "Demo network: {} counselors, {} backbones, {} dorm heads; {} of {} students covered",
            c.counselors, c.backbones, c.dorm_heads, c.covered, c.students
        );
    }
    crate::lists_cmd::demo_work(&mut s, config.today, seed)?;
    Ok(())
}

fn roster_sample(file: &Path, students: usize, seed: u64) -> Result<()> {
    let config = xindang::synth::SynthConfig {
        seed,
        students,
        today: chrono::Local::now().date_naive(),
        records_per_student: 0,
    };
    let profiles: Vec<StudentProfile> = xindang::synth::students(&config)
        .map(|s| s.profile)
        .collect();
    xindang::roster::write_xlsx(file, &profiles)?;
    eprintln!("Wrote a roster of {} synthetic students.", profiles.len());
    Ok(())
}

fn roster_import(dir: &Path, file: &Path, json: bool) -> Result<()> {
    let parsed = xindang::roster::parse_file(file)?;
    let mut s = unlock(dir)?;
    let report = xindang::import::roster(&mut s, &parsed, BATCH)?;
    if json {
        return print_json(&report);
    }
    println!(
        "Imported {} rows: {} added, {} updated, {} unchanged; {} rows refused.",
        parsed.rows.len(),
        report.load.added,
        report.load.updated,
        report.load.unchanged,
        parsed.errors.len()
    );
    if report.load.not_held > 0 {
        println!(
            "  {} rows skipped: students outside your caseloads.",
            report.load.not_held
        );
    }
    crate::lists_cmd::print_sheets(&parsed.sheets);
    for e in &parsed.errors {
        println!("  row {}: {}", e.row, e);
    }
    Ok(())
}

fn status_text(s: StudentStatus) -> &'static str {
    match s {
        StudentStatus::Enrolled => "enrolled",
        StudentStatus::OnLeave => "on-leave",
        StudentStatus::Graduated => "graduated",
        StudentStatus::Withdrawn => "withdrawn",
        StudentStatus::Transferred => "transferred",
    }
}

fn student(dir: &Path, command: StudentCommand) -> Result<()> {
    let mut s = unlock(dir)?;
    match command {
        StudentCommand::List { json } => {
            let list = s.list_students();
            s.log(
                xindang::audit::AuditAction::ListStudents,
                None,
                &format!("{} students", list.len()),
            )?;
            if json {
                return print_json(&list);
            }
            let mut out = std::io::stdout().lock();
            for st in &list {
                let concern = st
                    .concern
                    .map(|c| format!("{c:?}").to_lowercase())
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    st.student_no,
                    st.name,
                    st.college,
                    st.class_name,
                    st.dorm,
                    status_text(st.status),
                    concern
                )?;
            }
            Ok(())
        }
        StudentCommand::Show { student_no, json } => {
            let file = s.student_file(&student_no)?;
            if json {
                return print_json(&file);
            }
            let p = &file.profile;
            println!(
                "{} {} | {} {} {} | {} | {}",
                p.student_no,
                p.name,
                p.college,
                p.major,
                p.class_name,
                p.dorm,
                status_text(p.status)
            );
            for r in &file.records {
                let mark = if r.superseded_by.is_some() {
                    " (amended)"
                } else {
                    ""
                };
                println!(
                    "{} {} [{}]{mark}",
                    r.record.date,
                    r.record.body.kind_name(),
                    r.id
                );
            }
            Ok(())
        }
        StudentCommand::Put { file } => {
            let profile: StudentProfile =
                serde_json::from_slice(&read_input(&file)?).map_err(|_| Error::Invalid {
                    field: "profile",
                    reason: "not a student profile in JSON",
                })?;
            println!("{}", s.put_student(profile)?);
            Ok(())
        }
        StudentCommand::Amend(args) => {
            let mut profile = s.profile(&args.student_no)?.clone();
            for (field, value) in args.fields() {
                xindang::session::profile::set_field(&mut profile, field, value)?;
            }
            let author = args.author.clone().unwrap_or_else(|| s.actor().to_string());
            let amendment = s.amend_profile(&args.student_no, profile, &args.reason, &author)?;
            for c in &amendment.changes {
                println!("{}: {} -> {}", c.field, c.old, c.new);
            }
            Ok(())
        }
    }
}

fn talk(dir: &Path, command: TalkCommand) -> Result<()> {
    let TalkCommand::Add {
        student,
        category,
        date: day,
        text,
        place,
        follow_up,
        author,
    } = command;
    let category = TalkCategory::parse(category.trim()).ok_or(Error::Invalid {
        field: "--category",
        reason: "not one of the eight must-talks or other",
    })?;
    let day = date(&day, "--date")?;
    let follow_up = follow_up.map(|d| date(&d, "--follow-up")).transpose()?;
    let mut s = unlock(dir)?;
    let record = NewRecord {
        date: day,
        author: author.unwrap_or_else(|| s.actor().to_string()),
        amends: None,
        amend_reason: String::new(),
        body: RecordBody::Talk(Talk {
            category,
            place,
            text,
            follow_up,
        }),
    };
    println!("{}", s.add_record(&student, record)?);
    Ok(())
}

fn attachment(dir: &Path, command: AttachmentCommand) -> Result<()> {
    match command {
        AttachmentCommand::Add {
            student,
            file,
            description,
            date: day,
        } => {
            // Checked by the file's first bytes, as the app does, before the passphrase is asked.
            let (media, content) = xindang::model::media::read_attachment(
                &file,
                xindang::session::ATTACHMENT_LIMIT_MB,
            )?;
            let day = match day {
                Some(d) => date(&d, "--date")?,
                None => xindang::rules::calendar::today(),
            };
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut s = unlock(dir)?;
            let author = s.actor().to_string();
            let meta = Attachment {
                file_name: name,
                media_type: media.mime().to_owned(),
                size: 0,
                description,
            };
            println!(
                "{}",
                s.add_attachment(&student, day, &author, meta, &content)?
            );
            Ok(())
        }
        AttachmentCommand::Get {
            student,
            record,
            out,
        } => {
            let mut s = unlock(dir)?;
            let content = s.attachment(&student, &record)?;
            std::fs::write(&out, &content[..])?;
            Ok(())
        }
    }
}

fn passphrase(dir: &Path, command: PassphraseCommand) -> Result<()> {
    match command {
        PassphraseCommand::Change => {
            let mut s = unlock(dir)?;
            let new = secrets::new_passphrase("XINDANG_NEW_PASSPHRASE")?;
            s.change_passphrase(&new)?;
        }
        PassphraseCommand::Reset => {
            let archive = Archive::open(dir)?;
            let key = secrets::recovery_key()?;
            let new = secrets::new_passphrase("XINDANG_NEW_PASSPHRASE")?;
            Session::recover_as(&archive, &key, user(), &new)?;
        }
    }
    eprintln!("Passphrase changed.");
    Ok(())
}

fn audit(dir: &Path, command: AuditCommand) -> Result<()> {
    use xindang::audit::StudentWithheld;
    let s = unlock(dir)?;
    let log = s.audit_log()?;
    match command {
        AuditCommand::Verify => {
            println!("audit log intact: {} entries", log.len());
            Ok(())
        }
        AuditCommand::List { json } => {
            if json {
                return print_json(&log);
            }
            for e in &log {
                println!(
                    "{}\t{}\t{}\t{:?}\t{}\t{}",
                    e.seq,
                    e.at,
                    e.actor,
                    e.action,
                    match (e.student_no.as_deref(), e.student_withheld) {
                        (Some(no), _) => no,
                        (None, Some(StudentWithheld::Retired)) => "(retired)",
                        (None, Some(StudentWithheld::NoAccess)) => "(no access)",
                        (None, None) => "-",
                    },
                    e.detail
                );
            }
            Ok(())
        }
    }
}
