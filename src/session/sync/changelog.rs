use super::*;

impl Session {
    pub(in crate::session) fn sync_key(&self) -> Key {
        // Derived once at unlock (src/session/oplog.rs).
        self.oplog.key.clone()
    }

    pub(in crate::session) fn origin_lookup(&self, key: &Key, site: Option<&str>) -> [u8; 16] {
        crypto::blind_index(key, "origin", site.unwrap_or(""))
    }

    pub(in crate::session) fn read_clock(&self, tx: &Connection, key: &Key) -> Result<Clock> {
        let sealed: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = 'sync_clock'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match sealed {
            None => Ok(Clock::default()),
            Some(s) => from_json(
                &crypto::open(
                    key,
                    &plain_binding(&self.id, "meta.sync_clock", 0),
                    &s,
                    "the change log clock",
                )?,
                "the change log clock",
            ),
        }
    }

    pub(in crate::session) fn write_clock(
        &self,
        tx: &Connection,
        key: &Key,
        c: &Clock,
    ) -> Result<()> {
        let sealed = crypto::seal(
            key,
            &plain_binding(&self.id, "meta.sync_clock", 0),
            &to_json(c)?,
        );
        tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_clock', ?1)")?
            .execute([sealed])?;
        Ok(())
    }

    /// The write hook: logs a local operation in the caller's transaction. Refuses writes to a
    /// file that was handed over. The clock advances in memory; the transaction writes it once
    /// before it commits (`flush_clock`, src/session/oplog.rs).
    pub(in crate::session) fn log_op(
        &self,
        tx: &Connection,
        sid: i64,
        data_key: &Key,
        target: OpTarget<'_>,
    ) -> Result<()> {
        let handed: Option<i64> = tx
            .prepare_cached("SELECT 1 FROM handovers WHERE student_id = ?1")?
            .query_row([sid], |r| r.get(0))
            .optional()?;
        if handed.is_some() {
            return Err(Error::HandedOver);
        }
        let key = &self.oplog.key;
        let clock = {
            let mut pending = self.oplog.pending();
            let mut clock = match *pending {
                Some(c) => c,
                None => self.read_clock(tx, key)?,
            };
            clock.seq += 1;
            clock.hlc = hlc_next(clock.hlc);
            *pending = Some(clock);
            clock
        };
        let encoded;
        let (kind, row, profile) = match target {
            OpTarget::Profile(p) => {
                encoded = to_json(p)?;
                (OP_PROFILE, sid, Some(&encoded[..]))
            }
            OpTarget::ProfileJson(json) => (OP_PROFILE, sid, Some(json)),
            OpTarget::Record(rid) => (OP_RECORD, rid, None),
        };
        let body = oplog::local_op_json(clock.seq, clock.hlc, profile);
        self.insert_sealed_op(
            tx,
            Some(data_key),
            &self.oplog.local_origin,
            &body,
            clock.seq,
            kind,
            sid,
            row,
        )
    }

    /// Seals and inserts an imported operation, the origin's blind index already computed (an
    /// import computes it once per origin, not twice per change).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_op_at(
        &self,
        tx: &Connection,
        data_key: Option<&Key>,
        origin: &[u8; 16],
        body: &OpBody,
        kind: i64,
        sid: i64,
        target: i64,
    ) -> Result<()> {
        let json = to_json(body)?;
        self.insert_sealed_op(tx, data_key, origin, &json, body.seq, kind, sid, target)
    }

    /// Seals an operation's body (its JSON) under the student's change-log entry key
    /// ([`Session::with_entry_key`]) and inserts its row.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insert_sealed_op(
        &self,
        tx: &Connection,
        data_key: Option<&Key>,
        origin: &[u8; 16],
        json: &[u8],
        seq: i64,
        kind: i64,
        sid: i64,
        target: i64,
    ) -> Result<()> {
        let id = crypto::random_id();
        let sealed = self.with_entry_key(sid, data_key, |k| {
            Ok(k.seal(&op_binding(&self.id, id, sid), json))
        })?;
        tx.prepare_cached(
            "INSERT INTO ops (id, origin, seq, kind, student_id, target, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![id, &origin[..], seq, kind, sid, target, sealed])?;
        Ok(())
    }

    /// Seals every change-log entry again under its student's entry key (an archive from before
    /// people moving its files into caseloads; every student is in this session's index).
    pub(in crate::session) fn reseal_legacy_ops(&self, tx: &Connection) -> Result<()> {
        let key = self.sync_key();
        let rows: Vec<(i64, i64, Vec<u8>)> = tx
            .prepare("SELECT id, student_id, body FROM ops")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, sid, sealed) in rows {
            let binding = op_binding(&self.id, id, sid);
            let fresh = self.with_entry_key(sid, None, |k| {
                let plain = match k.open(&binding, &sealed, "a change") {
                    Ok(p) => p,
                    Err(_) => crypto::open(&key, &binding, &sealed, "a change")?,
                };
                Ok(k.seal(&binding, &plain))
            })?;
            tx.prepare_cached("UPDATE ops SET body = ?1 WHERE id = ?2")?
                .execute(params![fresh, id])?;
        }
        Ok(())
    }

    /// Opens an operation's body under its student's entry key; in an archive from before
    /// people whose files are not yet in caseloads, an entry written then opens under the shared
    /// change-log `key` (never afterwards: that key is every person's).
    pub(super) fn open_op(&self, key: &Key, id: i64, sid: i64, sealed: &[u8]) -> Result<OpBody> {
        let binding = op_binding(&self.id, id, sid);
        let plain = match self.with_entry_key(sid, None, |k| k.open(&binding, sealed, "a change")) {
            Ok(p) => p,
            Err(Error::Tamper(_)) if self.legacy_keys => {
                crypto::open(key, &binding, sealed, "a change")?
            }
            Err(e) => return Err(e),
        };
        from_json(&plain, "a change")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_never_goes_backwards() {
        let now = hlc_next(0);
        assert!(now >> 16 > 1_700_000_000_000, "wall time in the high bits");
        assert!(hlc_next(now) > now);
        // A clock that saw a time far ahead (another site's, or before the wall clock was set
        // back) keeps counting from there.
        let ahead = (now_ms() + 3_600_000) << 16;
        assert_eq!(hlc_next(ahead), ahead + 1);
        assert_eq!(hlc_next(ahead + 1), ahead + 2);
        // At its end it stays there: no wrap, no panic.
        assert_eq!(hlc_next(u64::MAX), u64::MAX);
    }

    #[test]
    fn a_local_op_body_is_encoded_as_serde_would() {
        let p = crate::synth::generate(&crate::synth::SynthConfig::new(
            1,
            1,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
        ))
        .remove(0)
        .profile;
        for (seq, hlc, profile) in [(1, 0, None), (i64::MAX, u64::MAX, Some(p))] {
            let body = OpBody {
                origin: None,
                seq,
                hlc,
                profile,
            };
            let json = body.profile.as_ref().map(|p| to_json(p).expect("json"));
            assert_eq!(
                &oplog::local_op_json(seq, hlc, json.as_deref().map(|j| &j[..]))[..],
                &serde_json::to_vec(&body).expect("json")[..]
            );
        }
    }

    /// Every local op of the archive, (seq, hlc) in seq order, and the stored clock.
    fn ops_and_clock(s: &Session) -> (Vec<(i64, u64)>, Clock) {
        let key = s.sync_key();
        let rows: Vec<(i64, i64, Vec<u8>)> =
            s.db.prepare("SELECT id, student_id, body FROM ops")
                .expect("prepare")
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
        let mut ops: Vec<(i64, u64)> = rows
            .iter()
            .map(|(id, sid, sealed)| {
                let b = s.open_op(&key, *id, *sid, sealed).expect("open");
                assert!(b.origin.is_none());
                (b.seq, b.hlc)
            })
            .collect();
        ops.sort();
        (ops, s.read_clock(&s.db, &key).expect("clock"))
    }

    #[test]
    fn a_counselor_cannot_open_another_caseloads_change_log_entries() {
        use crate::people::Role;
        std::env::set_var("XINDANG_KDF_MS", "0");
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("a");
        let (mut admin, _) = Session::create(&dir, "管理员的口令 2026 abc").expect("create");
        for (no, class) in [("2025000001", "计科2501"), ("2025000002", "软件2502")] {
            admin
                .put_student(StudentProfile {
                    student_no: no.into(),
                    name: format!("学生{no}"),
                    class_name: class.into(),
                    ..Default::default()
                })
                .expect("student");
        }
        admin
            .add_person("王老师", Role::Counselor, "王老师的口令 2026 x")
            .expect("add");
        let sel = crate::session::CaseloadSelector {
            classes: vec!["计科2501".into()],
            ..Default::default()
        };
        admin.assign_caseload("王老师", &sel).expect("assign");
        drop(admin);
        let archive = crate::Archive::open(&dir).expect("open");
        let a =
            Session::unlock_as(&archive, Some("王老师"), "王老师的口令 2026 x").expect("unlock");
        assert_eq!(a.student_count(), 1);
        let shared = a.sync_key();
        let rows: Vec<(i64, i64, Vec<u8>)> =
            a.db.prepare("SELECT id, student_id, body FROM ops")
                .expect("prepare")
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
        assert_eq!(rows.len(), 2);
        for (id, sid, body) in rows {
            // The key every person shares opens no entry; the student's own key only its own.
            let b = op_binding(&a.id, id, sid);
            assert!(crypto::open(&shared, &b, &body, "x").is_err());
            assert_eq!(
                a.open_op(&shared, id, sid, &body).is_ok(),
                a.students.contains_key(&sid)
            );
        }
    }

    #[test]
    fn the_clock_is_written_once_per_transaction_and_rolls_back_with_it() {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let tmp = tempfile::tempdir().expect("temp dir");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let people = crate::synth::generate(&crate::synth::SynthConfig::new(4, 3, today));
        let record = people
            .iter()
            .find_map(|p| p.records.first().cloned())
            .expect("a record");
        let (mut s, _) = Session::create(&tmp.path().join("a"), "clock-口令-2026").expect("create");
        let items = people.into_iter().map(|p| (p.profile, p.records)).collect();
        s.load_students(items, |_, new| new).expect("load");
        let check = |s: &Session| {
            let (ops, clock) = ops_and_clock(s);
            // Sequence numbers 1..=n with no gap or repeat, stamps strictly increasing, and the
            // stored clock the last change's.
            assert!(!ops.is_empty());
            for (i, w) in ops.iter().enumerate() {
                assert_eq!(w.0, i as i64 + 1);
            }
            assert!(ops.windows(2).all(|w| w[0].1 < w[1].1));
            let last = *ops.last().expect("an op");
            assert_eq!((clock.seq, clock.hlc), last);
            last
        };
        let after_load = check(&s);
        // A write that logged changes and then failed: its rows and its clock are rolled back.
        let sid = *s.students.keys().next().expect("a student");
        let failed = s.write(AuditAction::Write, None, String::new(), |tx, me| {
            let key = &me.students[&sid].key;
            me.insert_record(tx, sid, key, &record, None)?;
            me.insert_record(tx, sid, key, &record, None)?;
            Err::<(), _>(Error::RecordNotFound)
        });
        assert!(matches!(failed, Err(Error::RecordNotFound)));
        assert_eq!(check(&s), after_load);
        // The next writes go on from the stored clock.
        let sno = s.students[&sid].profile.student_no.clone();
        s.add_record(&sno, record.clone()).expect("add");
        let one = check(&s);
        assert_eq!(one.0, after_load.0 + 1);
        assert!(one.1 > after_load.1);
        // A write that logs nothing leaves the clock alone.
        s.log(AuditAction::Export, None, "nothing logged")
            .expect("log");
        assert_eq!(check(&s), one);
    }
}
