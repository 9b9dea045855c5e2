use super::*;

impl Session {
    /// Imports a receipt: records what the peer acknowledged and, for a handover, retires exactly
    /// the files of that bundle in one transaction (data keys destroyed, rows deleted with secure
    /// delete, a tombstone with the receipt's hash kept, audited), then rebuilds the file (VACUUM)
    /// and checkpoints and truncates the WAL, so no byte of those files remains in the folder.
    pub fn import_receipt(&mut self, file: &[u8]) -> Result<ReceiptReport> {
        let (_site, peer_row, peer, contents) = self.read_bundle(file)?;
        let sender = peer.profile.clone();
        self.apply_receipt(Some((peer_row, peer)), sender, contents, false)
    }

    /// Imports the receipt of a passphrase handover (see [`Session::export_handover_passphrase`]):
    /// encrypted to the same passphrase, signed by the receiving institution's site with its
    /// profile carried along. It must acknowledge exactly a bundle sent from here under a
    /// passphrase; the tombstone keeps the receiver's name and fingerprint. Nothing is retired
    /// unless `fingerprint` (confirmed by phone after [`Self::preview_with_passphrase`]) is the
    /// receiver's.
    pub fn import_receipt_with_passphrase(
        &mut self,
        file: &[u8],
        passphrase: &str,
        fingerprint: &str,
    ) -> Result<ReceiptReport> {
        let (site, known, sender, contents) =
            self.read_passphrase_bundle(file, passphrase, fingerprint)?;
        if contents.manifest.recipient.id != site.site_id() {
            return Err(Error::BundleMisaddressed);
        }
        self.apply_receipt(known, sender, contents, true)
    }

    pub(super) fn apply_receipt(
        &mut self,
        peer: Option<(i64, Peer)>,
        sender: SiteProfile,
        contents: bundle::Contents,
        by_passphrase: bool,
    ) -> Result<ReceiptReport> {
        let m = &contents.manifest;
        let r = match (&m.kind, &m.receipt) {
            (BundleKind::Receipt, Some(r)) => r.clone(),
            _ => {
                return Err(Error::Invalid {
                    field: "receipt",
                    reason: "this is a bundle, not a receipt; import it with `bundle import`",
                })
            }
        };
        let receipt_hash = contents.hash();
        let key = self.sync_key();
        let lookup = crypto::blind_index(&key, "bundle", &r.bundle_id);
        let (out_row, sealed): (i64, Vec<u8>) = self
            .db
            .query_row(
                "SELECT id, body FROM bundles_out WHERE lookup = ?1",
                [&lookup[..]],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .ok_or(Error::ReceiptMismatch)?;
        let sent: BundleOut = from_json(
            &crypto::open(
                &key,
                &plain_binding(&self.id, "bundles_out", out_row),
                &sealed,
                "a bundle log",
            )?,
            "a bundle log",
        )?;
        // A passphrase bundle is acknowledged by whoever held the passphrase and could read the
        // bundle's hash inside it; a bundle to a peer only by that peer.
        let expected_recipient = if by_passphrase {
            bundle::PASSPHRASE_RECIPIENT
        } else {
            m.sender.id.as_str()
        };
        if sent.hash != r.bundle_hash
            || sent.recipient != expected_recipient
            || sent.kind != r.bundle_kind
        {
            return Err(Error::ReceiptMismatch);
        }
        let mut report = ReceiptReport {
            bundle_id: r.bundle_id.clone(),
            kind: sent.kind,
            site: sender.name.clone(),
            site_fingerprint: sender.fingerprint.clone(),
            acked_to: peer.as_ref().map_or(0, |(_, p)| p.acked_to as i32),
            retired: 0,
            kept: Vec::new(),
            receipt_hash: receipt_hash.clone(),
        };
        if sent.kind != BundleKind::Handover {
            let Some((peer_row, mut peer)) = peer else {
                return Err(Error::ReceiptMismatch);
            };
            peer.acked_to = peer.acked_to.max(r.acked_to.min(sent.to_seq));
            report.acked_to = peer.acked_to as i32;
            let detail = format!(
                "receipt from {} for bundle {}: acknowledged to {}",
                peer.profile.name, r.bundle_id, peer.acked_to
            );
            self.write(AuditAction::Import, None, detail, |tx, me| {
                me.save_peer(tx, &key, peer_row, &peer)
            })?;
            return Ok(report);
        }
        if sent.retired {
            // Imported again: finish what a busy checkpoint may have left undone.
            self.scrub_retired()?;
            return Ok(report);
        }
        self.retire(
            &key,
            &lookup,
            out_row,
            sent,
            &r,
            &sender,
            receipt_hash,
            report,
        )
    }
}
