use super::*;

impl Session {
    /// Retires exactly the files of a handover bundle whose receipt was verified: data keys and
    /// profiles overwritten, rows deleted (secure delete), the weekly reviews and the inbox
    /// rewritten without them, a tombstone with the receipt's hash kept, audited; then the file
    /// rebuilt and the WAL checkpointed, and the index snapshot replaced.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn retire(
        &mut self,
        key: &Key,
        lookup: &[u8; 16],
        out_row: i64,
        mut sent: BundleOut,
        r: &ReceiptBody,
        sender: &SiteProfile,
        receipt_hash: String,
        mut report: ReceiptReport,
    ) -> Result<ReceiptReport> {
        // Exactly those files: every student of the bundle still marked with this bundle.
        let marked: Vec<i64> = self
            .db
            .prepare("SELECT student_id FROM handovers WHERE bundle = ?1 ORDER BY student_id")?
            .query_map([&lookup[..]], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut sent_students = sent.students.clone();
        sent_students.sort_unstable();
        if marked != sent_students {
            return Err(Error::ReceiptMismatch);
        }
        // Only what the receiver stored is destroyed: a file any of whose changes it refused
        // stays here, unmarked and writable again.
        let kept = self.refused_students(key, &r.refused)?;
        let expected: Vec<i64> = sent_students
            .iter()
            .copied()
            .filter(|sid| !kept.contains(sid))
            .collect();
        report.kept = kept
            .iter()
            .filter_map(|sid| self.students.get(sid))
            .map(|s| s.profile.student_no.clone())
            .collect();
        report.kept.sort();
        sent.retired = true;
        let tomb = Tombstone {
            bundle_id: r.bundle_id.clone(),
            receipt_hash: receipt_hash.clone(),
            students: expected.len() as i64,
            at: now_text(),
            receiver: format!("{} {}", sender.name, sender.fingerprint),
        };
        let detail = format!(
            "retired {} files handed over to {} ({}) in bundle {} ({} refused by the receiver, kept); receipt {}",
            expected.len(),
            sender.name,
            sender.fingerprint,
            r.bundle_id,
            kept.len(),
            receipt_hash
        );
        let retired_nos: HashSet<String> = expected
            .iter()
            .filter_map(|sid| self.students.get(sid))
            .map(|s| s.profile.student_no.clone())
            .collect();
        self.write(AuditAction::Write, None, detail, |tx, me| {
            me.redact_retired(tx, &retired_nos)?;
            for sid in &kept {
                tx.execute("DELETE FROM handovers WHERE student_id = ?1", [sid])?;
            }
            tx.execute("UPDATE handovers SET retiring = 1 WHERE bundle = ?1", [&lookup[..]])?;
            // The caseloads that held the retired files get new keys once they are gone: a
            // wrap copied before would open nothing written after (docs/security.md).
            let mut rotate: Vec<i64> = Vec::new();
            for sid in &expected {
                rotate.extend(crate::session::caseloads::caseloads_of(tx, *sid)?);
            }
            rotate.sort_unstable();
            rotate.dedup();
            for sid in &expected {
                tx.execute(
                    "UPDATE student_wraps SET wrapped = zeroblob(length(wrapped)) WHERE student_id = ?1",
                    [sid],
                )?;
                tx.execute("DELETE FROM student_wraps WHERE student_id = ?1", [sid])?;
                // Overwrite first, so the old key and profile are gone even from pages a delete
                // would only unlink.
                tx.execute(
                    "UPDATE students SET data_key = zeroblob(length(data_key)), profile = zeroblob(length(profile)) WHERE id = ?1",
                    [sid],
                )?;
                for sql in [
                    "DELETE FROM attachments WHERE student_id = ?1",
                    "DELETE FROM records WHERE student_id = ?1",
                    "DELETE FROM ops WHERE student_id = ?1",
                    "DELETE FROM conflicts WHERE student_id = ?1",
                    "DELETE FROM handovers WHERE student_id = ?1",
                    "DELETE FROM students WHERE id = ?1",
                ] {
                    tx.execute(sql, [sid])?;
                }
            }
            for cid in rotate {
                me.rotate(tx, cid)?;
            }
            let sealed = crypto::seal(key, &plain_binding(&me.id, "bundles_out", out_row), &to_json(&sent)?);
            tx.execute("UPDATE bundles_out SET body = ?1 WHERE id = ?2", params![sealed, out_row])?;
            let id = crypto::random_id();
            let sealed = crypto::seal(key, &plain_binding(&me.id, "tombstones", id), &to_json(&tomb)?);
            tx.execute("INSERT INTO tombstones (id, body) VALUES (?1, ?2)", params![id, sealed])?;
            Ok(())
        })?;
        for sid in &expected {
            if let Some(e) = self.students.remove(sid) {
                self.by_lookup.remove(&self.lookup(&e.profile.student_no));
            }
        }
        report.retired = expected.len() as i32;
        self.scrub_retired()?;
        Ok(report)
    }

    /// The students of the changes a receipt names as refused (uids `origin:seq`), by this
    /// archive's own log of what it sent.
    fn refused_students(&self, key: &Key, refused: &[String]) -> Result<HashSet<i64>> {
        let me = self.load_site()?.map(|s| s.site_id()).unwrap_or_default();
        let mut out = HashSet::new();
        for u in refused {
            let (origin, seq) = split_uid(u).ok_or(Error::ReceiptMismatch)?;
            let lookup = self.origin_lookup(key, (origin != me).then_some(origin));
            let sid: Option<i64> = self
                .db
                .prepare_cached("SELECT student_id FROM ops WHERE origin = ?1 AND seq = ?2")?
                .query_row(params![&lookup[..], seq], |r| r.get(0))
                .optional()?;
            out.insert(sid.ok_or(Error::ReceiptMismatch)?);
        }
        Ok(out)
    }

    /// After the retirement's transaction: no byte of the retired files left in the folder.
    /// secure_delete zeroes freed cells and pages, but a B-tree rebalance can leave stale bytes in
    /// a page's unallocated area (a test found a retired ciphertext there): rebuilding the file
    /// leaves none. Then the WAL, which holds old page images until a checkpoint, is checkpointed
    /// and truncated; if another connection keeps it from finishing, the retirement is reported
    /// failed (`checkpoint_busy`) and importing the receipt again finishes it. VACUUM copies the
    /// archive through memory (temp_store=MEMORY); retirements are rare, batched events.
    pub(super) fn scrub_retired(&mut self) -> Result<()> {
        self.db.execute_batch("VACUUM")?;
        // Each attempt waits a moment for readers, not the connection's whole busy timeout: a
        // reader left open would otherwise hold the retirement for five times ten seconds.
        self.db
            .busy_timeout(std::time::Duration::from_millis(100))?;
        let checkpoint = (|| -> Result<bool> {
            for attempt in 0..5 {
                let (busy, log, moved): (i64, i64, i64) =
                    self.db
                        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                        })?;
                if busy == 0 && log == moved {
                    return Ok(true);
                }
                std::thread::sleep(std::time::Duration::from_millis(50 << attempt));
            }
            Ok(false)
        })();
        self.db.busy_timeout(crate::db::BUSY_TIMEOUT)?;
        let done = checkpoint?;
        // The index snapshot still holds the retired students (sealed under the archive's key,
        // not their destroyed ones): overwritten and replaced now rather than at lock.
        self.replace_snapshot();
        if done {
            Ok(())
        } else {
            Err(Error::CheckpointBusy)
        }
    }
}
