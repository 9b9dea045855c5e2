use super::*;

impl Session {
    pub(crate) fn site_kind(&self) -> Result<SiteKind> {
        let v: String =
            self.db
                .query_row("SELECT value FROM meta WHERE key = 'site_kind'", [], |r| {
                    r.get(0)
                })?;
        Ok(if v == "center" {
            SiteKind::Center
        } else {
            SiteKind::College
        })
    }

    pub(super) fn load_site(&self) -> Result<Option<SiteIdentity>> {
        let sealed: Option<Vec<u8>> = self
            .db
            .query_row("SELECT body FROM site WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let key = crypto::subkey(&self.keys.master, &self.id, "site identity");
        let plain = crypto::open(
            &key,
            &plain_binding(&self.id, "site", 1),
            &sealed,
            "the site identity",
        )?;
        let secrets: SiteSecrets = from_json(&plain, "the site identity")?;
        SiteIdentity::from_secrets(secrets).map(Some)
    }

    /// The site identity, created on first use (named `name`, else `center` for a center and
    /// `college-xxxx` from the fingerprint for a college). Creating it also logs an operation for
    /// every student and record written before the change log existed.
    pub fn site(&mut self, name: Option<&str>) -> Result<SiteIdentity> {
        if let Some(site) = self.load_site()? {
            if let Some(n) = name {
                if n != site.profile().name {
                    return Err(Error::Invalid {
                        field: "--name",
                        reason: "the site already has another name",
                    });
                }
            }
            return Ok(site);
        }
        let kind = self.site_kind()?;
        let mut site = SiteIdentity::generate(name.unwrap_or(CENTER_NAME), kind)?;
        if name.is_none() && kind == SiteKind::College {
            let fp = site.profile().fingerprint.to_lowercase();
            let SiteIdentity { secrets, .. } = site;
            site = SiteIdentity::from_secrets(SiteSecrets {
                name: format!("college-{}", &fp[..4]),
                kind,
                signing_pkcs8: secrets.signing_pkcs8.clone(),
                age_identity: secrets.age_identity.clone(),
            })?;
        }
        let key = crypto::subkey(&self.keys.master, &self.id, "site identity");
        let sealed = crypto::seal(
            &key,
            &plain_binding(&self.id, "site", 1),
            &to_json(&site.secrets)?,
        );
        let detail = format!(
            "site identity created, fingerprint {}",
            site.profile().fingerprint
        );
        self.write(AuditAction::Write, None, detail, |tx, me| {
            tx.execute("INSERT INTO site (id, body) VALUES (1, ?1)", [&sealed])?;
            me.backfill_ops(tx)
        })?;
        Ok(site)
    }

    /// Logs operations for rows written before the change log (archives of schema 1 and 2).
    pub(super) fn backfill_ops(&self, tx: &Connection) -> Result<()> {
        let missing_students: Vec<i64> = tx
            .prepare("SELECT id FROM students WHERE id NOT IN (SELECT student_id FROM ops WHERE kind = 0) ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for sid in missing_students {
            if let Some(s) = self.students.get(&sid) {
                self.log_op(tx, sid, &s.key, OpTarget::Profile(&s.profile))?;
            }
        }
        let missing_records: Vec<(i64, i64)> = tx
            .prepare("SELECT id, student_id FROM records WHERE id NOT IN (SELECT target FROM ops WHERE kind = 1) ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (rid, sid) in missing_records {
            if let Some(s) = self.students.get(&sid) {
                self.log_op(tx, sid, &s.key, OpTarget::Record(rid))?;
            }
        }
        Ok(())
    }

    pub(super) fn peers(&self, key: &Key) -> Result<Vec<(i64, Peer)>> {
        let mut stmt = self.db.prepare("SELECT id, body FROM peers ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, sealed)| {
                let plain = crypto::open(
                    key,
                    &plain_binding(&self.id, "peers", id),
                    &sealed,
                    "a site profile",
                )?;
                Ok((id, from_json(&plain, "a site profile")?))
            })
            .collect()
    }

    pub(super) fn save_peer(&self, tx: &Connection, key: &Key, id: i64, p: &Peer) -> Result<()> {
        let sealed = crypto::seal(key, &plain_binding(&self.id, "peers", id), &to_json(p)?);
        let lookup = crypto::blind_index(key, "peer", &p.profile.name);
        tx.execute(
            "INSERT OR REPLACE INTO peers (id, lookup, body) VALUES (?1, ?2, ?3)",
            params![id, &lookup[..], sealed],
        )?;
        Ok(())
    }

    pub(super) fn peer_by_name(&self, key: &Key, name: &str) -> Result<(i64, Peer)> {
        self.peers(key)?
            .into_iter()
            .find(|(_, p)| p.profile.name == name)
            .ok_or(Error::UnknownSite)
    }

    /// This site's public profile (creating the identity on first use); audited as an export.
    pub fn site_profile(&mut self, name: Option<&str>) -> Result<SiteProfile> {
        let site = self.site(name)?;
        self.log(AuditAction::Export, None, "site profile")?;
        Ok(site.profile().clone())
    }

    /// Trusts a peer's profile, named by the profile's own name. Importing the same profile again
    /// changes nothing; another profile under a known name is refused.
    pub fn import_profile(&mut self, profile: SiteProfile) -> Result<SiteProfile> {
        profile.validate()?;
        let me = self.site(None)?;
        if profile.site_id() == me.site_id() || profile.name == me.profile().name {
            return Err(Error::SiteConflict);
        }
        let key = self.sync_key();
        let peers = self.peers(&key)?;
        if let Some((_, p)) = peers.iter().find(|(_, p)| p.profile.name == profile.name) {
            return if p.profile == profile {
                Ok(profile)
            } else {
                Err(Error::SiteConflict)
            };
        }
        if peers
            .iter()
            .any(|(_, p)| p.profile.site_id() == profile.site_id())
        {
            return Err(Error::SiteConflict);
        }
        let peer = Peer {
            profile: profile.clone(),
            acked_to: 0,
            next_bundle_seq: 1,
            last_in_bundle: 0,
            last_in_to: 0,
            audit: None,
            audit_alarm: None,
        };
        let detail = format!("site profile imported, fingerprint {}", profile.fingerprint);
        self.write(AuditAction::Write, None, detail, |tx, me| {
            me.save_peer(tx, &key, crypto::random_id(), &peer)
        })?;
        Ok(profile)
    }

    /// The trusted peer sites.
    pub fn peer_profiles(&self) -> Result<Vec<SiteProfile>> {
        Ok(self
            .peers(&self.sync_key())?
            .into_iter()
            .map(|(_, p)| p.profile)
            .collect())
    }

    /// The age identity as text, for disaster recovery; audited as an export.
    pub fn export_identity(&mut self) -> Result<Zeroizing<String>> {
        let site = self.site(None)?;
        self.log(
            AuditAction::Export,
            None,
            "site age identity (disaster recovery)",
        )?;
        Ok(site.age_identity_text())
    }

    /// Every trusted peer with the state of sync with it.
    pub fn peer_status(&self) -> Result<Vec<crate::session::center::PeerStatus>> {
        let key = self.sync_key();
        let center = self.site_kind()? == SiteKind::Center;
        let mut out = Vec::new();
        for (_, p) in self.peers(&key)? {
            let unacknowledged = self.routed_count(&key, &p, center)? as i32;
            out.push(crate::session::center::PeerStatus {
                bundles_received: p.last_in_bundle as i32,
                changes_held: p.last_in_to as i32,
                acknowledged: p.acked_to as i32,
                unacknowledged,
                audit_alarm: p.audit_alarm.is_some(),
                profile: p.profile,
            });
        }
        out.sort_by(|a, b| a.profile.name.cmp(&b.profile.name));
        Ok(out)
    }

    pub(super) fn site_name(&self, key: &Key, me: &str, id: &str) -> Result<String> {
        if id == me {
            return Ok(self
                .load_site()?
                .map(|s| s.profile().name.clone())
                .unwrap_or_default());
        }
        Ok(self
            .peers(key)?
            .into_iter()
            .find(|(_, p)| p.profile.site_id() == id)
            .map(|(_, p)| p.profile.name)
            .unwrap_or_else(|| id.to_string()))
    }

    /// The peers whose audit log went backwards in a bundle (a restored copy, a cut or re-chained
    /// log), for the alarm the app shows; empty when all is well.
    pub fn audit_alarms(&self) -> Result<Vec<AuditAlarm>> {
        let mut out: Vec<AuditAlarm> = self
            .peers(&self.sync_key())?
            .into_iter()
            .filter_map(|(_, p)| p.audit_alarm)
            .collect();
        out.sort_by(|a, b| a.site.cmp(&b.site));
        Ok(out)
    }

    /// Clears a peer's audit alarm once a person has looked into it (audited). The highest anchor
    /// seen stays: the next bundle must still go beyond it.
    pub fn settle_audit_alarm(&mut self, site: &str) -> Result<()> {
        let key = self.sync_key();
        let (row, mut peer) = self.peer_by_name(&key, site)?;
        let Some(alarm) = peer.audit_alarm.take() else {
            return Ok(());
        };
        let detail = format!(
            "audit alarm of {site} settled (its log showed {} after {})",
            alarm.got_seq, alarm.seen_seq
        );
        self.write(AuditAction::Write, None, detail, |tx, me| {
            me.save_peer(tx, &key, row, &peer)
        })
    }
}
