use super::authorize::{clock_limit, Authority, Refusal};
use super::*;

/// The blind indexes of the origins an import meets, each computed once: an HMAC per change for
/// the `held` check and another for the operation's row cost a tenth of the import's extra time.
pub(super) struct Origins<'a> {
    session: &'a Session,
    key: &'a Key,
    me: &'a str,
    known: HashMap<String, [u8; 16]>,
}

impl<'a> Origins<'a> {
    pub(super) fn new(session: &'a Session, key: &'a Key, me: &'a str) -> Self {
        Origins {
            session,
            key,
            me,
            known: HashMap::new(),
        }
    }

    pub(super) fn of(&mut self, origin: &str) -> [u8; 16] {
        if let Some(l) = self.known.get(origin) {
            return *l;
        }
        let site = if origin == self.me {
            None
        } else {
            Some(origin)
        };
        let l = self.session.origin_lookup(self.key, site);
        self.known.insert(origin.to_string(), l);
        l
    }
}

/// State of an import not yet committed: what memory learns after the commit.
#[derive(Default)]
pub(super) struct Pending {
    new: HashMap<i64, StudentEntry>,
    new_lookup: HashMap<[u8; 16], i64>,
    updated: HashMap<i64, (i64, StudentProfile)>,
    heads: HashMap<i64, Vec<RecordHead>>,
}

impl Pending {
    /// A student's profile as the import has it so far.
    pub(super) fn profile_of<'a>(
        &'a self,
        session: &'a Session,
        sid: i64,
    ) -> Option<&'a StudentProfile> {
        self.updated
            .get(&sid)
            .map(|(_, p)| p)
            .or_else(|| self.new.get(&sid).map(|e| &e.profile))
            .or_else(|| session.students.get(&sid).map(|e| &e.profile))
    }
}

impl Session {
    pub(super) fn apply_pending(&mut self, pending: Pending) {
        for (sid, e) in pending.new {
            self.by_lookup
                .insert(self.lookup(&e.profile.student_no), sid);
            self.students.insert(sid, e);
        }
        for (sid, (v, p)) in pending.updated {
            if let Some(s) = self.students.get_mut(&sid) {
                s.version = v;
                s.profile = p;
            }
        }
        for (sid, heads) in pending.heads {
            if let Some(s) = self.students.get_mut(&sid) {
                s.heads.extend(heads);
                s.heads
                    .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
            }
        }
    }

    /// Finds the local row of a change already held, by its origin's blind index and sequence
    /// number.
    pub(super) fn held(tx: &Connection, origin: &[u8; 16], seq: i64) -> Result<Option<i64>> {
        Ok(tx
            .prepare_cached("SELECT target FROM ops WHERE origin = ?1 AND seq = ?2")?
            .query_row(params![&origin[..], seq], |r| r.get(0))
            .optional()?)
    }

    /// Merges the changes in the caller's transaction, each first authorised (src/session/sync/
    /// authorize.rs) and its clock clamped; returns what memory must learn after the commit.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply_changes(
        &self,
        tx: &Connection,
        key: &Key,
        me: &str,
        sender: &SiteProfile,
        kind: BundleKind,
        changes: &[Carried],
        held: HeldStudents,
        report: &mut BundleImportReport,
    ) -> Result<Pending> {
        let mut pending = Pending::default();
        let mut clock = self.read_clock(tx, key)?;
        let mut origins = Origins {
            session: self,
            key,
            me,
            known: HashMap::new(),
        };
        let mut authority = Authority::new(self, key, sender, kind, held);
        let limit = clock_limit();
        // Profiles first, so records of a student new to this archive find the student.
        let ordered = changes
            .iter()
            .filter(|(c, _)| matches!(c.op, ChangeOp::Profile { .. }))
            .chain(
                changes
                    .iter()
                    .filter(|(c, _)| matches!(c.op, ChangeOp::Record { .. })),
            );
        // The student of the previous record change: a bundle lists a student's records together,
        // and no student is added once the records begin, so one blind index per student does.
        let mut last_student: Option<(&str, i64)> = None;
        for (c, attachment) in ordered {
            let origin_lookup = origins.of(&c.origin);
            if Self::held(tx, &origin_lookup, c.seq)?.is_some() {
                report.skipped += 1;
                continue;
            }
            // A peer's clock counts up to now plus the skew allowed, never beyond.
            let hlc = c.hlc.min(limit);
            // Not stored: noted for the conflict queue and named in the receipt.
            macro_rules! refuse {
                ($sid:expr, $why:expr, $what:expr) => {{
                    authority.note($sid, $why, $what);
                    report.refused.push(uid(&c.origin, c.seq));
                    continue;
                }};
            }
            match &c.op {
                ChangeOp::Profile { profile } => {
                    let profile = validate_profile(profile.clone())
                        .map_err(|_| Error::BundleDamaged("a profile"))?;
                    let lookup = self.lookup(&profile.student_no);
                    let held = self.pending_sid_of(&pending, &lookup);
                    if c.origin == me {
                        refuse!(held, Refusal::OwnOrigin, "profile");
                    }
                    if let Some(why) =
                        authority.check(self, tx, &pending, &profile.student_no, held)?
                    {
                        refuse!(held, why, "profile");
                    }
                    let sid = match held {
                        None => {
                            let e = self.import_student(tx, &profile, &lookup)?;
                            let sid = e.id;
                            pending.new_lookup.insert(lookup, sid);
                            pending.new.insert(sid, e);
                            report.students_added += 1;
                            sid
                        }
                        Some(sid) => {
                            self.merge_profile(
                                tx,
                                key,
                                me,
                                sid,
                                (hlc, &c.origin),
                                &profile,
                                &mut pending,
                                report,
                            )?;
                            sid
                        }
                    };
                    let op = OpBody {
                        origin: Some(c.origin.clone()),
                        seq: c.seq,
                        hlc,
                        profile: Some(profile),
                    };
                    let dk = pending.new.get(&sid).map(|e| &e.key);
                    self.insert_op_at(tx, dk, &origin_lookup, &op, OP_PROFILE, sid, sid)?;
                }
                ChangeOp::Record {
                    written_at,
                    record,
                    has_attachment,
                } => {
                    let sid = match last_student {
                        Some((no, sid)) if no == c.student_no => Some(sid),
                        _ => self.pending_sid(&pending, &c.student_no),
                    };
                    if c.origin == me {
                        refuse!(sid, Refusal::OwnOrigin, "record");
                    }
                    if let Some(why) = authority.check(self, tx, &pending, &c.student_no, sid)? {
                        refuse!(sid, why, "record");
                    }
                    let sid = sid.ok_or(Error::BundleIncomplete)?;
                    last_student = Some((&c.student_no, sid));
                    let mut record = record.clone();
                    // An attachment's type is what its first bytes say, never what was carried.
                    match (has_attachment, attachment, &mut record.body) {
                        (true, Some(a), RecordBody::Attachment(meta)) => {
                            let Ok(media) = sniff_media_type(a) else {
                                refuse!(Some(sid), Refusal::MediaType, "attachment");
                            };
                            meta.media_type = media.mime().to_string();
                        }
                        (false, None, _) => {}
                        _ => return Err(Error::BundleDamaged("a missing attachment")),
                    }
                    let amends = match &record.amends {
                        None => None,
                        Some(u) => {
                            let (o, s) = split_uid(u).ok_or(Error::BundleDamaged("a record"))?;
                            Some(
                                Self::held(tx, &origins.of(o), s)?
                                    .ok_or(Error::BundleIncomplete)?,
                            )
                        }
                    };
                    record.amends = amends.map(|a| a.to_string());
                    let rid = crypto::random_id();
                    let mut head = RecordHead::of(rid, &record, amends);
                    head.written_at = written_at.as_str().into();
                    let skey = crypto::SealKey::new(
                        pending
                            .new
                            .get(&sid)
                            .map(|e| &e.key)
                            .or_else(|| self.students.get(&sid).map(|e| &e.key))
                            .ok_or(Error::BundleIncomplete)?,
                    );
                    let sealed_head =
                        skey.seal(&head_binding(&self.id, rid, sid), &to_json(&head)?);
                    let sealed_body =
                        skey.seal(&body_binding(&self.id, rid, sid), &to_json(&record)?);
                    tx.prepare_cached(
                        "INSERT INTO records (id, student_id, header, body) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![rid, sid, sealed_head, sealed_body])?;
                    if let Some(a) = attachment {
                        let sealed = skey.seal(&attachment_binding(&self.id, rid, sid), a);
                        tx.prepare_cached(
                            "INSERT INTO attachments (id, student_id, content) VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![rid, sid, sealed])?;
                    }
                    let op = OpBody {
                        origin: Some(c.origin.clone()),
                        seq: c.seq,
                        hlc,
                        profile: None,
                    };
                    let dk = pending.new.get(&sid).map(|e| &e.key);
                    self.insert_op_at(tx, dk, &origin_lookup, &op, OP_RECORD, sid, rid)?;
                    pending.heads.entry(sid).or_default().push(head);
                    report.records_added += 1;
                }
            }
            report.applied += 1;
            clock.hlc = clock.hlc.max(hlc);
        }
        authority.write_conflicts(self, tx, key, me, &pending, report)?;
        self.write_clock(tx, key, &clock)?;
        Ok(pending)
    }

    pub(super) fn pending_sid(&self, pending: &Pending, student_no: &str) -> Option<i64> {
        self.pending_sid_of(pending, &self.lookup(student_no))
    }

    pub(super) fn pending_sid_of(&self, pending: &Pending, lookup: &[u8; 16]) -> Option<i64> {
        self.by_lookup
            .get(lookup)
            .or_else(|| pending.new_lookup.get(lookup))
            .copied()
    }

    /// Like `insert_student` but without logging a local operation: the change came from a peer.
    pub(super) fn import_student(
        &self,
        tx: &Connection,
        profile: &StudentProfile,
        lookup: &[u8; 16],
    ) -> Result<StudentEntry> {
        let (sid, key) = self.new_student_row(tx, profile, lookup)?;
        Ok(StudentEntry {
            id: sid,
            key,
            version: 1,
            profile: profile.clone(),
            heads: Vec::new(),
        })
    }

    /// Last writer wins by (clock, site id); a losing edit from another site that differs is listed.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn merge_profile(
        &self,
        tx: &Connection,
        key: &Key,
        me: &str,
        sid: i64,
        (hlc, origin): (u64, &str),
        incoming: &StudentProfile,
        pending: &mut Pending,
        report: &mut BundleImportReport,
    ) -> Result<()> {
        let rows: Vec<(i64, Vec<u8>)> = tx
            .prepare_cached("SELECT id, body FROM ops WHERE student_id = ?1 AND kind = 0")?
            .query_map([sid], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut winner: Option<(u64, String)> = None;
        for (id, sealed) in rows {
            let op = self.open_op(key, id, sid, &sealed)?;
            let k = (op.hlc, op.origin.unwrap_or_else(|| me.to_string()));
            if winner.as_ref().is_none_or(|w| k > *w) {
                winner = Some(k);
            }
        }
        let (current_version, current) = match pending.updated.get(&sid) {
            Some((v, p)) => (*v, p.clone()),
            None => {
                let s = pending
                    .new
                    .get(&sid)
                    .or_else(|| self.students.get(&sid))
                    .ok_or(Error::BundleIncomplete)?;
                (s.version, s.profile.clone())
            }
        };
        let mine = (hlc, origin.to_string());
        let wins = winner.as_ref().is_none_or(|w| mine > *w);
        let fields = differing_fields(&current, incoming);
        if fields.is_empty() {
            return Ok(());
        }
        let winner_site = winner.map(|w| w.1).unwrap_or_else(|| me.to_string());
        if winner_site != origin {
            let (kept, other) = if wins {
                (origin.to_string(), winner_site)
            } else {
                (winner_site, origin.to_string())
            };
            let conflict = SyncConflict {
                id: String::new(),
                kind: ConflictKind::Profile,
                student_no: incoming.student_no.clone(),
                fields,
                kept_site: self.site_name(key, me, &kept)?,
                other_site: self.site_name(key, me, &other)?,
                at: now_text(),
                lost: Some(if wins {
                    current.clone()
                } else {
                    incoming.clone()
                }),
            };
            // The report says which fields; the values stay in the (sealed) queue.
            let mut listed = self.insert_conflict(tx, key, sid, conflict)?;
            listed.lost = None;
            report.conflicts.push(listed);
        }
        if wins {
            let version = current_version + 1;
            let skey = pending
                .new
                .get(&sid)
                .map(|e| &e.key)
                .or_else(|| self.students.get(&sid).map(|e| &e.key))
                .ok_or(Error::BundleIncomplete)?;
            let sealed = crypto::seal(
                skey,
                &profile_binding(&self.id, sid, version),
                &to_json(incoming)?,
            );
            tx.prepare_cached("UPDATE students SET version = ?1, profile = ?2 WHERE id = ?3")?
                .execute(params![version, sealed, sid])?;
            if let Some(e) = pending.new.get_mut(&sid) {
                e.version = version;
                e.profile = incoming.clone();
            } else {
                pending.updated.insert(sid, (version, incoming.clone()));
            }
            report.profiles_updated += 1;
        }
        Ok(())
    }
}
