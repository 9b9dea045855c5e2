//! Search 检索 over the in-memory index: by 学号 (exact, through the blind index, or prefix) and by
//! 姓名 prefix. Nothing touches the disk, so a search costs the same as on a plaintext archive.

use super::{normalize, Session, StudentSummary};

impl Session {
    /// Students whose 学号 is `query` or starts with it, or whose 姓名 starts with it; at most
    /// `limit`, an exact 学号 match first, then by 学号. Not audited: a list shows no file.
    pub fn search(&self, query: &str, limit: usize) -> Vec<StudentSummary> {
        let name = normalize::text(query);
        if name.is_empty() || limit == 0 {
            return Vec::new();
        }
        let today = chrono::Local::now().date_naive();
        let sno = normalize::identifier(query);
        let sno_like = sno.chars().all(|c| c.is_ascii_alphanumeric());
        let exact = if sno_like {
            self.by_lookup.get(&self.lookup(&sno)).copied()
        } else {
            None
        };
        let mut hits: Vec<_> = self
            .students
            .values()
            .filter(|s| Some(s.id) != exact)
            .filter(|s| {
                s.profile.name.starts_with(&name)
                    || (sno_like && s.profile.student_no.starts_with(&sno))
            })
            .collect();
        hits.sort_unstable_by(|a, b| a.profile.student_no.cmp(&b.profile.student_no));
        exact
            .and_then(|id| self.students.get(&id))
            .into_iter()
            .chain(hits)
            .take(limit)
            .map(|s| s.summary(today))
            .collect()
    }
}
