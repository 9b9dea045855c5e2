//! The change log's per-session state: the change-log key and this site's origin lookup, derived
//! once at unlock instead of once per change, and the change-log clock (同步时钟) of the open
//! transaction.
//!
//! Every local change takes the next `(seq, hlc)` of the clock. The clock row (`meta.sync_clock`,
//! sealed) is read at the transaction's first change, kept here while the transaction runs and
//! written once before it commits (`Session::write`, `load_students`), as `apply_changes` does for
//! bundle imports. A transaction that fails or is rolled back drops the kept clock with its rows,
//! so the stored clock is always the last committed change's stamp.

use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;
use zeroize::Zeroizing;

use super::sync::Clock;
use super::Session;
use crate::crypto::{self, Key};
use crate::error::Result;

/// The change log's keys and the clock of the open transaction.
pub(super) struct OpLog {
    /// The change-log subkey ("change log").
    pub(super) key: Key,
    /// The blind `origin` value of this site's own operations.
    pub(super) local_origin: [u8; 16],
    /// The clock as advanced by the open transaction, not yet written; `None` outside one, or
    /// before its first change.
    pending: Mutex<Option<Clock>>,
    /// The last student's change-log entry key, made ready: a student's changes mostly follow
    /// each other (a roster batch, a bundle), so the key schedule runs once per run of them.
    last_entry_key: Mutex<Option<(i64, crypto::SealKey)>>,
}

impl OpLog {
    pub(super) fn new(master: &Key, archive: &[u8; 16]) -> Self {
        let key = crypto::subkey(master, archive, "change log");
        let local_origin = crypto::blind_index(&key, "origin", "");
        OpLog {
            key,
            local_origin,
            pending: Mutex::new(None),
            last_entry_key: Mutex::new(None),
        }
    }

    /// The kept clock. A panic while it was held leaves a value that is dropped at the next
    /// transaction's start anyway, so poisoning is ignored.
    pub(super) fn pending(&self) -> MutexGuard<'_, Option<Clock>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Drops the kept clock when the transaction it belongs to ends without [`Session::flush_clock`]
/// (an error, an early return): the rolled-back rows take their stamps with them.
pub(super) struct ClockScope<'a>(&'a OpLog, &'a Session);

impl Drop for ClockScope<'_> {
    fn drop(&mut self) {
        *self.0.pending() = None;
        // Caseloads made by a transaction that did not reach its flush are not in the rows.
        self.1.caseloads().forget_fresh();
    }
}

impl Session {
    /// Runs `f` with the key sealing student `sid`'s change-log entries: a subkey of the
    /// student's data key (given, or found in the index or through this person's caseloads), so
    /// that only who may open the student may read their changes, whose profile copies they carry.
    pub(super) fn with_entry_key<T>(
        &self,
        sid: i64,
        data_key: Option<&Key>,
        f: impl FnOnce(&crypto::SealKey) -> Result<T>,
    ) -> Result<T> {
        let mut last = self
            .oplog
            .last_entry_key
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.as_ref().is_none_or(|(s, _)| *s != sid) {
            let found;
            let dk = match data_key.or_else(|| self.students.get(&sid).map(|e| &e.key)) {
                Some(k) => k,
                None => {
                    found = self
                        .open_data_key(sid)?
                        .ok_or(crate::error::Error::Refused {
                            field: "user",
                            reason: crate::reason::Reason::NotInCaseload,
                        })?;
                    &found
                }
            };
            let k = crypto::subkey(dk, &self.id, "change log entry");
            *last = Some((sid, crypto::SealKey::new(&k)));
        }
        match last.as_ref() {
            Some((_, k)) => f(k),
            None => unreachable!("set just above"),
        }
    }

    /// Starts the clock of a transaction that may log changes; anything kept from an earlier
    /// one is dropped. Hold the returned scope until the transaction has committed.
    pub(super) fn clock_scope(&self) -> ClockScope<'_> {
        *self.oplog.pending() = None;
        ClockScope(&self.oplog, self)
    }

    /// Writes the clock the transaction advanced, once, before its commit; nothing when it logged
    /// no change.
    pub(super) fn flush_clock(&self, tx: &Connection) -> Result<()> {
        self.caseloads().keep_fresh();
        let clock = self.oplog.pending().take();
        match clock {
            Some(c) => self.write_clock(tx, &self.oplog.key, &c),
            None => Ok(()),
        }
    }
}

/// The JSON of a local operation's body, `{"origin":null,"seq":…,"hlc":…,"profile":…}`, with the
/// profile's JSON spliced in as already encoded for sealing rather than encoded a second time.
/// Byte for byte what serde gives for `OpBody` (a unit test checks it).
pub(super) fn local_op_json(seq: i64, hlc: u64, profile_json: Option<&[u8]>) -> Zeroizing<Vec<u8>> {
    let profile = profile_json.unwrap_or(b"null");
    // Sized up front, so no reallocation leaves a copy of the profile behind unwiped.
    let mut out = Zeroizing::new(Vec::with_capacity(96 + profile.len()));
    out.extend_from_slice(b"{\"origin\":null,\"seq\":");
    out.extend_from_slice(seq.to_string().as_bytes());
    out.extend_from_slice(b",\"hlc\":");
    out.extend_from_slice(hlc.to_string().as_bytes());
    out.extend_from_slice(b",\"profile\":");
    out.extend_from_slice(profile);
    out.push(b'}');
    out
}
