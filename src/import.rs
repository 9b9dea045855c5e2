//! Roster import into an unlocked archive: batches of students written in their own transactions,
//! so an interrupted import keeps every finished batch, and a second import of the same file
//! updates students instead of duplicating them.

use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use crate::error::Result;
use crate::model::StudentProfile;
use crate::roster::{RosterField, RosterParse, RowError};
use crate::session::{LoadReport, Session};

/// What a roster import did.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Rows read as students.
    pub rows: i32,
    /// What was written.
    pub load: LoadReport,
    /// Rows refused, with their spreadsheet row numbers.
    pub errors: Vec<RowError>,
}

/// Takes from a roster row only the fields its file has columns for, so a roster without a
/// dorm column does not wipe the dorms already recorded.
pub fn merge(parsed: &RosterParse, old: &StudentProfile, new: StudentProfile) -> StudentProfile {
    let has = |f: RosterField| parsed.column_of(f).is_some();
    let mut p = old.clone();
    p.name = new.name;
    macro_rules! take {
        ($($field:ident => $col:expr),* $(,)?) => {$( if has($col) { p.$field = new.$field; } )*};
    }
    take!(
        gender => RosterField::Gender,
        birth_date => RosterField::BirthDate,
        college => RosterField::College,
        major => RosterField::Major,
        class_name => RosterField::ClassName,
        dorm => RosterField::Dorm,
        grade => RosterField::Grade,
        level => RosterField::Level,
        status => RosterField::Status,
        phone => RosterField::Phone,
        home_address => RosterField::HomeAddress,
    );
    if has(RosterField::GuardianName) || has(RosterField::GuardianPhone) {
        for g in new.guardians {
            match p
                .guardians
                .iter_mut()
                .find(|o| o.name == g.name || (!g.phone.is_empty() && o.phone == g.phone))
            {
                Some(o) => *o = g,
                None => p.guardians.push(g),
            }
        }
    }
    p
}

/// Imports the good rows of `parsed` in transactions of `batch` students.
pub fn roster(session: &mut Session, parsed: &RosterParse, batch: usize) -> Result<ImportReport> {
    let mut total = LoadReport::default();
    for chunk in parsed.rows.chunks(batch.max(1)) {
        let items = chunk
            .iter()
            .map(|r| (r.profile.clone(), Vec::new()))
            .collect();
        let r = session.load_students(items, |old, new| merge(parsed, old, new))?;
        total.added += r.added;
        total.updated += r.updated;
        total.unchanged += r.unchanged;
        total.not_held += r.not_held;
    }
    // The index snapshot now rather than at lock, so an app killed after a large import still
    // unlocks fast next time. Best effort: without it the next unlock rebuilds.
    let _ = session.save_snapshot();
    Ok(ImportReport {
        rows: parsed.rows.len() as i32,
        load: total,
        errors: parsed.errors.clone(),
    })
}
