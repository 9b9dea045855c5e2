//! The students this session sees, with a generation that changes at every change to them.
//!
//! What is computed from the students (their obligations, the app's list) is kept between calls
//! and named by the generation: any mutable access to the map takes a new one, so nothing kept
//! can outlive a change, whichever path made it (a record, an amendment, an import, a merge).

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

use super::index::StudentEntry;

/// Generations are unique in the process, across sessions: a generation kept by a previous
/// session (or person) never names this one's students.
static NEXT: AtomicU64 = AtomicU64::new(1);

fn next() -> u64 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The students by row id (reads through `Deref`; every `&mut` access takes a new generation).
pub(super) struct Students {
    map: HashMap<i64, StudentEntry>,
    generation: u64,
}

impl Students {
    /// Names the students as they are now; another value after any change.
    pub(super) fn generation(&self) -> u64 {
        self.generation
    }
}

impl From<HashMap<i64, StudentEntry>> for Students {
    fn from(map: HashMap<i64, StudentEntry>) -> Self {
        Students {
            map,
            generation: next(),
        }
    }
}

impl Deref for Students {
    type Target = HashMap<i64, StudentEntry>;

    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl DerefMut for Students {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.generation = next();
        &mut self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mutable_access_takes_a_new_generation_and_a_read_does_not() {
        let mut s = Students::from(HashMap::new());
        let other = Students::from(HashMap::new());
        assert_ne!(s.generation(), other.generation());
        let g = s.generation();
        assert!(s.get(&1).is_none());
        assert_eq!(s.len(), 0);
        assert_eq!(s.generation(), g);
        let _ = s.get_mut(&1);
        assert_ne!(s.generation(), g);
        let g2 = s.generation();
        s.retain(|_, _| true);
        assert_ne!(s.generation(), g2);
    }
}
