use super::*;

fn conflict_binding(archive: &[u8; 16], row: i64, student: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "conflicts",
        row,
        student,
        version: 0,
    }
}

impl Session {
    /// Lists a conflict (sealed, in the caller's transaction); returns it with its id.
    pub(super) fn insert_conflict(
        &self,
        tx: &Connection,
        key: &Key,
        sid: i64,
        mut conflict: SyncConflict,
    ) -> Result<SyncConflict> {
        let id = crypto::random_id();
        conflict.id = id.to_string();
        let sealed = crypto::seal(
            key,
            &conflict_binding(&self.id, id, sid),
            &to_json(&conflict)?,
        );
        tx.prepare_cached("INSERT INTO conflicts (id, student_id, body) VALUES (?1, ?2, ?3)")?
            .execute(params![id, sid, sealed])?;
        Ok(conflict)
    }

    /// The profile conflicts found by imports, for a person to settle.
    pub fn sync_conflicts(&self) -> Result<Vec<SyncConflict>> {
        let key = self.sync_key();
        let mut stmt = self
            .db
            .prepare("SELECT id, student_id, body FROM conflicts")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = rows
            .into_iter()
            .map(|(id, sid, sealed)| {
                let b = conflict_binding(&self.id, id, sid);
                let mut c: SyncConflict = from_json(
                    &crypto::open(&key, &b, &sealed, "a conflict")?,
                    "a conflict",
                )?;
                c.id = id.to_string();
                Ok(c)
            })
            .collect::<Result<Vec<SyncConflict>>>()?;
        out.sort_by(|a, b| (&a.at, &a.student_no).cmp(&(&b.at, &b.student_no)));
        Ok(out)
    }

    /// Marks a conflict settled: a person checked the profile (and edited it if the edit in force
    /// was the wrong one; a new edit here wins by clock and travels on). Audited.
    pub fn settle_conflict(&mut self, id: &str) -> Result<()> {
        let row = parse_id(id).map_err(|_| Error::Invalid {
            field: "conflict",
            reason: "not a conflict id",
        })?;
        let sid: Option<i64> = self
            .db
            .query_row(
                "SELECT student_id FROM conflicts WHERE id = ?1",
                [row],
                |r| r.get(0),
            )
            .optional()?;
        let sid = sid.ok_or(Error::Invalid {
            field: "conflict",
            reason: "no open conflict with that id",
        })?;
        let sno = self
            .students
            .get(&sid)
            .map(|s| s.profile.student_no.clone());
        self.write(
            AuditAction::Write,
            sno.as_deref(),
            format!("sync conflict {id} settled"),
            |tx, _| {
                tx.execute("DELETE FROM conflicts WHERE id = ?1", [row])?;
                Ok(())
            },
        )
    }
}

impl Session {
    /// A profile conflict side by side: each field where the profile in force and the one that
    /// lost still differ, with both values as the base page shows them. Empty for a refusal, for
    /// a conflict of an older version (which kept no values), or once the two agree.
    pub fn conflict_fields(&self, id: &str) -> Result<Vec<ConflictField>> {
        let c = self.conflict(id)?;
        let Some(lost) = &c.lost else {
            return Ok(Vec::new());
        };
        let kept = self.profile(&c.student_no)?;
        Ok(crate::session::profile::profile_changes(kept, lost)
            .into_iter()
            .map(|f| ConflictField {
                field: f.field,
                kept: f.old,
                lost: f.new,
            })
            .collect())
    }

    /// Settles a profile conflict taking, for each field of `take`, the value that lost: the
    /// profile is amended (a `profile_amendment` record by `author` whose reason names the site
    /// the values came from; a new edit here, which wins by clock and travels on), then the
    /// conflict is settled; both audited. With `take` empty it only settles. A field not among
    /// those still differing is refused, and nothing changes.
    pub fn settle_conflict_taking(
        &mut self,
        id: &str,
        take: &[String],
        author: &str,
    ) -> Result<()> {
        if !take.is_empty() {
            let c = self.conflict(id)?;
            let differing = self.conflict_fields(id)?;
            let lost = c.lost.as_ref().ok_or(Error::Invalid {
                field: "take",
                reason: "this conflict kept no other values",
            })?;
            if take
                .iter()
                .any(|t| !differing.iter().any(|f| &f.field == t))
            {
                return Err(Error::Invalid {
                    field: "take",
                    reason: "not a field that differs in this conflict",
                });
            }
            let mut profile = serde_json::to_value(self.profile(&c.student_no)?)
                .map_err(|_| Error::Tamper("a profile"))?;
            let lost = serde_json::to_value(lost).map_err(|_| Error::Tamper("a conflict"))?;
            for t in take {
                profile[t.as_str()] = lost[t.as_str()].clone();
            }
            let profile: StudentProfile =
                serde_json::from_value(profile).map_err(|_| Error::Tamper("a conflict"))?;
            let reason = format!("同步冲突处理：采用“{}”的修改", c.other_site);
            self.amend_profile(&c.student_no, profile, &reason, author)?;
        }
        self.settle_conflict(id)
    }

    /// One listed conflict by its id.
    fn conflict(&self, id: &str) -> Result<SyncConflict> {
        self.sync_conflicts()?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or(Error::Invalid {
                field: "conflict",
                reason: "no open conflict with that id",
            })
    }
}
