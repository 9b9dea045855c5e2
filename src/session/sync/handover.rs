use super::*;

impl Session {
    /// Exports whole files for handover (移交) to the trusted site `to` (see [`HandoverChoice`] for
    /// which). Until the receipt, those files are read-only.
    pub fn export_handover(
        &mut self,
        to: &str,
        choice: &HandoverChoice,
        out: &Path,
    ) -> Result<ExportReport> {
        let sids = self.handover_students(choice)?;
        let key = self.sync_key();
        let (row, peer) = self.peer_by_name(&key, to)?;
        self.handover(Dest::Peer(row, peer), sids, out)
    }

    /// Exports whole files for handover to another institution (e.g. the school a student
    /// transfers to) with which no profiles were exchanged: the bundle is encrypted to
    /// `passphrase` (age scrypt) and carries this site's profile, whose fingerprint the other side
    /// compares by phone. Its receipt, under the same passphrase, retires the files as usual.
    pub fn export_handover_passphrase(
        &mut self,
        institution: &str,
        passphrase: &str,
        choice: &HandoverChoice,
        out: &Path,
    ) -> Result<ExportReport> {
        let institution = institution.trim();
        if institution.is_empty() || institution.chars().count() > 100 {
            return Err(Error::Invalid {
                field: "--to",
                reason: "name the receiving institution (at most 100 characters)",
            });
        }
        crate::archive::check_passphrase(passphrase)?;
        let sids = self.handover_students(choice)?;
        self.handover(
            Dest::Passphrase {
                institution,
                passphrase,
            },
            sids,
            out,
        )
    }

    /// The students of a choice, sorted; refuses an empty choice.
    pub fn handover_students_of(&self, choice: &HandoverChoice) -> Result<Vec<String>> {
        let mut out: Vec<String> = self
            .handover_students(choice)?
            .iter()
            .filter_map(|sid| self.students.get(sid))
            .map(|s| s.profile.student_no.clone())
            .collect();
        out.sort();
        Ok(out)
    }

    pub(super) fn handover_students(&self, choice: &HandoverChoice) -> Result<Vec<i64>> {
        let mut sids: Vec<i64> = choice
            .student_nos
            .iter()
            .map(|s| self.student_id(s))
            .collect::<Result<_>>()?;
        let grade = choice
            .grade
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty());
        let class = choice
            .class
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if choice.status.is_some() || grade.is_some() || class.is_some() {
            sids.extend(
                self.students
                    .values()
                    .filter(|s| choice.status.is_none_or(|st| s.profile.status == st))
                    .filter(|s| grade.is_none_or(|g| s.profile.grade == g))
                    .filter(|s| class.is_none_or(|c| s.profile.class_name == c))
                    .map(|s| s.id),
            );
        }
        sids.sort_unstable();
        sids.dedup();
        if sids.is_empty() {
            return Err(Error::Invalid {
                field: "--student",
                reason: "choose at least one student to hand over",
            });
        }
        Ok(sids)
    }

    pub(super) fn handover(
        &mut self,
        dest: Dest<'_>,
        sids: Vec<i64>,
        out: &Path,
    ) -> Result<ExportReport> {
        let site = self.site(None)?;
        let key = self.sync_key();
        let me = site.site_id();
        let mut changes = Vec::new();
        let mut student = None;
        // One read transaction, as in `export_bundle`.
        let read = self.db.unchecked_transaction()?;
        for &sid in &sids {
            let rows = self.op_rows(
                "SELECT id, kind, student_id, target, body FROM ops WHERE student_id = ?1 ORDER BY kind, seq",
                &[&sid],
            )?;
            for (id, kind, sid, target, sealed) in rows {
                let row = (id, kind, sid, target);
                changes.push(self.change_of(&key, &mut student, &me, row, &sealed)?);
            }
        }
        read.commit()?;
        let changes = bundle::collapse_profiles(changes);
        self.emit(&site, dest, BundleKind::Handover, changes, 0, 0, sids, out)
    }

    /// The handovers waiting for their receipt, oldest first, with the files each still holds.
    pub fn pending_handovers(&self) -> Result<Vec<PendingHandover>> {
        let key = self.sync_key();
        let marks: Vec<(i64, Vec<u8>)> = self
            .db
            .prepare("SELECT student_id, bundle FROM handovers ORDER BY student_id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut by_bundle: HashMap<Vec<u8>, Vec<String>> = HashMap::new();
        for (sid, lookup) in marks {
            let sno = self
                .students
                .get(&sid)
                .map(|s| s.profile.student_no.clone())
                .ok_or(Error::Tamper("a handover mark"))?;
            by_bundle.entry(lookup).or_default().push(sno);
        }
        let mut out = Vec::new();
        for (lookup, mut students) in by_bundle {
            let (row, sealed): (i64, Vec<u8>) = self
                .db
                .query_row(
                    "SELECT id, body FROM bundles_out WHERE lookup = ?1",
                    [&lookup],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or(Error::Tamper("a handover mark"))?;
            let sent: BundleOut = from_json(
                &crypto::open(
                    &key,
                    &plain_binding(&self.id, "bundles_out", row),
                    &sealed,
                    "a bundle log",
                )?,
                "a bundle log",
            )?;
            students.sort();
            out.push(PendingHandover {
                bundle_id: sent.bundle_id,
                recipient: sent.recipient_name,
                by_passphrase: sent.recipient == bundle::PASSPHRASE_RECIPIENT,
                at: sent.at,
                students,
            });
        }
        out.sort_by(|a, b| (&a.at, &a.bundle_id).cmp(&(&b.at, &b.bundle_id)));
        Ok(out)
    }
}
