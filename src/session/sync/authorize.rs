//! What a signed peer may change here (issue 14, 信任边界). A sync or results bundle carries only
//! its sender's own changes (checked before anything is applied: [`check_origins`]). Within it, a
//! college changes only the students it registered here or whose profile names it; a handover
//! creates only students new to this archive, unless a person confirms the merge of those it
//! holds ([`HeldStudents`]); the center, which routes each student's results to
//! its college, may change any. A change outside this is refused: not stored, named in the
//! receipt (so the sender keeps its file) and listed in the conflict queue for a person.

use std::collections::BTreeSet;

use super::merge::Pending;
use super::*;
use crate::normalize;

/// How far ahead of this machine's clock a peer's change may be stamped (10 minutes). A later
/// stamp is clamped to it, so a hostile clock can neither win every later merge nor run this
/// archive's own clock to its end.
pub const MAX_CLOCK_SKEW_MS: u64 = 10 * 60 * 1000;

/// The highest clock value accepted from a peer now (saturating: no overflow whatever the
/// wall clock says).
pub(super) fn clock_limit() -> u64 {
    now_ms()
        .saturating_add(MAX_CLOCK_SKEW_MS)
        .saturating_mul(1 << 16)
        | 0xFFFF
}

/// Refuses a sync or results bundle carrying a change of any other origin than its sender:
/// a peer pre-claiming another site's `(origin, seq)` would have that site's real changes
/// skipped as held, and one claiming this archive's own origin would collide with its next
/// local writes (`bundle_foreign_origin`).
pub(super) fn check_origins(kind: BundleKind, sender: &str, changes: &[Carried]) -> Result<()> {
    if kind == BundleKind::Handover {
        return Ok(());
    }
    if changes.iter().any(|(c, _)| c.origin != sender) {
        return Err(Error::BundleForeignOrigin);
    }
    Ok(())
}

/// Why a change was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// A college changing a student it neither registered here nor is named by.
    NotOwner,
    /// A handover of a student this archive already holds (a person decides).
    Existing,
    /// A handed-over change claiming this archive's own origin that it does not hold.
    OwnOrigin,
    /// An attachment that is not a PDF or an image by its first bytes.
    MediaType,
}

/// The import's decisions, one per student (by normalised 学号), made at the student's first
/// change in the bundle, before any of its changes is applied.
pub(super) struct Authority<'a> {
    sender: &'a SiteProfile,
    sender_origin: [u8; 16],
    kind: BundleKind,
    /// A person confirmed merging the handover's students this archive holds.
    merge_held: bool,
    decided: HashMap<String, Option<Refusal>>,
    /// What was refused, per student held here: the refusal and the kinds of change.
    refused: HashMap<i64, (Refusal, BTreeSet<&'static str>)>,
}

impl<'a> Authority<'a> {
    pub(super) fn new(
        session: &Session,
        key: &Key,
        sender: &'a SiteProfile,
        kind: BundleKind,
        held: HeldStudents,
    ) -> Self {
        Authority {
            sender,
            sender_origin: session.origin_lookup(key, Some(&sender.site_id())),
            kind,
            merge_held: held == HeldStudents::Merge,
            decided: HashMap::new(),
            refused: HashMap::new(),
        }
    }

    /// Whether the sender may change the student `student_no` (`sid`: its row here, if held).
    pub(super) fn check(
        &mut self,
        session: &Session,
        tx: &Connection,
        pending: &Pending,
        student_no: &str,
        sid: Option<i64>,
    ) -> Result<Option<Refusal>> {
        let no = normalize::identifier(student_no);
        if let Some(d) = self.decided.get(&no) {
            return Ok(*d);
        }
        let d = match sid {
            // New here: the sender registers it (a handover's purpose).
            None => None,
            // Held here: merged only when a person confirmed it (an unconfirmed import was
            // refused before this point), else returned to the sender.
            Some(_) if self.kind == BundleKind::Handover => {
                (!self.merge_held).then_some(Refusal::Existing)
            }
            Some(_) if self.sender.kind == SiteKind::Center => None,
            Some(sid) => {
                let named = pending
                    .profile_of(session, sid)
                    .is_some_and(|p| p.college == self.sender.name);
                let registered = || -> Result<bool> {
                    Ok(tx
                        .prepare_cached(
                            "SELECT 1 FROM ops WHERE student_id = ?1 AND origin = ?2 LIMIT 1",
                        )?
                        .query_row(params![sid, &self.sender_origin[..]], |_| Ok(()))
                        .optional()?
                        .is_some())
                };
                if named || registered()? {
                    None
                } else {
                    Some(Refusal::NotOwner)
                }
            }
        };
        self.decided.insert(no, d);
        Ok(d)
    }

    /// Notes a refused change of a student held here, for its conflict.
    pub(super) fn note(&mut self, sid: Option<i64>, why: Refusal, what: &'static str) {
        if let Some(sid) = sid {
            self.refused
                .entry(sid)
                .or_insert_with(|| (why, BTreeSet::new()))
                .1
                .insert(what);
        }
    }

    /// Lists one conflict per student with refused changes, in the import's transaction.
    pub(super) fn write_conflicts(
        self,
        session: &Session,
        tx: &Connection,
        key: &Key,
        me: &str,
        pending: &Pending,
        report: &mut BundleImportReport,
    ) -> Result<()> {
        let mut refused: Vec<_> = self.refused.into_iter().collect();
        refused.sort_by_key(|(sid, _)| *sid);
        for (sid, (why, what)) in refused {
            let Some(p) = pending.profile_of(session, sid) else {
                continue;
            };
            let conflict = SyncConflict {
                id: String::new(),
                kind: match why {
                    Refusal::Existing => ConflictKind::HandoverExisting,
                    Refusal::MediaType => ConflictKind::AttachmentType,
                    Refusal::NotOwner | Refusal::OwnOrigin => ConflictKind::Unauthorized,
                },
                student_no: p.student_no.clone(),
                fields: what.into_iter().map(str::to_string).collect(),
                kept_site: session.site_name(key, me, me)?,
                other_site: self.sender.name.clone(),
                at: now_text(),
                lost: None,
            };
            report
                .conflicts
                .push(session.insert_conflict(tx, key, sid, conflict)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(origin: &str) -> Carried {
        let profile = crate::synth::generate(&crate::synth::SynthConfig::new(
            2,
            1,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
        ))
        .remove(0)
        .profile;
        (
            Change {
                origin: origin.into(),
                seq: 1,
                hlc: 1,
                student_no: profile.student_no.clone(),
                op: ChangeOp::Profile { profile },
            },
            None,
        )
    }

    #[test]
    fn a_sequenced_bundle_carries_only_its_senders_changes() {
        let mine = [change("aa"), change("aa")];
        let mixed = [change("aa"), change("bb")];
        for kind in [BundleKind::Sync, BundleKind::Results] {
            assert!(check_origins(kind, "aa", &mine).is_ok());
            assert_eq!(
                check_origins(kind, "aa", &mixed).map_err(|e| e.code()),
                Err("bundle_foreign_origin")
            );
        }
        // A handover carries a file's whole history, other sites' changes included.
        assert!(check_origins(BundleKind::Handover, "aa", &mixed).is_ok());
    }

    #[test]
    fn the_clock_limit_is_now_plus_the_skew() {
        let before = now_ms();
        let limit = clock_limit();
        let after = now_ms();
        assert!(limit >> 16 >= before + MAX_CLOCK_SKEW_MS);
        assert!(limit >> 16 <= after + MAX_CLOCK_SKEW_MS);
        assert_eq!(limit & 0xFFFF, 0xFFFF);
        assert!(limit < u64::MAX);
    }
}
