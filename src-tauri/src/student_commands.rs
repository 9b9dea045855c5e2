//! The counselor's commands: dashboard, student files, records, attachments and list export
//! (roster import is the import page's, in admin.rs). Each adapts one call of the core; the ones that need a file first ask the
//! user through a native dialog, opened by Rust (the webview has no dialog or file-system
//! permission), and read or write the file in Rust.
//!
//! The dialogs never run while the state's mutex is held, so auto-lock and other commands go on.

use serde::Serialize;
use tauri::ipc::Response;
use tauri::{Manager, State, WebviewWindow};
use typeshare::typeshare;
use xindang::audit::AuditAction;
use xindang::model::{NewRecord, StudentFile};
use xindang::session::desk::Dashboard;

use crate::dialogs::{self, FileKind};
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
    state.with(|s| Ok(s.session()?.dashboard(chrono::Local::now().date_naive())?))
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

/// The bytes of an attachment, for the preview; audited as an export (they leave the archive).
#[tauri::command(async)]
pub fn attachment_content(
    state: State<'_, Shared>,
    student_no: String,
    record_id: String,
) -> Result<Response, CommandError> {
    state.with(|s| {
        let bytes = s.session_mut()?.attachment(&student_no, &record_id)?;
        Ok(Response::new(bytes.to_vec()))
    })
}

/// Notes in the audit log that a student's file was printed (the print itself is the webview's).
#[tauri::command(async)]
pub fn log_print(state: State<'_, Shared>, student_no: String) -> Result<(), CommandError> {
    state.with(|s| {
        Ok(s.session_mut()?
            .log(AuditAction::Export, Some(&student_no), "print")?)
    })
}

/// Asks where to save, then writes the students with these ids (in this order) to an .xlsx.
/// `None` when the user cancelled the dialog.
#[tauri::command(async)]
pub fn export_student_list(
    window: WebviewWindow,
    state: State<'_, Shared>,
    ids: Vec<String>,
) -> Result<Option<ExportDone>, CommandError> {
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::save(
        window.app_handle(),
        FileKind::Report,
        "导出学生名单",
        "学生名单.xlsx",
    )?
    else {
        return Ok(None);
    };
    let rows = state
        .with(|s| Ok::<_, CommandError>(s.session_mut()?.export_student_list(&ids, &path)?))?;
    Ok(Some(ExportDone {
        rows,
        file_name: file_name(&path),
    }))
}

/// Asks for an image or PDF and attaches it to a student's file (≤ 20 MB, read by Rust). Returns
/// the attachment record's id, `None` when the user cancelled.
#[tauri::command(async)]
pub fn add_attachment_file(
    window: WebviewWindow,
    state: State<'_, Shared>,
    student_no: String,
    date: String,
    author: String,
    description: String,
) -> Result<Option<String>, CommandError> {
    let date = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| CommandError::invalid("date", "use YYYY-MM-DD"))?;
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::open(window.app_handle(), FileKind::Attachment, "选择图片或 PDF")?
    else {
        return Ok(None);
    };
    let (meta, content) = attachments::read(&path)?;
    let meta = xindang::model::Attachment {
        description,
        ..meta
    };
    state.with(|s| {
        Ok(Some(s.session_mut()?.add_attachment(
            &student_no,
            date,
            &author,
            meta,
            &content,
        )?))
    })
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reading an attachment chosen by the user.
mod attachments {
    use std::io::Read;
    use std::path::Path;

    use xindang::model::Attachment;
    use xindang::session::ATTACHMENT_LIMIT_MB;
    use zeroize::Zeroizing;

    use crate::error::CommandError;

    const LIMIT: u64 = ATTACHMENT_LIMIT_MB as u64 * 1024 * 1024;

    /// The media type from the file's first bytes; only images and PDFs are accepted, whatever the
    /// file's name says.
    pub fn media_type(head: &[u8]) -> Option<&'static str> {
        const KINDS: [(&[u8], &str); 6] = [
            (b"%PDF-", "application/pdf"),
            (b"\x89PNG\r\n\x1a\n", "image/png"),
            (b"\xff\xd8\xff", "image/jpeg"),
            (b"GIF87a", "image/gif"),
            (b"GIF89a", "image/gif"),
            (b"RIFF", "image/webp"),
        ];
        KINDS
            .iter()
            .find(|(magic, kind)| {
                head.starts_with(magic)
                    && (*kind != "image/webp" || head.get(8..12) == Some(b"WEBP"))
            })
            .map(|(_, kind)| *kind)
    }

    /// Reads the file, refusing it before reading when it is over the limit.
    pub fn read(path: &Path) -> Result<(Attachment, Zeroizing<Vec<u8>>), CommandError> {
        let file = std::fs::File::open(path)?;
        if file.metadata()?.len() > LIMIT {
            return Err(xindang::Error::TooLarge {
                limit_mb: ATTACHMENT_LIMIT_MB,
            }
            .into());
        }
        let mut content = Zeroizing::new(Vec::new());
        // One byte more than the limit tells a file that grew while being read.
        file.take(LIMIT + 1).read_to_end(&mut content)?;
        if content.len() as u64 > LIMIT {
            return Err(xindang::Error::TooLarge {
                limit_mb: ATTACHMENT_LIMIT_MB,
            }
            .into());
        }
        let media_type = media_type(&content)
            .ok_or_else(|| CommandError::invalid("file", "not an image or a PDF"))?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok((
            Attachment {
                file_name,
                media_type: media_type.to_owned(),
                size: i32::try_from(content.len()).unwrap_or(i32::MAX),
                description: String::new(),
            },
            content,
        ))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn media_type_by_content_not_name() {
            assert_eq!(media_type(b"%PDF-1.7\n"), Some("application/pdf"));
            assert_eq!(media_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
            assert_eq!(media_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
            assert_eq!(media_type(b"RIFF\0\0\0\0WAVEfmt "), None);
            assert_eq!(media_type(b"<script>"), None);
        }

        #[test]
        fn too_large_and_wrong_kind_are_refused() {
            let dir = tempfile::tempdir().expect("temp dir");
            let big = dir.path().join("big.pdf");
            let f = std::fs::File::create(&big).expect("create");
            f.set_len(LIMIT + 1).expect("grow");
            assert_eq!(read(&big).expect_err("too large").code, "too_large");
            let text = dir.path().join("note.pdf");
            std::fs::write(&text, "not a pdf").expect("write");
            assert_eq!(read(&text).expect_err("not a pdf").code, "invalid_input");
            let pdf = dir.path().join("证明.pdf");
            std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").expect("write");
            let (meta, bytes) = read(&pdf).expect("a pdf");
            assert_eq!(meta.media_type, "application/pdf");
            assert_eq!(meta.file_name, "证明.pdf");
            assert_eq!(meta.size as usize, bytes.len());
        }
    }
}
