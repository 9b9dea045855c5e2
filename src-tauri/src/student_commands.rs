//! The counselor's commands: dashboard, student files, records, attachments and list export
//! (roster import is the import page's, in admin/roster.rs). Each adapts one call of the core; the ones that need a file first ask the
//! user through a native dialog, opened by Rust (the webview has no dialog or file-system
//! permission), and read or write the file in Rust.
//!
//! The dialogs never run while the state's mutex is held, so auto-lock and other commands go on.

use serde::Serialize;
use tauri::ipc::Response;
use tauri::{Manager, State, WebviewWindow};
use typeshare::typeshare;
use xindang::audit::AuditAction;
use xindang::model::media::{read_attachment, sniff_media_type};
use xindang::model::{Attachment, NewRecord, ProfileAmendment, StudentFile, StudentProfile};
use xindang::rules::calendar::{parse_day, today};
use xindang::session::desk::Dashboard;
use xindang::session::ATTACHMENT_LIMIT_MB;

use crate::dialogs::{self, file_name, FileKind};
use crate::error::CommandError;
use crate::state::Shared;

/// What an export wrote.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportDone {
    /// Rows written (students).
    pub rows: i32,
    /// The file's name (not its folder), to tell the user where it went.
    pub file_name: String,
}

/// The dashboard for today.
#[tauri::command(async)]
pub fn dashboard(state: State<'_, Shared>) -> Result<Dashboard, CommandError> {
    state.with(|s| Ok(s.session()?.dashboard(today())?))
}

/// A student's whole file (profile and every record); audited as an opening.
#[tauri::command(async)]
pub fn student_file(
    state: State<'_, Shared>,
    student_no: String,
) -> Result<StudentFile, CommandError> {
    state.with(|s| Ok(s.session_mut()?.student_file(&student_no)?))
}

/// Adds a record (or an amendment of one) to a student's file; returns its id.
#[tauri::command(async)]
pub fn add_record(
    state: State<'_, Shared>,
    student_no: String,
    record: NewRecord,
) -> Result<String, CommandError> {
    state.with(|s| Ok(s.session_mut()?.add_record(&student_no, record)?))
}

/// Amends a student's profile with the reason (a `profile_amendment` record, audited); returns
/// the amendment (each field old → new).
#[tauri::command(async)]
pub fn amend_profile(
    state: State<'_, Shared>,
    student_no: String,
    profile: StudentProfile,
    reason: String,
    author: String,
) -> Result<ProfileAmendment, CommandError> {
    state.with(|s| {
        Ok(s.session_mut()?
            .amend_profile(&student_no, profile, &reason, &author)?)
    })
}

/// An attachment for the preview, audited as an export (the bytes leave the archive): one byte
/// giving the length of the MIME type the core sniffed from the content (never the stored or a
/// sender's claim; anything but a PDF or an image is refused), that type in ASCII, the content.
/// The viewer shows a PDF in `<object>` and an image in `<img>` by that type alone.
#[tauri::command(async)]
pub fn attachment_content(
    state: State<'_, Shared>,
    student_no: String,
    record_id: String,
) -> Result<Response, CommandError> {
    state.with(|s| {
        let bytes = s.session_mut()?.attachment(&student_no, &record_id)?;
        Ok(Response::new(framed_preview(&bytes)?))
    })
}

/// See [`attachment_content`].
fn framed_preview(content: &[u8]) -> Result<Vec<u8>, CommandError> {
    let mime = sniff_media_type(content)?.mime().as_bytes();
    let mut out = Vec::with_capacity(1 + mime.len() + content.len());
    // MIME types of the five media types are short ASCII: the length fits a byte.
    out.push(u8::try_from(mime.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(mime);
    out.extend_from_slice(content);
    Ok(out)
}

/// Notes in the audit log that a student's file was printed (the print itself is the webview's).
#[tauri::command(async)]
pub fn log_print(state: State<'_, Shared>, student_no: String) -> Result<(), CommandError> {
    state.with(|s| {
        Ok(s.session_mut()?
            .log(AuditAction::Export, Some(&student_no), "print")?)
    })
}

/// Asks where to save, then writes the students with these 学号 (in this order) to an .xlsx.
/// `None` when the user cancelled the dialog.
#[tauri::command(async)]
pub fn export_student_list(
    window: WebviewWindow,
    state: State<'_, Shared>,
    student_nos: Vec<String>,
) -> Result<Option<ExportDone>, CommandError> {
    let pick = || {
        dialogs::save(
            window.app_handle(),
            FileKind::Report,
            "导出学生名单",
            "学生名单.xlsx",
        )
    };
    dialogs::unlocked_then(&state, pick, |s, path| {
        Ok(ExportDone {
            rows: s.session_mut()?.export_student_list(&student_nos, path)?,
            file_name: file_name(path),
        })
    })
}

/// Asks for an image or PDF and attaches it to a student's file (≤ 20 MB, read and checked by its
/// first bytes in the core, as the command line does). Returns the attachment record's id, `None`
/// when the user cancelled.
#[tauri::command(async)]
pub fn add_attachment_file(
    window: WebviewWindow,
    state: State<'_, Shared>,
    student_no: String,
    date: String,
    author: String,
    description: String,
) -> Result<Option<String>, CommandError> {
    let date = parse_day(Some(&date), "date", today())?;
    let pick = || dialogs::open(window.app_handle(), FileKind::Attachment, "选择图片或 PDF");
    dialogs::unlocked_then(&state, pick, |s, path| {
        let (media, content) = read_attachment(path, ATTACHMENT_LIMIT_MB)?;
        let meta = Attachment {
            file_name: file_name(path),
            media_type: media.mime().to_owned(),
            size: i32::try_from(content.len()).unwrap_or(i32::MAX),
            description,
        };
        let s = s.session_mut()?;
        Ok(s.add_attachment(&student_no, date, &author, meta, &content)?)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_preview_carries_the_sniffed_type_and_refuses_anything_else() {
        let png = b"\x89PNG\r\n\x1a\n0000";
        let out = super::framed_preview(png).expect("png");
        assert_eq!(out[0] as usize, "image/png".len());
        assert_eq!(&out[1..10], b"image/png");
        assert_eq!(&out[10..], png);
        let e = super::framed_preview(b"<html><script>").expect_err("html");
        assert_eq!(e.reason.as_deref(), Some("unsupported_media"));
    }
}
