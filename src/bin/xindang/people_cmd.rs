//! `user …` and `caseload …`: the people of an archive (人员) and the students each may open.

use std::path::Path;

use clap::Subcommand;
use xindang::error::Result;
use xindang::people::Role;
use xindang::session::CaseloadSelector;

use crate::commands::{print_json, unlock};
use crate::secrets;

#[derive(Subcommand)]
pub enum PeopleTopCommand {
    /// The people of the archive, each with their own passphrase and role.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Which students each person may open.
    Caseload {
        #[command(subcommand)]
        command: CaseloadCommand,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a person (administrators only); their passphrase from `XINDANG_NEW_PASSPHRASE`, else
    /// prompted twice.
    Add {
        /// Their name.
        name: String,
        /// counselor (辅导员), leader (学院负责人) or admin (管理员).
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// The people, with their caseloads.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a person (administrators only); the keys they held are replaced.
    Remove {
        /// Their name.
        name: String,
    },
}

#[derive(Subcommand)]
pub enum CaseloadCommand {
    /// Give a person the students of classes, grades or single students.
    Assign {
        /// The person who receives them.
        #[arg(long = "user")]
        to: String,
        /// A class (班级); repeatable.
        #[arg(long = "class")]
        classes: Vec<String>,
        /// A grade (年级), e.g. 2023; repeatable.
        #[arg(long = "grade")]
        grades: Vec<String>,
        /// A student's 学号; repeatable.
        #[arg(long = "student")]
        students: Vec<String>,
    },
    /// Hand one person's caseloads (or one class of them) to another, with the reason.
    Transfer {
        /// Who gives them.
        #[arg(long)]
        from: String,
        /// Who receives them.
        #[arg(long)]
        to: String,
        /// Only this class.
        #[arg(long)]
        class: Option<String>,
        /// Why (recorded in the audit log).
        #[arg(long)]
        reason: String,
        /// A handover note for one student, `学号=text`, kept in their file; repeatable.
        #[arg(long = "note")]
        notes: Vec<String>,
    },
}

fn parse_role(s: &str) -> std::result::Result<Role, String> {
    Role::parse(s).ok_or_else(|| "use counselor, leader or admin".to_string())
}

pub fn run(dir: &Path, command: PeopleTopCommand) -> Result<()> {
    match command {
        PeopleTopCommand::User { command } => user(dir, command),
        PeopleTopCommand::Caseload { command } => caseload(dir, command),
    }
}

fn user(dir: &Path, command: UserCommand) -> Result<()> {
    let mut s = unlock(dir)?;
    match command {
        UserCommand::Add { name, role } => {
            let pass = secrets::new_passphrase("XINDANG_NEW_PASSPHRASE")?;
            let p = s.add_person(&name, role, &pass)?;
            eprintln!("Added {} ({}).", p.name, role.as_str());
        }
        UserCommand::List { json } => {
            let people = s.people()?;
            if json {
                print_json(&people)?;
            } else {
                for p in people {
                    let loads: Vec<String> = p.caseloads.iter().map(|c| c.label.clone()).collect();
                    println!(
                        "{}\t{}\t{}",
                        p.person.name,
                        p.person.role.as_str(),
                        loads.join(", ")
                    );
                }
            }
        }
        UserCommand::Remove { name } => {
            s.remove_person(&name)?;
            eprintln!("Removed {name}.");
        }
    }
    Ok(())
}

fn caseload(dir: &Path, command: CaseloadCommand) -> Result<()> {
    let mut s = unlock(dir)?;
    match command {
        CaseloadCommand::Assign {
            to,
            classes,
            grades,
            students,
        } => {
            let n = s.assign_caseload(
                &to,
                &CaseloadSelector {
                    classes,
                    grades,
                    students,
                },
            )?;
            eprintln!("Assigned {n} caseloads to {to}.");
        }
        CaseloadCommand::Transfer {
            from,
            to,
            class,
            reason,
            notes,
        } => {
            let mut pairs = Vec::with_capacity(notes.len());
            for n in notes {
                let Some((sno, text)) = n.split_once('=') else {
                    return Err(xindang::error::Error::Invalid {
                        field: "--note",
                        reason: "write 学号=text",
                    });
                };
                pairs.push((sno.to_string(), text.to_string()));
            }
            let n = s.transfer_caseload(&from, &to, class.as_deref(), &reason, &pairs)?;
            eprintln!("Moved {n} caseloads from {from} to {to}.");
        }
    }
    Ok(())
}
