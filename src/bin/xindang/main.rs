//! `xindang`: the command line over the core, for IT staff, the center's batch work and scripts.
//!
//! The passphrase comes from `XINDANG_PASSPHRASE`, else it is prompted without echo. Errors are
//! one line of English on stderr with a non-zero exit code.

mod bundle_cmd;
mod commands;
mod crisis_cmd;
mod lists_cmd;
mod network_cmd;
mod people_cmd;
mod rules_cmd;
mod secrets;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// XinDang 心档: encrypted psychological files of students.
#[derive(Parser)]
#[command(name = "xindang", version, about)]
pub struct Cli {
    /// The archive folder.
    #[arg(long, global = true, env = "XINDANG_ARCHIVE")]
    archive: Option<PathBuf>,
    /// Who unlocks: a person of the archive (default: the only person, or the administrator
    /// `init` made). Given before the command: `xindang --user 王老师 student list`.
    #[arg(long, env = "XINDANG_USER")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an archive; prints the recovery key once.
    Init {
        /// A counseling center's archive rather than a college's.
        #[arg(long)]
        center: bool,
        /// Name of the first person, an administrator (default 管理员; `--user` also names it).
        #[arg(long)]
        label: Option<String>,
    },
    /// Fill the archive with synthetic students (for demonstrations and tests).
    Demo {
        /// How many students.
        #[arg(long, default_value_t = 300)]
        students: usize,
        /// Seed of the generator; the same seed gives the same students.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Student rosters.
    Roster {
        #[command(subcommand)]
        command: RosterCommand,
    },
    /// Student files.
    Student {
        #[command(subcommand)]
        command: StudentCommand,
    },
    /// Talk records 谈心谈话.
    Talk {
        #[command(subcommand)]
        command: TalkCommand,
    },
    /// Records of any kind, as JSON.
    Record {
        #[command(subcommand)]
        command: RecordCommand,
    },
    /// Crisis cases 危机个案: report, assess, steps, closing, open cases.
    Crisis {
        #[command(subcommand)]
        command: crisis_cmd::CrisisCommand,
    },
    /// Attached files.
    Attachment {
        #[command(subcommand)]
        command: AttachmentCommand,
    },
    /// Passphrases.
    Passphrase {
        #[command(subcommand)]
        command: PassphraseCommand,
    },
    /// Replace the recovery key; prints the new one once.
    RecoveryKey,
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    #[command(flatten)]
    Rules(rules_cmd::RulesCommand),
    #[command(flatten)]
    Bundles(bundle_cmd::BundleCommand),
    #[command(flatten)]
    Network(network_cmd::NetworkTopCommand),
    #[command(flatten)]
    Lists(lists_cmd::ListsTopCommand),
    #[command(flatten)]
    People(people_cmd::PeopleTopCommand),
}

#[derive(Subcommand)]
enum RosterCommand {
    /// Import students from .xlsx, .xls or .csv; importing again updates them.
    Import {
        /// The roster file.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a roster .xlsx of synthetic students (demonstrations, tests); needs no archive.
    Sample {
        /// The .xlsx file to write.
        file: PathBuf,
        /// How many students.
        #[arg(long, default_value_t = 100)]
        students: usize,
        /// Seed of the generator; the same seed gives the same students.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum StudentCommand {
    /// List students.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a student's whole file.
    Show {
        /// 学号
        student_no: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add or update a student from a JSON profile (`-` reads standard input).
    Put {
        /// The JSON file.
        file: PathBuf,
    },
    /// Amend fields of a student's profile, with the reason (kept in the file and audited).
    Amend(Box<AmendArgs>),
}

/// The fields `student amend` may change; each given one is set, the others kept.
#[derive(clap::Args)]
struct AmendArgs {
    /// 学号
    student_no: String,
    /// Why (required).
    #[arg(long)]
    reason: String,
    /// 姓名
    #[arg(long)]
    name: Option<String>,
    /// 性别: male, female (or empty).
    #[arg(long)]
    gender: Option<String>,
    /// 出生日期, YYYY-MM-DD (or empty).
    #[arg(long)]
    birth_date: Option<String>,
    /// 学院
    #[arg(long)]
    college: Option<String>,
    /// 专业
    #[arg(long)]
    major: Option<String>,
    /// 班级
    #[arg(long = "class")]
    class_name: Option<String>,
    /// 宿舍
    #[arg(long)]
    dorm: Option<String>,
    /// 年级
    #[arg(long)]
    grade: Option<String>,
    /// undergraduate or graduate.
    #[arg(long)]
    level: Option<String>,
    /// 学籍状态: enrolled, on-leave, graduated, withdrawn, transferred.
    #[arg(long)]
    status: Option<String>,
    /// 联系电话
    #[arg(long)]
    phone: Option<String>,
    /// 家庭住址
    #[arg(long)]
    home_address: Option<String>,
    /// 监护人, the whole list: `relation,name,phone` separated by `;`.
    #[arg(long)]
    guardians: Option<String>,
    /// 校外住址 (off-campus housing); `--off-campus none` removes the housing entry.
    #[arg(long)]
    off_campus: Option<String>,
    /// 陪读: yes or no.
    #[arg(long)]
    accompanied: Option<String>,
    /// The accompanying person 陪读人.
    #[arg(long)]
    companion: Option<String>,
    /// The college approved the off-campus arrangement: yes or no.
    #[arg(long)]
    off_campus_approved: Option<String>,
    /// Author (defaults to the unlocking slot's name).
    #[arg(long)]
    author: Option<String>,
}

impl AmendArgs {
    /// The fields given, as the core names them, in the order they apply.
    fn fields(&self) -> Vec<(&'static str, &str)> {
        let off_campus = match self.off_campus.as_deref() {
            Some(v) if v.trim() == "none" => Some(("off_campus", v)),
            Some(v) => Some(("off_campus.address", v)),
            None => None,
        };
        [
            ("name", self.name.as_deref()),
            ("gender", self.gender.as_deref()),
            ("birth_date", self.birth_date.as_deref()),
            ("college", self.college.as_deref()),
            ("major", self.major.as_deref()),
            ("class_name", self.class_name.as_deref()),
            ("dorm", self.dorm.as_deref()),
            ("grade", self.grade.as_deref()),
            ("level", self.level.as_deref()),
            ("status", self.status.as_deref()),
            ("phone", self.phone.as_deref()),
            ("home_address", self.home_address.as_deref()),
            ("guardians", self.guardians.as_deref()),
        ]
        .into_iter()
        .filter_map(|(f, v)| Some((f, v?)))
        .chain(off_campus)
        .chain(
            [
                ("off_campus.accompanied", self.accompanied.as_deref()),
                ("off_campus.companion", self.companion.as_deref()),
                ("off_campus.approved", self.off_campus_approved.as_deref()),
            ]
            .into_iter()
            .filter_map(|(f, v)| Some((f, v?))),
        )
        .collect()
    }
}

#[derive(Subcommand)]
enum TalkCommand {
    /// Record a talk.
    Add {
        /// 学号
        #[arg(long)]
        student: String,
        /// freshman, key-time, special-group, requested, reward-discipline, academic, relationship, hardship, other
        #[arg(long)]
        category: String,
        /// YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// What was said and agreed.
        #[arg(long)]
        text: String,
        /// Where.
        #[arg(long, default_value = "")]
        place: String,
        /// Follow-up date, YYYY-MM-DD.
        #[arg(long)]
        follow_up: Option<String>,
        /// Author (defaults to the unlocking slot's name).
        #[arg(long)]
        author: Option<String>,
    },
}

#[derive(Subcommand)]
enum RecordCommand {
    /// Append a record given as JSON (`-` reads standard input); see docs/archive-format.md.
    Add {
        /// 学号
        #[arg(long)]
        student: String,
        /// The JSON file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum AttachmentCommand {
    /// Attach a file (up to 20 MB), sealed.
    Add {
        /// 学号
        #[arg(long)]
        student: String,
        /// The file.
        #[arg(long)]
        file: PathBuf,
        /// What it is.
        #[arg(long, default_value = "")]
        description: String,
        /// YYYY-MM-DD (default today).
        #[arg(long)]
        date: Option<String>,
    },
    /// Write an attachment out to a file.
    Get {
        /// 学号
        #[arg(long)]
        student: String,
        /// The attachment record's id.
        #[arg(long)]
        record: String,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum PassphraseCommand {
    /// Change the passphrase (`XINDANG_NEW_PASSPHRASE` or a prompt).
    Change,
    /// Set a new passphrase with the recovery key (`XINDANG_RECOVERY_KEY` or a prompt), for the
    /// person named by `--user` (default: the only person, or the administrator `init` made).
    Reset,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain.
    Verify,
    /// Print the log.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    default_sigpipe();
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(match e.code() {
                "wrong_passphrase" | "wrong_recovery_key" | "unlock_throttled" => 3,
                "tamper" | "audit_broken" => 4,
                _ => 1,
            })
        }
    }
}

/// Like other Unix tools, end quietly when the reader of the output goes away (`xindang … --json
/// | head`) instead of panicking on the broken pipe. Output is printed after a command's
/// transaction has committed, so nothing saved depends on it.
#[cfg(unix)]
#[allow(unsafe_code)]
fn default_sigpipe() {
    // SAFETY: first thing in main, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn default_sigpipe() {}
