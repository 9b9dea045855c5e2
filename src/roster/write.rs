//! Writing a roster in the standard layout, which [`super::parse_file`] reads back losslessly.

use std::path::Path;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{RosterError, RosterField};
use crate::model::{DegreeLevel, Gender, StudentProfile, StudentStatus};

/// Separator between several guardians in one cell; read back by the importer.
const LIST_SEPARATOR: &str = "；";

/// Writes `profiles` as a one-sheet .xlsx with the standard Chinese headers (学号 姓名 性别 出生日期
/// 学院 专业 班级 宿舍 年级 层次 学籍状态 联系电话 家庭住址 家长姓名 家长关系 家长电话). 学号 and phone
/// numbers are text cells in text-formatted columns, dates real dates shown as YYYY-MM-DD; several
/// guardians share the three guardian cells, separated by "；". `off_campus` is not part of a roster
/// and is not written.
///
/// # Errors
/// [`RosterError::Io`] when the file cannot be written, [`RosterError::Write`] for any other
/// failure of the workbook writer.
pub fn write_xlsx(path: &Path, profiles: &[StudentProfile]) -> Result<(), RosterError> {
    let mut workbook = Workbook::new();
    fill(workbook.add_worksheet(), profiles).map_err(RosterError::Write)?;
    workbook.save(path).map_err(|e| match e {
        XlsxError::IoError(io) => RosterError::Io(io),
        e => RosterError::Write(e),
    })
}

fn excel_serial(date: NaiveDate) -> f64 {
    // 1900 date system; exact for every date after 1900-02-28.
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    #[allow(clippy::cast_precision_loss)]
    let days = (date - epoch).num_days() as f64;
    days
}

fn fill(sheet: &mut Worksheet, profiles: &[StudentProfile]) -> Result<(), XlsxError> {
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let bold = Format::new().set_bold();
    sheet.set_name("名单")?;
    for (col, field) in (0u16..).zip(RosterField::ALL) {
        sheet.write_string_with_format(0, col, field.header(), &bold)?;
        let width = match field {
            RosterField::StudentNo | RosterField::Phone | RosterField::GuardianPhone => 14.0,
            RosterField::BirthDate => 12.0,
            RosterField::College | RosterField::Major | RosterField::ClassName => 16.0,
            RosterField::HomeAddress => 30.0,
            _ => 9.0,
        };
        sheet.set_column_width(col, width)?;
        if matches!(
            field,
            RosterField::StudentNo | RosterField::Phone | RosterField::GuardianPhone
        ) {
            sheet.set_column_format(col, &text)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    for (row, p) in (1u32..).zip(profiles) {
        let join = |f: fn(&crate::model::Guardian) -> &str| {
            p.guardians
                .iter()
                .map(f)
                .collect::<Vec<_>>()
                .join(LIST_SEPARATOR)
        };
        for (col, field) in (0u16..).zip(RosterField::ALL) {
            let value: String = match field {
                RosterField::StudentNo => p.student_no.clone(),
                RosterField::Name => p.name.clone(),
                RosterField::Gender => match p.gender {
                    Some(Gender::Male) => "男".into(),
                    Some(Gender::Female) => "女".into(),
                    None => String::new(),
                },
                RosterField::BirthDate => {
                    if let Some(d) = p.birth_date {
                        sheet.write_number_with_format(row, col, excel_serial(d), &date)?;
                    }
                    continue;
                }
                RosterField::College => p.college.clone(),
                RosterField::Major => p.major.clone(),
                RosterField::ClassName => p.class_name.clone(),
                RosterField::Dorm => p.dorm.clone(),
                RosterField::Grade => p.grade.clone(),
                RosterField::Level => match p.level {
                    DegreeLevel::Undergraduate => "本科".into(),
                    DegreeLevel::Graduate => "研究生".into(),
                },
                RosterField::Status => match p.status {
                    StudentStatus::Enrolled => "在读",
                    StudentStatus::OnLeave => "休学",
                    StudentStatus::Graduated => "毕业",
                    StudentStatus::Withdrawn => "退学",
                    StudentStatus::Transferred => "转学",
                }
                .into(),
                RosterField::Phone => p.phone.clone(),
                RosterField::HomeAddress => p.home_address.clone(),
                RosterField::GuardianName => join(|g| &g.name),
                RosterField::GuardianRelation => join(|g| &g.relation),
                RosterField::GuardianPhone => join(|g| &g.phone),
            };
            if !value.is_empty() {
                sheet.write_string(row, col, value)?;
            }
        }
    }
    Ok(())
}
