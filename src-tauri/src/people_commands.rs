//! The commands of people 人员 and caseloads (负责范围): who may unlock (asked while locked), who
//! is unlocked, and the 人员与权限 page. Each is a one-line adapter onto the core, which decides
//! who may add, remove, assign and hand over; the list is kept in step with build.rs, lib.rs, the
//! capability, the isolation hook and ui/src/api.ts (`hardening_tests` checks it).

use serde::Serialize;
use tauri::State;
use typeshare::typeshare;
use xindang::people::{Person, Role};
use xindang::session::{CaseloadSelector, PersonView};
use zeroize::Zeroizing;

use crate::error::CommandError;
use crate::state::{check_passphrase_arg, Shared};

/// Who is unlocked, for the header.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentPerson {
    /// Their name.
    pub name: String,
    /// Their role (`null` only after a recovery-key unlock, which is nobody's).
    pub role: Option<Role>,
}

/// The people of the archive while it is locked: names and roles only, for the unlock screen.
#[tauri::command(async)]
pub fn people_locked(state: State<'_, Shared>) -> Result<Vec<Person>, CommandError> {
    state.with(|s| s.people_locked())
}

/// Who is unlocked.
#[tauri::command(async)]
pub fn current_person(state: State<'_, Shared>) -> Result<CurrentPerson, CommandError> {
    state.with(|s| {
        let session = s.session()?;
        Ok(CurrentPerson {
            name: session.actor().to_owned(),
            role: session.role(),
        })
    })
}

/// Every person with their caseloads (人员与权限).
#[tauri::command(async)]
pub fn people_list(state: State<'_, Shared>) -> Result<Vec<PersonView>, CommandError> {
    state.with(|s| Ok(s.session()?.people()?))
}

/// Adds a person with their own passphrase (管理员 only; the core checks).
#[tauri::command(async)]
pub fn person_add(
    state: State<'_, Shared>,
    name: String,
    role: Role,
    passphrase: Zeroizing<String>,
) -> Result<Person, CommandError> {
    check_passphrase_arg(&passphrase)?;
    state.with(|s| Ok(s.session_mut()?.add_person(&name, role, &passphrase)?))
}

/// Removes a person; the keys they held are replaced.
#[tauri::command(async)]
pub fn person_remove(state: State<'_, Shared>, name: String) -> Result<(), CommandError> {
    state.with(|s| Ok(s.session_mut()?.remove_person(&name)?))
}

/// Assigns classes, grades and single students (学号) to a person; returns how many caseloads.
#[tauri::command(async)]
pub fn caseload_assign(
    state: State<'_, Shared>,
    user: String,
    classes: Vec<String>,
    grades: Vec<String>,
    students: Vec<String>,
) -> Result<u32, CommandError> {
    let sel = CaseloadSelector {
        classes,
        grades,
        students,
    };
    state.with(|s| Ok(count(s.session_mut()?.assign_caseload(&user, &sel)?)))
}

/// Hands `from`'s caseloads (only `class` when given) to `to`, with the reason (移交) and a
/// handover note 交接说明 per student (学号, text) if any; returns how many caseloads moved.
#[tauri::command(async)]
pub fn caseload_transfer(
    state: State<'_, Shared>,
    from: String,
    to: String,
    class: Option<String>,
    reason: String,
    notes: Vec<(String, String)>,
) -> Result<u32, CommandError> {
    let class = class.filter(|c| !c.trim().is_empty());
    state.with(|s| {
        Ok(count(s.session_mut()?.transfer_caseload(
            &from,
            &to,
            class.as_deref(),
            &reason,
            &notes,
        )?))
    })
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
