//! The unit tests' archive: a new archive of a kind with a few synthetic students.

use crate::archive::SiteKind;
use crate::session::Session;
use crate::synth::{self, SynthConfig};

/// The passphrase of the unit tests' archives.
pub(crate) const PASSPHRASE: &str = "app-queries-口令-2026";

/// A new archive of `kind` in a temporary folder, with `students` synthetic students.
pub(crate) fn archive(kind: SiteKind, students: usize) -> (tempfile::TempDir, Session) {
    std::env::set_var("XINDANG_KDF_MS", "0");
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut s, _) =
        Session::create_as(&dir.path().join("a"), PASSPHRASE, kind, "辅导员").expect("create");
    if students > 0 {
        let today = chrono::Local::now().date_naive();
        let items = synth::generate(&SynthConfig::new(11, students, today))
            .into_iter()
            .map(|st| (st.profile, st.records))
            .collect();
        s.load_students(items, |_, new| new).expect("load");
    }
    (dir, s)
}
