//! Commands of sync and handover: site profiles, bundles, receipts, the age identity.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use xindang::bundle::write_atomic;
use xindang::error::{Error, Result};
use xindang::model::StudentStatus;
use xindang::reason::Reason;
use xindang::session::sync::{BundlePreview, HandoverChoice, HeldStudents};
use xindang::site::SiteProfile;

use crate::commands::unlock;
use crate::secrets;

/// The commands this file adds to `xindang` (flattened into the top level).
#[derive(Subcommand)]
pub enum BundleCommand {
    /// This site's profile (public keys) and the profiles of trusted sites.
    Profile {
        #[command(subcommand)]
        command: ProfileCommand,
    },
    /// Sync bundles to and from other sites.
    Bundle {
        #[command(subcommand)]
        command: BundleSub,
    },
    /// Receipts of bundles sent from here.
    Receipt {
        #[command(subcommand)]
        command: ReceiptSub,
    },
    /// Hand whole files over to another site (graduation, withdrawal, transfer).
    Handover {
        #[command(subcommand)]
        command: HandoverSub,
    },
    /// The site's age identity, for disaster recovery.
    Identity {
        #[command(subcommand)]
        command: IdentitySub,
    },
    /// The school-wide picture by college and the flagged-student lists (the center's work).
    Center {
        #[command(subcommand)]
        command: CenterSub,
    },
}

#[derive(Subcommand)]
pub enum CenterSub {
    /// Counts by college (screened, flagged, key concern, crisis) and the state of sync per site.
    Overview {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Students whose latest screening result is flagged for a follow-up interview.
    Flagged {
        /// Only this college (学院, as the profiles name it).
        #[arg(long)]
        college: Option<String>,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Write this site's profile; prints its fingerprint to compare by phone.
    Export {
        /// The profile file to write.
        #[arg(long)]
        out: PathBuf,
        /// The site's name, fixed when the identity is created (default: `center` for a center).
        #[arg(long)]
        name: Option<String>,
    },
    /// Trust another site's profile, named by the profile's own name.
    Import {
        /// The profile file.
        file: PathBuf,
    },
    /// List the trusted sites.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum BundleSub {
    /// Export every change the site has not acknowledged.
    Export {
        /// The site's name.
        #[arg(long)]
        to: String,
        /// The bundle file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a bundle in one transaction; optionally write the signed receipt.
    Import {
        /// The bundle file.
        file: PathBuf,
        /// Where to write the receipt for the sender.
        #[arg(long)]
        receipt_out: Option<PathBuf>,
        /// A passphrase bundle's sender fingerprint, as compared by phone (without it, the
        /// bundle is only read and its fingerprint shown).
        #[arg(long)]
        fingerprint: Option<String>,
        /// A handover of students this archive already holds: merge their changes into the
        /// files here (确认合并). Without this or --return-held such a handover is refused.
        #[arg(long, conflicts_with = "return_held")]
        merge_held: bool,
        /// A handover of students this archive already holds: return them (the receipt names
        /// their changes refused, so the sender keeps the files).
        #[arg(long)]
        return_held: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Profile edits that lost to a concurrent edit from another site.
    Conflicts {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// A profile conflict side by side: each field that differs, in force and lost.
    Conflict {
        /// The conflict's id, as `bundle conflicts` lists it.
        id: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Mark a conflict settled, once the profile is checked; `--take FIELD` (repeat) takes the
    /// value that lost for that field (an amendment of the profile, audited).
    Settle {
        /// The conflict's id, as `bundle conflicts` lists it.
        id: String,
        /// A field whose lost value to take (as `bundle conflict` names it).
        #[arg(long)]
        take: Vec<String>,
        /// Who decides (defaults to the unlocking slot's name).
        #[arg(long)]
        author: Option<String>,
    },
    /// Sites whose audit log went backwards in a bundle (a restored older copy, a cut or
    /// re-chained log): each an alarm until a person settles it.
    Alarms {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Settle a site's audit alarm once it was looked into (audited); the next bundle must still
    /// go beyond the highest audit position seen.
    SettleAlarm {
        /// The site's name.
        #[arg(long)]
        site: String,
    },
}

#[derive(Subcommand)]
pub enum ReceiptSub {
    /// Import a receipt; a handover receipt retires the files handed over.
    Import {
        /// The receipt file.
        file: PathBuf,
        /// The receiver's fingerprint, as compared by phone (a passphrase receipt; without it,
        /// the receipt is only read and its fingerprint shown).
        #[arg(long)]
        fingerprint: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum HandoverSub {
    /// Export whole student files; they stay read-only here until the receipt retires them.
    Export {
        /// 学号 (repeat for several).
        #[arg(long)]
        student: Vec<String>,
        /// Every student of this status: enrolled, on-leave, graduated, withdrawn, transferred.
        #[arg(long)]
        status: Option<String>,
        /// Every student of this cohort (年级, e.g. 2022); with --status, those of both.
        #[arg(long)]
        grade: Option<String>,
        /// Every student of this class (班级): a caseload carried to the counselor taking it over.
        #[arg(long)]
        class: Option<String>,
        /// The receiving site (default `center`); with `--passphrase`, the receiving institution.
        #[arg(long, default_value = xindang::site::CENTER_NAME)]
        to: String,
        /// Encrypt to a passphrase (age scrypt) for an institution with which no profiles were
        /// exchanged: from `XINDANG_BUNDLE_PASSPHRASE`, else one is generated (six groups of four
        /// digits, easy to read out) and printed. Tell it by another channel than the file.
        #[arg(long)]
        passphrase: bool,
        /// With --passphrase: type a passphrase of your own (asked twice) instead of the generated one.
        #[arg(long, requires = "passphrase")]
        own_passphrase: bool,
        /// The bundle file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Handovers waiting for their receipt, with the files each keeps read-only.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum IdentitySub {
    /// Write the age identity (secret!) to a file.
    Export {
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|_| Error::Invalid {
        field: "output",
        reason: "cannot be encoded",
    })?;
    println!("{text}");
    Ok(())
}

fn status(s: &str) -> Result<StudentStatus> {
    Ok(match s.trim() {
        "enrolled" => StudentStatus::Enrolled,
        "on-leave" => StudentStatus::OnLeave,
        "graduated" => StudentStatus::Graduated,
        "withdrawn" => StudentStatus::Withdrawn,
        "transferred" => StudentStatus::Transferred,
        _ => {
            return Err(Error::Invalid {
                field: "--status",
                reason: "use enrolled, on-leave, graduated, withdrawn or transferred",
            })
        }
    })
}

pub fn run(dir: &Path, command: BundleCommand) -> Result<()> {
    let mut s = unlock(dir)?;
    match command {
        BundleCommand::Profile { command } => match command {
            ProfileCommand::Export { out, name } => {
                let p = s.site_profile(name.as_deref())?;
                let text = serde_json::to_vec_pretty(&p).map_err(|_| Error::Invalid {
                    field: "profile",
                    reason: "cannot be encoded",
                })?;
                write_atomic(&out, &text)?;
                eprintln!(
                    "Profile of site {} written; compare its fingerprint by phone:",
                    p.name
                );
                println!("{}", p.fingerprint);
                Ok(())
            }
            ProfileCommand::Import { file } => {
                let p: SiteProfile =
                    serde_json::from_slice(&std::fs::read(&file)?).map_err(|_| Error::Invalid {
                        field: "profile",
                        reason: "not a XinDang site profile",
                    })?;
                let p = s.import_profile(p)?;
                eprintln!(
                    "Trusting site {}; compare this fingerprint with its owner by phone:",
                    p.name
                );
                println!("{}", p.fingerprint);
                Ok(())
            }
            ProfileCommand::List { json } => {
                let peers = s.peer_profiles()?;
                if json {
                    return print_json(&peers);
                }
                for p in peers {
                    println!("{}\t{:?}\t{}", p.name, p.kind, p.fingerprint);
                }
                Ok(())
            }
        },
        BundleCommand::Bundle { command } => match command {
            BundleSub::Export { to, out } => {
                let r = s.export_bundle(&to, &out)?;
                eprintln!(
                    "Bundle {} for {} written and verified: changes {}..{}, {} students, {} profiles, {} records, {} attachments.",
                    r.bundle_id, r.recipient, r.from_seq, r.to_seq, r.counts.students,
                    r.counts.profiles, r.counts.records, r.counts.attachments
                );
                println!("{}", r.bundle_id);
                Ok(())
            }
            BundleSub::Import {
                file,
                receipt_out,
                fingerprint,
                merge_held,
                return_held,
                json,
            } => {
                let held = match (merge_held, return_held) {
                    (true, _) => HeldStudents::Merge,
                    (_, true) => HeldStudents::Return,
                    _ => HeldStudents::Ask,
                };
                let bytes = std::fs::read(&file)?;
                let by_passphrase = xindang::bundle::is_passphrase_file(&bytes);
                let mut pass = None;
                let imported = if by_passphrase {
                    let p = pass.insert(secrets::bundle_passphrase(false)?);
                    let fp = confirmed_fingerprint(&s, &bytes, p, fingerprint)?;
                    s.import_bundle_with_passphrase(&bytes, p, &fp, held)
                } else {
                    s.import_bundle_with(&bytes, held)
                };
                let (report, receipt) = match imported {
                    Err(
                        e @ Error::Refused {
                            reason: Reason::HandoverStudentHeld,
                            ..
                        },
                    ) => {
                        show_held(&match &pass {
                            Some(p) => s.preview_with_passphrase(&bytes, p)?,
                            None => s.preview_bundle(&bytes)?,
                        });
                        return Err(e);
                    }
                    r => r?,
                };
                if by_passphrase {
                    eprintln!(
                        "Signed by site {} with fingerprint {}: compare it with the sender by phone.",
                        report.sender, report.sender_fingerprint
                    );
                }
                if let Some(out) = receipt_out {
                    write_atomic(&out, &receipt)?;
                }
                if json {
                    return print_json(&report);
                }
                if report.duplicate {
                    println!(
                        "Bundle {} was imported before; nothing changed.",
                        report.bundle_id
                    );
                } else {
                    println!(
                        "Imported bundle {} from {}: {} students added, {} profiles updated, {} records added, {} already held, {} conflicts.",
                        report.bundle_id, report.sender, report.students_added,
                        report.profiles_updated, report.records_added, report.skipped,
                        report.conflicts.len()
                    );
                }
                if !report.refused.is_empty() {
                    println!(
                        "warning: {} changes refused (not {}'s to make); see `bundle conflicts`.",
                        report.refused.len(),
                        report.sender
                    );
                }
                if let Some(g) = &report.gap {
                    println!(
                        "warning: changes {}..{} of {} never arrived; an earlier bundle is missing.",
                        g[0], g[1], report.sender
                    );
                }
                Ok(())
            }
            BundleSub::Conflict { id, json } => {
                let fields = s.conflict_fields(&id)?;
                if json {
                    return print_json(&fields);
                }
                for f in fields {
                    println!("{}\tin force: {}\tlost: {}", f.field, f.kept, f.lost);
                }
                Ok(())
            }
            BundleSub::Settle { id, take, author } => {
                let author = author.unwrap_or_else(|| s.actor().to_string());
                s.settle_conflict_taking(&id, &take, &author)?;
                if take.is_empty() {
                    eprintln!("Conflict {id} settled.");
                } else {
                    eprintln!("Conflict {id} settled, taking {}.", take.join(", "));
                }
                Ok(())
            }
            BundleSub::Alarms { json } => {
                let list = s.audit_alarms()?;
                if json {
                    return print_json(&list);
                }
                for a in list {
                    println!(
                        "{}\taudit log at {} after {}{}\tbundle {}\t{}",
                        a.site,
                        a.got_seq,
                        a.seen_seq,
                        if a.shorter {
                            " (shorter)"
                        } else {
                            " (same length, another head)"
                        },
                        a.bundle_id,
                        a.at
                    );
                }
                Ok(())
            }
            BundleSub::SettleAlarm { site } => {
                s.settle_audit_alarm(&site)?;
                eprintln!("Audit alarm of {site} settled.");
                Ok(())
            }
            BundleSub::Conflicts { json } => {
                let list = s.sync_conflicts()?;
                if json {
                    return print_json(&list);
                }
                for c in list {
                    println!(
                        "{}\t{}\t{}\tkept {}\tother {}\t{}",
                        c.id,
                        c.student_no,
                        c.fields.join(","),
                        c.kept_site,
                        c.other_site,
                        c.at
                    );
                }
                Ok(())
            }
        },
        BundleCommand::Receipt {
            command:
                ReceiptSub::Import {
                    file,
                    fingerprint,
                    json,
                },
        } => {
            let bytes = std::fs::read(&file)?;
            let r = if xindang::bundle::is_passphrase_file(&bytes) {
                let pass = secrets::bundle_passphrase(false)?;
                let fp = confirmed_fingerprint(&s, &bytes, &pass, fingerprint)?;
                let r = s.import_receipt_with_passphrase(&bytes, &pass, &fp)?;
                eprintln!(
                    "Signed by site {} with fingerprint {}: compare it with the receiver by phone.",
                    r.site, r.site_fingerprint
                );
                r
            } else {
                s.import_receipt(&bytes)?
            };
            if json {
                return print_json(&r);
            }
            println!(
                "Receipt from {} for bundle {}: acknowledged to {}, {} files retired.",
                r.site, r.bundle_id, r.acked_to, r.retired
            );
            if !r.kept.is_empty() {
                println!(
                    "The receiver refused {} files; they stay here and are writable again: {}",
                    r.kept.len(),
                    r.kept.join(", ")
                );
            }
            Ok(())
        }
        BundleCommand::Handover {
            command: HandoverSub::List { json },
        } => {
            let list = s.pending_handovers()?;
            if json {
                return print_json(&list);
            }
            for h in list {
                println!(
                    "{}\t{}{}\t{}\t{}",
                    h.bundle_id,
                    h.recipient,
                    if h.by_passphrase { " (passphrase)" } else { "" },
                    h.at,
                    h.students.join(",")
                );
            }
            Ok(())
        }
        BundleCommand::Handover {
            command:
                HandoverSub::Export {
                    student,
                    status: st,
                    grade,
                    class,
                    to,
                    passphrase,
                    own_passphrase,
                    out,
                },
        } => {
            let choice = HandoverChoice {
                student_nos: student,
                status: st.as_deref().map(status).transpose()?,
                grade,
                class,
            };
            let r = if passphrase {
                let pass = secrets::handover_passphrase(own_passphrase)?;
                let r = s.export_handover_passphrase(&to, &pass.text, &choice, &out)?;
                if pass.generated {
                    // The one thing the person must read out: on stdout's neighbour, stderr, so
                    // scripts keep reading the bundle id from stdout.
                    eprintln!(
                        "Passphrase (read it out to {to} by phone, group by group): {}",
                        *pass.text
                    );
                }
                eprintln!(
                    "Encrypted to a passphrase: tell it to {to} by another channel than the file. This site's fingerprint, for them to compare by phone: {}",
                    s.site_profile(None)?.fingerprint
                );
                r
            } else {
                s.export_handover(&to, &choice, &out)?
            };
            eprintln!(
                "Handover bundle {} for {} written and verified: {} students, {} records. The files are read-only until its receipt is imported.",
                r.bundle_id, r.recipient, r.counts.students, r.counts.records
            );
            println!("{}", r.bundle_id);
            Ok(())
        }
        BundleCommand::Center { command } => match command {
            CenterSub::Overview { json } => {
                let o = s.center_overview()?;
                if json {
                    return print_json(&o);
                }
                println!("college\tstudents\tat school\tscreened\tflagged\tconcern (general/key/special)\tcrisis\tsites");
                for c in o.colleges.iter().chain(std::iter::once(&o.total)) {
                    let name = if c.college.is_empty() {
                        "(all)"
                    } else {
                        &c.college
                    };
                    println!(
                        "{name}\t{}\t{}\t{}\t{}\t{}/{}/{}\t{}\t{}",
                        c.students,
                        c.at_school,
                        c.screened,
                        c.flagged,
                        c.concern_general,
                        c.concern_key,
                        c.concern_special,
                        c.crisis,
                        c.sites.join(",")
                    );
                }
                for p in &o.peers {
                    println!(
                        "site {}\t{}\treceived {} bundles, holds its changes to {}, acknowledged ours to {}, {} unacknowledged",
                        p.profile.name, p.profile.fingerprint, p.bundles_received, p.changes_held,
                        p.acknowledged, p.unacknowledged
                    );
                }
                println!(
                    "{} conflicts to settle, {} files awaiting a handover receipt",
                    o.conflicts, o.awaiting_receipt
                );
                Ok(())
            }
            CenterSub::Flagged { college, json } => {
                let list = s.flagged_students(college.as_deref())?;
                if json {
                    return print_json(&list);
                }
                for st in list {
                    println!(
                        "{}\t{}\t{}\t{}",
                        st.student_no, st.name, st.college, st.class_name
                    );
                }
                Ok(())
            }
        },
        BundleCommand::Identity {
            command: IdentitySub::Export { out },
        } => {
            let text = s.export_identity()?;
            write_atomic(&out, format!("{}\n", text.as_str()).as_bytes())?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600))?;
            }
            eprintln!("warning: this file opens every bundle sent to this site. Keep it offline and locked away, never beside the archive.");
            Ok(())
        }
    }
}

/// The two steps of a passphrase file: without `--fingerprint`, the file is read and verified,
/// who signed it is shown, and nothing is written; with it, the core imports only if it matches.
/// Lists the students of a handover this archive already holds (the import that follows is
/// refused until a person chooses to merge or return them).
fn show_held(preview: &BundlePreview) {
    if preview.held.is_empty() {
        return;
    }
    eprintln!("Already held in this archive (该学生已在本档案中):");
    for h in &preview.held {
        eprintln!("  {}\t{}", h.student_no, h.name);
    }
}

fn confirmed_fingerprint(
    s: &xindang::Session,
    bytes: &[u8],
    pass: &str,
    fingerprint: Option<String>,
) -> Result<String> {
    if let Some(fp) = fingerprint {
        return Ok(fp);
    }
    let p = s.preview_with_passphrase(bytes, pass)?;
    eprintln!(
        "Signed by site {} with fingerprint {}: compare it by phone, then run again with --fingerprint.",
        p.sender, p.sender_fingerprint
    );
    Err(Error::Invalid {
        field: "--fingerprint",
        reason: "confirm the sender's fingerprint (compared by phone) to import",
    })
}
