use super::authorize::check_origins;
use super::*;

/// A passphrase file read and verified: the sender if it is a trusted peer, the profile it
/// carries and its contents.
type PassphraseFile = (Option<(i64, Peer)>, SiteProfile, bundle::Contents);

/// Whether two fingerprints are the same, however a person typed the groups (case, spaces,
/// dashes).
fn same_fingerprint(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    let (a, b) = (norm(a), norm(b));
    !a.is_empty() && a == b
}

/// A peer's number shown in a report (the UI's integers are 32-bit).
fn clamp_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })
}

/// Compares the audit anchor a sequenced bundle carries with the last one from the same peer.
/// Every bundle the peer exports appends to its audit log after the anchor is taken, so the
/// next anchor must be further on: one at or below the last means a restored older copy, a cut
/// chain or a re-chained log. The alarm stays on the peer (and in its status) until settled;
/// the highest anchor seen is kept. Returns the alarm raised now, if any.
fn anchor_audit(peer: &mut Peer, m: &Manifest) -> Option<AuditAlarm> {
    let got = m.audit.as_ref()?;
    let raised = match &peer.audit {
        Some(seen) if got.seq <= seen.seq => Some(AuditAlarm {
            site: peer.profile.name.clone(),
            seen_seq: clamp_i32(seen.seq),
            got_seq: clamp_i32(got.seq),
            shorter: got.seq < seen.seq,
            bundle_id: m.bundle_id.clone(),
            at: now_text(),
        }),
        _ => None,
    };
    match &raised {
        Some(a) => peer.audit_alarm = Some(a.clone()),
        None => peer.audit = Some(got.clone()),
    }
    raised
}

impl Session {
    pub(super) fn bundle_in(&self, key: &Key, bundle_id: &str) -> Result<Option<BundleIn>> {
        let lookup = crypto::blind_index(key, "bundle", bundle_id);
        let row: Option<(i64, Vec<u8>)> = self
            .db
            .query_row(
                "SELECT id, body FROM bundles_in WHERE lookup = ?1",
                [&lookup[..]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, sealed)| {
            from_json(
                &crypto::open(
                    key,
                    &plain_binding(&self.id, "bundles_in", id),
                    &sealed,
                    "a bundle log",
                )?,
                "a bundle log",
            )
        })
        .transpose()
    }

    /// Decrypts and authenticates a bundle or receipt addressed to this site.
    pub(super) fn read_bundle(
        &mut self,
        file: &[u8],
    ) -> Result<(SiteIdentity, i64, Peer, bundle::Contents)> {
        let site = self.site(None)?;
        if bundle::is_passphrase_file(file) {
            return Err(Error::Invalid {
                field: "bundle",
                reason: "this file is protected by a passphrase; give the passphrase",
            });
        }
        let plain = bundle::decrypt(&site, file)?;
        let (manifest, ..) = bundle::split_container(&plain)?;
        let key = self.sync_key();
        let (row, peer) = self
            .peers(&key)?
            .into_iter()
            .find(|(_, p)| p.profile.site_id() == manifest.sender.id)
            .ok_or(Error::BundleUnknownSigner)?;
        let contents = bundle::open_container(&plain, &peer.profile)?;
        if contents.manifest.recipient.id != site.site_id() {
            return Err(Error::BundleMisaddressed);
        }
        Ok((site, row, peer, contents))
    }

    /// Decrypts a passphrase-protected bundle or receipt and authenticates it with the profile it
    /// carries (which must match the stored one if the sender is a trusted peer). Writes nothing.
    /// Returns the peer if known, the sender's profile and the contents.
    fn open_passphrase_file(&self, file: &[u8], passphrase: &str) -> Result<PassphraseFile> {
        let plain = bundle::decrypt_passphrase(passphrase, file)?;
        let (manifest, ..) = bundle::split_container(&plain)?;
        let key = self.sync_key();
        let known = self
            .peers(&key)?
            .into_iter()
            .find(|(_, p)| p.profile.site_id() == manifest.sender.id);
        let contents = bundle::open_self_signed(&plain, known.as_ref().map(|(_, p)| &p.profile))?;
        let sender = contents
            .manifest
            .sender_profile
            .clone()
            .ok_or(Error::BundleUnknownSigner)?;
        if let Some(site) = self.load_site()? {
            if sender.site_id() == site.site_id() {
                return Err(Error::BundleMisaddressed);
            }
        }
        Ok((known, sender, contents))
    }

    /// [`Self::open_passphrase_file`] for an import: this site's identity (created on first
    /// use), and the sender's fingerprint compared with the one a person confirmed by phone
    /// before anything is written (`fingerprint_mismatch`).
    pub(super) fn read_passphrase_bundle(
        &mut self,
        file: &[u8],
        passphrase: &str,
        fingerprint: &str,
    ) -> Result<PassphraseBundle> {
        let (known, sender, contents) = self.open_passphrase_file(file, passphrase)?;
        if !same_fingerprint(&sender.fingerprint, fingerprint) {
            return Err(Error::FingerprintMismatch);
        }
        let site = self.site(None)?;
        if sender.site_id() == site.site_id() {
            return Err(Error::BundleMisaddressed);
        }
        Ok((site, known, sender, contents))
    }

    /// Step one of a passphrase handover (or of its receipt): decrypts and verifies the file and
    /// says who signed it and what it holds, writing nothing. A person compares the fingerprint
    /// with the sender's by phone, then confirms: [`Self::import_bundle_with_passphrase`] or
    /// [`Self::import_receipt_with_passphrase`] with that fingerprint.
    pub fn preview_with_passphrase(&self, file: &[u8], passphrase: &str) -> Result<BundlePreview> {
        let (_, sender, contents) = self.open_passphrase_file(file, passphrase)?;
        let m = &contents.manifest;
        Ok(BundlePreview {
            bundle_id: m.bundle_id.clone(),
            kind: m.kind,
            sender: sender.name.clone(),
            sender_fingerprint: sender.fingerprint.clone(),
            counts: m.counts.clone(),
            held: self.held_students(&contents)?,
        })
    }

    /// Reads a bundle or receipt from a trusted site and says what it holds, writing nothing:
    /// for a handover, the students this archive already holds, which need a person's choice
    /// ([`HeldStudents`]) before [`Self::import_bundle_with`].
    pub fn preview_bundle(&mut self, file: &[u8]) -> Result<BundlePreview> {
        let (_, _, peer, contents) = self.read_bundle(file)?;
        let m = &contents.manifest;
        Ok(BundlePreview {
            bundle_id: m.bundle_id.clone(),
            kind: m.kind,
            sender: peer.profile.name.clone(),
            sender_fingerprint: peer.profile.fingerprint.clone(),
            counts: m.counts.clone(),
            held: self.held_students(&contents)?,
        })
    }

    /// The students of a handover that this archive already holds and that the handover would
    /// change, by 学号, with the name their file here has (none for other kinds of bundle). A
    /// student whose every change here is already stored (the same file handed over again) needs
    /// no choice: nothing of it would be written.
    fn held_students(&self, contents: &bundle::Contents) -> Result<Vec<HeldStudent>> {
        if contents.manifest.kind != BundleKind::Handover {
            return Ok(Vec::new());
        }
        let key = self.sync_key();
        let me = self.load_site()?.map(|s| s.site_id()).unwrap_or_default();
        let mut origins = super::merge::Origins::new(self, &key, &me);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (c, _) in &contents.changes {
            let Some(&sid) = self.by_lookup.get(&self.lookup(&c.student_no)) else {
                continue;
            };
            if seen.contains(&sid) || Self::held(&self.db, &origins.of(&c.origin), c.seq)?.is_some()
            {
                continue;
            }
            seen.insert(sid);
            if let Some(s) = self.students.get(&sid) {
                out.push(HeldStudent {
                    student_no: s.profile.student_no.clone(),
                    name: s.profile.name.clone(),
                });
            }
        }
        out.sort_by(|a, b| a.student_no.cmp(&b.student_no));
        Ok(out)
    }

    /// Imports a bundle in one transaction and returns the report and the signed receipt (an age
    /// file for the sender). The same bundle again changes nothing and returns the same receipt.
    /// A handover of students this archive already holds is refused (`handover_student_held`):
    /// [`Self::import_bundle_with`] says what to do with them.
    pub fn import_bundle(&mut self, file: &[u8]) -> Result<(BundleImportReport, Vec<u8>)> {
        self.import_bundle_with(file, HeldStudents::Ask)
    }

    /// [`Self::import_bundle`], with a person's choice for the handover's students held here.
    pub fn import_bundle_with(
        &mut self,
        file: &[u8],
        held: HeldStudents,
    ) -> Result<(BundleImportReport, Vec<u8>)> {
        let (site, peer_row, peer, contents) = self.read_bundle(file)?;
        let sender = peer.profile.clone();
        self.with_import_cache(|me| {
            me.import_contents(site, Some((peer_row, peer)), sender, contents, None, held)
        })
    }

    /// Runs an import with SQLite's page cache raised to [`bundle::IMPORT_CACHE_KIB`], then puts
    /// the connection's setting back (freeing the pages). With the default 2 MB, an import of
    /// thousands of students in one transaction spilled dirty pages to the WAL and read them back
    /// again, about half of its time.
    pub(super) fn with_import_cache<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let before: i64 = self
            .db
            .pragma_query_value(None, "cache_size", |r| r.get(0))?;
        self.db
            .pragma_update(None, "cache_size", -bundle::IMPORT_CACHE_KIB)?;
        let out = f(self);
        let restored = self.db.pragma_update(None, "cache_size", before);
        let out = out?;
        restored?;
        Ok(out)
    }

    /// Step two of a passphrase handover (from an institution that exchanged no profiles):
    /// imports the bundle once `fingerprint`, as confirmed by phone after
    /// [`Self::preview_with_passphrase`], is the one it was signed with. The receipt is encrypted
    /// to the same passphrase and carries this site's profile.
    pub fn import_bundle_with_passphrase(
        &mut self,
        file: &[u8],
        passphrase: &str,
        fingerprint: &str,
        held: HeldStudents,
    ) -> Result<(BundleImportReport, Vec<u8>)> {
        let (site, known, sender, contents) =
            self.read_passphrase_bundle(file, passphrase, fingerprint)?;
        if contents.manifest.recipient.id != bundle::PASSPHRASE_RECIPIENT {
            return Err(Error::BundleMisaddressed);
        }
        if contents.manifest.kind != BundleKind::Handover {
            return Err(Error::Invalid {
                field: "bundle",
                reason: "only handover bundles travel under a passphrase",
            });
        }
        self.with_import_cache(|me| {
            me.import_contents(site, known, sender, contents, Some(passphrase), held)
        })
    }

    pub(super) fn import_contents(
        &mut self,
        site: SiteIdentity,
        mut peer: Option<(i64, Peer)>,
        sender: SiteProfile,
        contents: bundle::Contents,
        passphrase: Option<&str>,
        held: HeldStudents,
    ) -> Result<(BundleImportReport, Vec<u8>)> {
        let m = contents.manifest.clone();
        if m.kind == BundleKind::Receipt {
            return Err(Error::Invalid {
                field: "bundle",
                reason: "this is a receipt; import it with `receipt import`",
            });
        }
        let key = self.sync_key();
        let hash = contents.hash();
        let mut report = BundleImportReport {
            bundle_id: m.bundle_id.clone(),
            kind: m.kind,
            sender: sender.name.clone(),
            sender_fingerprint: sender.fingerprint.clone(),
            duplicate: false,
            students_added: 0,
            profiles_updated: 0,
            records_added: 0,
            skipped: 0,
            applied: 0,
            refused: Vec::new(),
            conflicts: Vec::new(),
            gap: None,
        };
        if let Some(seen) = self.bundle_in(&key, &m.bundle_id)? {
            if seen.hash != hash || seen.sender != m.sender.id {
                return Err(Error::BundleIdConflict);
            }
            report.duplicate = true;
            return Ok((report, seen.receipt));
        }
        if m.sender.id != sender.site_id() {
            return Err(Error::BundleUnknownSigner);
        }
        check_origins(m.kind, &m.sender.id, &contents.changes)?;
        if held == HeldStudents::Ask && !self.held_students(&contents)?.is_empty() {
            return Err(Error::refused("bundle", Reason::HandoverStudentHeld));
        }
        let sequenced = m.kind != BundleKind::Handover;
        let mut last_in_to = 0;
        let mut alarm = None;
        if sequenced {
            let (_, peer) = peer.as_mut().ok_or(Error::BundleUnknownSigner)?;
            if m.bundle_seq <= peer.last_in_bundle || m.from_seq < 1 || m.to_seq < m.from_seq - 1 {
                return Err(Error::BundleStale);
            }
            // Saturating: the numbers are the peer's, a hostile one may send the largest.
            let next = peer.last_in_to.saturating_add(1);
            if m.from_seq > next {
                report.gap = Some(vec![clamp_i32(next), clamp_i32(m.from_seq - 1)]);
            } else {
                peer.last_in_to = peer.last_in_to.max(m.to_seq);
            }
            peer.last_in_bundle = m.bundle_seq;
            last_in_to = peer.last_in_to;
            alarm = anchor_audit(peer, &m);
        }
        let me = site.site_id();
        let tx = self.db.unchecked_transaction()?;
        let pending = self.apply_changes(
            &tx,
            &key,
            &me,
            &sender,
            m.kind,
            &contents.changes,
            held,
            &mut report,
        )?;
        // The receipt acknowledges what we hold contiguously, not what this bundle claimed.
        let receipt_manifest = Manifest {
            format: bundle::FORMAT_VERSION,
            bundle_id: crypto::hex(&crypto::random::<16>()),
            kind: BundleKind::Receipt,
            sender: SiteRef::of(site.profile()),
            recipient: m.sender.clone(),
            created_at: now_text(),
            bundle_seq: 0,
            from_seq: 0,
            to_seq: 0,
            counts: Counts::default(),
            content_sha256: String::new(),
            receipt: Some(ReceiptBody {
                bundle_id: m.bundle_id.clone(),
                bundle_hash: hash.clone(),
                bundle_kind: m.kind,
                acked_to: last_in_to,
                counts: m.counts.clone(),
                applied: i64::from(report.applied),
                refused: report.refused.clone(),
            }),
            sender_profile: passphrase.map(|_| site.profile().clone()),
            audit: None,
        };
        let (_, plain) = bundle::seal_container(&site, receipt_manifest, &[])?;
        let receipt = match passphrase {
            Some(p) => bundle::encrypt_passphrase(p, &plain)?,
            None => bundle::encrypt(&sender, &plain)?,
        };
        let seen = BundleIn {
            bundle_id: m.bundle_id.clone(),
            hash,
            sender: m.sender.id.clone(),
            receipt: receipt.clone(),
        };
        let id = crypto::random_id();
        let lookup = crypto::blind_index(&key, "bundle", &m.bundle_id);
        let sealed = crypto::seal(
            &key,
            &plain_binding(&self.id, "bundles_in", id),
            &to_json(&seen)?,
        );
        tx.execute(
            "INSERT INTO bundles_in (id, lookup, body) VALUES (?1, ?2, ?3)",
            params![id, &lookup[..], sealed],
        )?;
        if let Some((row, peer)) = &peer {
            self.save_peer(&tx, &key, *row, peer)?;
        }
        let entry = AuditEntry {
            seq: 0,
            at: now_text(),
            actor: self.actor.clone(),
            action: AuditAction::Import,
            student_no: None,
            student_withheld: None,
            detail: format!(
                "{:?} bundle {} from {}: {} students added, {} profiles updated, {} records added, {} skipped, {} refused, {} conflicts{}",
                m.kind,
                m.bundle_id,
                sender.name,
                report.students_added,
                report.profiles_updated,
                report.records_added,
                report.skipped,
                report.refused.len(),
                report.conflicts.len(),
                if alarm.is_some() {
                    "; ALARM: the sender's audit log went backwards"
                } else {
                    ""
                }
            ),
        };
        let head = audit::append(&tx, &self.id, &self.keys.audit, self.head, &entry)?;
        tx.commit()?;
        self.head = head;
        self.apply_pending(pending);
        Ok((report, receipt))
    }
}
