//! From the grid and its mapping to students and row errors.

use std::collections::HashMap;

use super::read::{Cell, Grid, GridRow};
use super::values::{self, Bad};
use super::{
    header, ColumnMapping, ColumnOverrides, RosterError, RosterField, RosterParse, RosterRow,
    RowError, RowErrorReason,
};
use crate::model::{Guardian, StudentProfile};

/// Relation recorded when the roster names a guardian without one.
const DEFAULT_RELATION: &str = "家长";

/// "A", "B", … "Z", "AA" for a 0-based column.
pub(super) fn column_letter(column: u32) -> String {
    let mut n = u64::from(column) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// The reason a refused value of `field` gives.
fn invalid_reason(field: RosterField) -> RowErrorReason {
    match field {
        RosterField::StudentNo => RowErrorReason::InvalidStudentNo,
        RosterField::BirthDate => RowErrorReason::InvalidDate,
        RosterField::Phone | RosterField::GuardianPhone => RowErrorReason::InvalidPhone,
        RosterField::Gender => RowErrorReason::InvalidGender,
        RosterField::Level => RowErrorReason::InvalidLevel,
        RosterField::Status => RowErrorReason::InvalidStatus,
        // Free-text fields only fail on formula errors.
        _ => RowErrorReason::FormulaError,
    }
}

struct RowReader<'a> {
    grid: &'a Grid,
    row: &'a GridRow,
    /// (field, column, label such as "column E (出生日期)")
    mapped: &'a [(RosterField, u32, String)],
    errors: Vec<RowError>,
}

impl RowReader<'_> {
    fn cell(&self, field: RosterField) -> &Cell {
        self.mapped
            .iter()
            .find(|(f, ..)| *f == field)
            .map_or(&Cell::Empty, |(_, c, _)| self.grid.cell(self.row, *c))
    }

    fn label(&self, field: RosterField) -> &str {
        self.mapped
            .iter()
            .find(|(f, ..)| *f == field)
            .map_or("", |(_, _, l)| l.as_str())
    }

    fn fail(&mut self, reason: RowErrorReason, detail: String) {
        self.errors.push(RowError {
            sheet: String::new(),
            row: self.row.number,
            reason,
            detail,
        });
    }

    fn refuse(&mut self, field: RosterField, bad: Bad) {
        let label = self.label(field).to_string();
        match bad {
            Bad::Formula => self.fail(
                RowErrorReason::FormulaError,
                format!("{label} holds a formula error (such as #N/A)"),
            ),
            Bad::Invalid(why) => self.fail(invalid_reason(field), format!("{label}: {why}")),
        }
    }

    /// Runs `read` on the field's cell; a refusal is recorded and gives the default.
    fn get<T: Default>(
        &mut self,
        field: RosterField,
        read: impl FnOnce(&Cell) -> Result<T, Bad>,
    ) -> T {
        match read(self.cell(field)) {
            Ok(v) => v,
            Err(bad) => {
                self.refuse(field, bad);
                T::default()
            }
        }
    }

    fn guardians(&mut self) -> Vec<Guardian> {
        let names = self.get(RosterField::GuardianName, values::text);
        let relations = self.get(RosterField::GuardianRelation, values::text);
        let phones = self.get(RosterField::GuardianPhone, |c| {
            values::raw_text(c).map(Option::unwrap_or_default)
        });
        let names = values::split_list(&names);
        let relations = values::split_list(&relations);
        let mut checked = Vec::new();
        for raw in values::split_list(&phones) {
            if raw.is_empty() {
                checked.push(raw);
                continue;
            }
            match values::phone_value(&raw) {
                Ok(p) => checked.push(p),
                Err(bad) => {
                    self.refuse(RosterField::GuardianPhone, bad);
                    return Vec::new();
                }
            }
        }
        let count = names.len().max(checked.len());
        (0..count)
            .map(|i| Guardian {
                name: names
                    .get(i)
                    .map(|n| values::name(&Cell::Text(n.clone())).unwrap_or_default())
                    .unwrap_or_default(),
                relation: relations
                    .get(i)
                    .filter(|r| !r.is_empty())
                    .cloned()
                    .unwrap_or_else(|| DEFAULT_RELATION.to_string()),
                phone: checked.get(i).cloned().unwrap_or_default(),
            })
            .filter(|g| !g.name.is_empty() || !g.phone.is_empty())
            .collect()
    }
}

/// Reads every data row below the header.
pub(super) fn parse_grid(
    grid: &Grid,
    overrides: &ColumnOverrides,
) -> Result<RosterParse, RosterError> {
    let (header_index, columns) = header::detect(grid, overrides)?;
    let header_row = grid
        .rows
        .get(header_index)
        .map(|r| r.number)
        .ok_or(RosterError::NoHeader)?;
    let mapped: Vec<(RosterField, u32, String)> = columns
        .iter()
        .filter_map(|c: &ColumnMapping| {
            let field = c.field?;
            let name = if c.header.is_empty() {
                field.header()
            } else {
                c.header.as_str()
            };
            Some((
                field,
                c.column,
                format!("column {} ({name})", column_letter(c.column)),
            ))
        })
        .collect();

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_seen: HashMap<String, u32> = HashMap::new();
    for row in grid.rows.iter().skip(header_index + 1) {
        // Rows with content only in ignored columns (a 序号 filled down, a note) are blank to us.
        if row.is_footer() || mapped.iter().all(|(_, c, _)| grid.cell(row, *c).is_blank()) {
            continue;
        }
        let mut r = RowReader {
            grid,
            row,
            mapped: &mapped,
            errors: Vec::new(),
        };
        let student_no = r.get(RosterField::StudentNo, values::student_no);
        if student_no.is_none() && r.errors.is_empty() {
            let label = r.label(RosterField::StudentNo).to_string();
            r.fail(
                RowErrorReason::MissingStudentNo,
                format!("{label} is empty"),
            );
        }
        let before = r.errors.len();
        let name = r.get(RosterField::Name, values::name);
        if name.is_empty() && r.errors.len() == before {
            let label = r.label(RosterField::Name).to_string();
            r.fail(RowErrorReason::MissingName, format!("{label} is empty"));
        }
        let profile = StudentProfile {
            student_no: student_no.clone().unwrap_or_default(),
            name,
            gender: r.get(RosterField::Gender, values::gender),
            birth_date: r.get(RosterField::BirthDate, values::date),
            college: r.get(RosterField::College, values::text),
            major: r.get(RosterField::Major, values::text),
            class_name: r.get(RosterField::ClassName, values::text),
            dorm: r.get(RosterField::Dorm, values::text),
            grade: r.get(RosterField::Grade, values::grade),
            level: r.get(RosterField::Level, values::level),
            status: r.get(RosterField::Status, values::status),
            phone: r.get(RosterField::Phone, values::phone).unwrap_or_default(),
            home_address: r.get(RosterField::HomeAddress, values::text),
            guardians: r.guardians(),
            off_campus: None,
        };
        if let Some(no) = student_no {
            if let Some(first) = first_seen.get(&no) {
                let detail = format!(
                    "the student number already appears in row {first}; the first occurrence is kept"
                );
                r.fail(RowErrorReason::DuplicateStudentNo, detail);
            } else {
                first_seen.insert(no, row.number);
            }
        }
        if r.errors.is_empty() {
            rows.push(RosterRow {
                row: row.number,
                profile,
            });
        } else {
            errors.append(&mut r.errors);
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(RosterError::Empty);
    }
    let ignored_columns = columns
        .iter()
        .filter(|c| c.field.is_none() && !c.header.is_empty())
        .map(|c| c.header.clone())
        .collect();
    Ok(RosterParse {
        sheet: grid.sheet.clone(),
        sheets: Vec::new(),
        header_row,
        columns,
        rows,
        errors,
        ignored_columns,
    })
}
