use super::*;

impl Session {
    /// Builds the change of one operation row for a bundle (its body opened under the student's
    /// entry key, [`Session::open_op`]). `student` is the last student's key made ready (a
    /// student's changes mostly follow each other, so the key schedule is computed once per run
    /// of them, not per record). Refused for a student outside this person's caseloads.
    pub(super) fn change_of(
        &self,
        key: &Key,
        student: &mut Option<(i64, crypto::SealKey)>,
        me: &str,
        row: (i64, i64, i64, i64),
        sealed: &[u8],
    ) -> Result<(Change, Option<Zeroizing<Vec<u8>>>)> {
        let (id, kind, sid, target) = row;
        let s = match self.students.get(&sid) {
            Some(s) => s,
            // Another person's student: this person cannot send their changes.
            None if self.open_data_key(sid).is_ok() => {
                return Err(Error::Refused {
                    field: "user",
                    reason: Reason::NotInCaseload,
                })
            }
            None => return Err(Error::Tamper("a change's student")),
        };
        let op: OpBody = self.open_op(key, id, sid, sealed)?;
        let origin = op.origin.clone().unwrap_or_else(|| me.to_string());
        let (op_body, attachment) = if kind == OP_PROFILE {
            let profile = op.profile.ok_or(Error::Tamper("a change"))?;
            (ChangeOp::Profile { profile }, None)
        } else {
            let sealed: Vec<u8> = self
                .db
                .prepare_cached("SELECT body FROM records WHERE id = ?1 AND student_id = ?2")?
                .query_row([target, sid], |r| r.get(0))?;
            if student.as_ref().is_none_or(|(id, _)| *id != sid) {
                *student = Some((sid, crypto::SealKey::new(&s.key)));
            }
            let skey = match student {
                Some((_, k)) => k,
                None => unreachable!("set just above"),
            };
            let plain = skey.open(&body_binding(&self.id, target, sid), &sealed, "a record")?;
            let mut record: NewRecord = from_json(&plain, "a record")?;
            if let Some(a) = &record.amends {
                let a = parse_id(a)?;
                record.amends = Some(self.uid_of_record(key, me, a)?);
            }
            let written_at = s
                .heads
                .iter()
                .find(|h| h.id == target)
                .map(|h| h.written_at.to_string())
                .unwrap_or_default();
            let attachment = if matches!(record.body, RecordBody::Attachment(_)) {
                let sealed: Vec<u8> = self.db.query_row(
                    "SELECT content FROM attachments WHERE id = ?1 AND student_id = ?2",
                    [target, sid],
                    |r| r.get(0),
                )?;
                Some(skey.open(
                    &attachment_binding(&self.id, target, sid),
                    &sealed,
                    "an attachment",
                )?)
            } else {
                None
            };
            (
                ChangeOp::Record {
                    written_at,
                    record,
                    has_attachment: attachment.is_some(),
                },
                attachment,
            )
        };
        Ok((
            Change {
                origin,
                seq: op.seq,
                hlc: op.hlc,
                student_no: s.profile.student_no.clone(),
                op: op_body,
            },
            attachment,
        ))
    }

    pub(super) fn uid_of_record(&self, key: &Key, me: &str, rid: i64) -> Result<String> {
        let (id, sid, sealed): (i64, i64, Vec<u8>) = self
            .db
            .query_row(
                "SELECT id, student_id, body FROM ops WHERE target = ?1 AND kind = 1",
                [rid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or(Error::RecordNotFound)?;
        let op = self.open_op(key, id, sid, &sealed)?;
        Ok(uid(op.origin.as_deref().unwrap_or(me), op.seq))
    }

    pub(super) fn op_rows(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<OpRow>> {
        let mut stmt = self.db.prepare(sql)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Writes, verifies and records a bundle. The file is staged (written and synced beside the
    /// target) first; then the state (sequence numbers, the bundle sent, the handover marks) is
    /// committed; then the file is renamed into place and read back. A crash leaves at worst a gap
    /// the recipient reports, never two different bundles under one sequence number.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn emit(
        &mut self,
        site: &SiteIdentity,
        mut dest: Dest<'_>,
        kind: BundleKind,
        changes: Vec<(Change, Option<Zeroizing<Vec<u8>>>)>,
        from_seq: i64,
        to_seq: i64,
        students: Vec<i64>,
        out: &Path,
    ) -> Result<ExportReport> {
        let key = self.sync_key();
        let counts = bundle::count(&changes);
        let frames = bundle::frame_changes(
            changes
                .iter()
                .map(|(c, a)| (c, a.as_deref().map(|a| &a[..]))),
        )?;
        let (recipient, bundle_seq) = match &dest {
            Dest::Peer(_, peer) if kind != BundleKind::Handover => {
                (SiteRef::of(&peer.profile), peer.next_bundle_seq)
            }
            Dest::Peer(_, peer) => (SiteRef::of(&peer.profile), 0),
            Dest::Passphrase { institution, .. } => (
                SiteRef {
                    id: bundle::PASSPHRASE_RECIPIENT.into(),
                    name: institution.to_string(),
                },
                0,
            ),
        };
        let manifest = Manifest {
            format: bundle::FORMAT_VERSION,
            bundle_id: crypto::hex(&crypto::random::<16>()),
            kind,
            sender: SiteRef::of(site.profile()),
            recipient: recipient.clone(),
            created_at: now_text(),
            bundle_seq,
            from_seq,
            to_seq,
            counts: counts.clone(),
            content_sha256: String::new(),
            receipt: None,
            sender_profile: match dest {
                Dest::Passphrase { .. } => Some(site.profile().clone()),
                Dest::Peer(..) => None,
            },
            // The audit log's head before this export's own entry, signed with the bundle.
            audit: (kind != BundleKind::Handover).then(|| bundle::AuditAnchor {
                seq: self.head.seq,
                head: crypto::hex(&self.head.chain),
            }),
        };
        // The header apart from the frames: the container is never assembled in memory, the
        // encryption reads the two parts in turn (a copy of the whole bundle less).
        let (manifest, header) = bundle::seal_header(site, manifest, &frames)?;
        // Checked before encryption: what we sign is what the recipient will verify (signature
        // and content hash). The frames are not decoded again: `frame_changes` just encoded them,
        // and a second JSON pass over every change was a third of the export's cost.
        let (_, manifest_bytes) = bundle::verify_parts(&header, &frames, site.profile())?;
        let hash = bundle::manifest_hash(manifest_bytes);
        let parts: [&[u8]; 2] = [&header, &frames];
        let file = match &mut dest {
            Dest::Peer(_, peer) => {
                if kind != BundleKind::Handover {
                    peer.next_bundle_seq += 1;
                }
                bundle::encrypt_parts(&peer.profile, &parts)?
            }
            Dest::Passphrase { passphrase, .. } => {
                bundle::encrypt_passphrase_parts(passphrase, &parts)?
            }
        };
        drop(frames);
        let sent = BundleOut {
            bundle_id: manifest.bundle_id.clone(),
            hash,
            kind,
            recipient: recipient.id.clone(),
            to_seq,
            students: students.clone(),
            retired: false,
            recipient_name: recipient.name.clone(),
            at: manifest.created_at.clone(),
        };
        let detail = format!(
            "{kind:?} bundle {} to {}: {} students, {} profiles, {} records",
            manifest.bundle_id, recipient.name, counts.students, counts.profiles, counts.records
        );
        // Staged before the commit: an unwritable folder or a full disk changes nothing here.
        let staged = bundle::stage(out, &file)?;
        self.write(AuditAction::Export, None, detail, |tx, me| {
            if let Dest::Peer(row, peer) = &dest {
                me.save_peer(tx, &key, *row, peer)?;
            }
            let id = crypto::random_id();
            let lookup = crypto::blind_index(&key, "bundle", &sent.bundle_id);
            let sealed = crypto::seal(&key, &plain_binding(&me.id, "bundles_out", id), &to_json(&sent)?);
            tx.execute(
                "INSERT INTO bundles_out (id, lookup, body) VALUES (?1, ?2, ?3)",
                params![id, &lookup[..], sealed],
            )?;
            for sid in &students {
                tx.execute(
                    "INSERT OR REPLACE INTO handovers (student_id, bundle, retiring) VALUES (?1, ?2, 0)",
                    params![sid, &lookup[..]],
                )?;
            }
            Ok(())
        })?;
        staged.publish()?;
        // Read back: the bytes on disk must be the bytes written, and parse as an age file.
        let back = std::fs::read(out)?;
        if back != file || age::Decryptor::new_buffered(&back[..]).is_err() {
            return Err(Error::BundleDamaged("the written file does not read back"));
        }
        Ok(ExportReport {
            bundle_id: manifest.bundle_id,
            kind,
            recipient: recipient.name,
            counts,
            from_seq: from_seq as i32,
            to_seq: to_seq as i32,
        })
    }

    /// The changes of the local operations `peer` may see and has not acknowledged, in sequence
    /// order. A college sends the center all of its own; the center sends a college the changes
    /// of students that college sent it or whose profile names it as their 学院 (screening
    /// results, flagged students), never the files of other colleges. Each row is turned into its
    /// change as it is read, so the sealed rows are never all held at once.
    pub(super) fn routed_changes(
        &self,
        key: &Key,
        me: &str,
        peer: &Peer,
        center: bool,
    ) -> Result<Vec<Carried>> {
        let local = self.origin_lookup(key, None);
        let theirs = if center {
            Some(self.routed_students(key, peer)?)
        } else {
            None
        };
        let mut stmt = self.db.prepare(
            "SELECT id, kind, student_id, target, body FROM ops WHERE origin = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![&local[..], peer.acked_to])?;
        let mut student = None;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let sid: i64 = r.get(2)?;
            if theirs.as_ref().is_some_and(|t| !t.contains(&sid)) {
                continue;
            }
            let sealed = r
                .get_ref(4)?
                .as_blob()
                .map_err(|_| Error::Tamper("a change"))?;
            let row = (r.get(0)?, r.get(1)?, sid, r.get(3)?);
            out.push(self.change_of(key, &mut student, me, row, sealed)?);
        }
        Ok(out)
    }

    /// How many rows `routed_rows` would give, without reading their bodies.
    pub(super) fn routed_count(&self, key: &Key, peer: &Peer, center: bool) -> Result<usize> {
        let local = self.origin_lookup(key, None);
        let sids: Vec<i64> = self
            .db
            .prepare("SELECT student_id FROM ops WHERE origin = ?1 AND seq > ?2")?
            .query_map(params![&local[..], peer.acked_to], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !center {
            return Ok(sids.len());
        }
        let theirs = self.routed_students(key, peer)?;
        Ok(sids.iter().filter(|sid| theirs.contains(sid)).count())
    }

    /// The students whose center-side changes go to `peer`: those whose profile names it as
    /// their college, and those it registered whose profile names no trusted site. Never a
    /// student another college owns by name, even if `peer` once sent changes of it.
    pub(super) fn routed_students(&self, key: &Key, peer: &Peer) -> Result<HashSet<i64>> {
        let names: HashSet<String> = self
            .peers(key)?
            .into_iter()
            .map(|(_, p)| p.profile.name)
            .collect();
        let peer_origin = self.origin_lookup(key, Some(&peer.profile.site_id()));
        let sent: HashSet<i64> = self
            .db
            .prepare("SELECT DISTINCT student_id FROM ops WHERE origin = ?1")?
            .query_map([&peer_origin[..]], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(self
            .students
            .values()
            .filter(|s| {
                s.profile.college == peer.profile.name
                    || (sent.contains(&s.id) && !names.contains(&s.profile.college))
            })
            .map(|s| s.id)
            .collect())
    }

    /// Exports every local change `to` has not acknowledged to `out` (see `routed_rows` for what a
    /// center sends a college: its screening results and flagged students).
    pub fn export_bundle(&mut self, to: &str, out: &Path) -> Result<ExportReport> {
        let site = self.site(None)?;
        let key = self.sync_key();
        let (row, peer) = self.peer_by_name(&key, to)?;
        let me = site.site_id();
        let center = site.profile().kind == SiteKind::Center;
        // One read transaction for the clock and every row: one snapshot, and not a lock taken
        // and released (and the WAL index checked) for each of the statements below.
        let read = self.db.unchecked_transaction()?;
        let clock = self.read_clock(&read, &key)?;
        let changes = self.routed_changes(&key, &me, &peer, center)?;
        read.commit()?;
        let changes = bundle::collapse_profiles(changes);
        let kind = if center {
            BundleKind::Results
        } else {
            BundleKind::Sync
        };
        let from_seq = peer.acked_to + 1;
        self.emit(
            &site,
            Dest::Peer(row, peer),
            kind,
            changes,
            from_seq,
            clock.seq,
            Vec::new(),
            out,
        )
    }
}
