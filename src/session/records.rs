use super::*;

/// Attachments are limited to 20 MB each.
pub const ATTACHMENT_LIMIT_MB: u32 = 20;

/// One student's part of a bulk load, applied to memory after the commit.
struct Change {
    new: Option<StudentEntry>,
    /// The blind index of the 学号, computed once per row.
    lookup: [u8; 16],
    sid: i64,
    updated: Option<(i64, StudentProfile)>,
    heads: Vec<RecordHead>,
}

/// What a roster import or bulk load did.
#[typeshare::typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// New students.
    pub added: i32,
    /// Students whose profile changed.
    pub updated: i32,
    /// Students already there, unchanged.
    pub unchanged: i32,
    /// Records written.
    pub records: i32,
    /// Rows skipped: students outside the caseloads of the person importing (another
    /// counselor's student, or a new student of a class another counselor holds).
    #[serde(default)]
    pub not_held: i32,
}

/// Checks and normalises a profile before it is stored.
pub fn validate_profile(mut p: StudentProfile) -> Result<StudentProfile> {
    p.student_no = normalize::identifier(&p.student_no);
    let sno_ok = (4..=20).contains(&p.student_no.len())
        && p.student_no.chars().all(|c| c.is_ascii_alphanumeric());
    if !sno_ok {
        return Err(Error::Invalid {
            field: "student_no",
            reason: "must be 4 to 20 letters or digits",
        });
    }
    p.name = normalize::text(&p.name);
    if p.name.is_empty() {
        return Err(Error::Invalid {
            field: "name",
            reason: "is required",
        });
    }
    p.phone = normalize::phone(&p.phone);
    Ok(p)
}

pub(crate) fn validate_record(r: &NewRecord) -> Result<()> {
    crate::rules::engine::validate_body(&r.body)?;
    let blank = |s: &str| s.trim().is_empty();
    match &r.body {
        RecordBody::Talk(t) if blank(&t.text) => Err(Error::Invalid {
            field: "text",
            reason: "a talk record needs its content",
        }),
        RecordBody::Crisis(c) if blank(&c.rationale) => Err(Error::Invalid {
            field: "rationale",
            reason: "a crisis level needs its rationale",
        }),
        RecordBody::KeyConcern(k) if blank(&k.reason) => Err(Error::Invalid {
            field: "reason",
            reason: "is required",
        }),
        RecordBody::ParentContact(c) if blank(&c.text) => Err(Error::Invalid {
            field: "text",
            reason: "is required",
        }),
        _ if r.amends.is_some() && blank(&r.amend_reason) => Err(Error::Invalid {
            field: "amend_reason",
            reason: "an amendment needs its reason",
        }),
        _ => Ok(()),
    }
}

impl Session {
    /// Opens a student's whole file; audited.
    pub fn student_file(&mut self, student_no: &str) -> Result<StudentFile> {
        let sid = self.student_id(student_no)?;
        let s = &self.students[&sid];
        let mut records = Vec::with_capacity(s.heads.len());
        {
            let mut stmt = self
                .db
                .prepare_cached("SELECT id, body FROM records WHERE student_id = ?1")?;
            let mut rows = stmt.query([sid])?;
            let mut bodies = HashMap::new();
            while let Some(r) = rows.next()? {
                let rid: i64 = r.get(0)?;
                let sealed = blob(r, 1, "a record")?;
                let plain = crypto::open(
                    &s.key,
                    &body_binding(&self.id, rid, sid),
                    sealed,
                    "a record",
                )?;
                bodies.insert(rid, from_json::<NewRecord>(&plain, "a record")?);
            }
            for h in &s.heads {
                let record = bodies.remove(&h.id).ok_or(Error::Tamper("a record"))?;
                let superseded_by = s
                    .heads
                    .iter()
                    .rev()
                    .find(|o| o.amends() == Some(h.id))
                    .map(|o| o.id.to_string());
                records.push(StoredRecord {
                    id: h.id.to_string(),
                    written_at: h.written_at.to_string(),
                    superseded_by,
                    record,
                });
            }
        }
        let file = StudentFile {
            id: sid.to_string(),
            profile: s.profile.clone(),
            records,
        };
        let sno = file.profile.student_no.clone();
        self.write(AuditAction::OpenFile, Some(&sno), String::new(), |_, _| {
            Ok(())
        })?;
        Ok(file)
    }

    /// Inserts a new student whose 学号's blind index is `lookup`.
    pub(super) fn insert_student(
        &self,
        tx: &Connection,
        profile: &StudentProfile,
        lookup: &[u8; 16],
    ) -> Result<StudentEntry> {
        let (sid, key) = self.new_student_row(tx, profile, lookup)?;
        let plain = to_json(profile)?;
        self.log_op(tx, sid, &key, sync::OpTarget::ProfileJson(&plain))?;
        Ok(StudentEntry {
            id: sid,
            key,
            version: 1,
            profile: profile.clone(),
            heads: Vec::new(),
        })
    }

    /// The row of a new student: a fresh data key wrapped under the caseload of its class (and,
    /// in an archive from before people, under the archive key as its other files are), and the
    /// sealed profile. Refused when the class is a caseload this person does not hold.
    pub(super) fn new_student_row(
        &self,
        tx: &Connection,
        profile: &StudentProfile,
        lookup: &[u8; 16],
    ) -> Result<(i64, Key)> {
        let sid = crypto::random_id();
        let key = crypto::random_key();
        let (cid, caseload_key) = self.caseload_for_new(tx, &profile.class_name)?;
        let legacy = if self.legacy_keys {
            crypto::seal(&self.keys.master, &key_binding(&self.id, sid), &key[..])
        } else {
            Vec::new()
        };
        let sealed = crypto::seal(&key, &profile_binding(&self.id, sid, 1), &to_json(profile)?);
        tx.prepare_cached(
            "INSERT INTO students (id, lookup, data_key, version, profile) VALUES (?1, ?2, ?3, 1, ?4)",
        )?
        .execute(params![sid, &lookup[..], legacy, sealed])?;
        self.wrap_student(tx, sid, cid, &caseload_key, &key)?;
        Ok((sid, key))
    }

    pub(super) fn update_profile(
        &self,
        tx: &Connection,
        s: &StudentEntry,
        profile: &StudentProfile,
    ) -> Result<i64> {
        let version = s.version + 1;
        let plain = to_json(profile)?;
        let sealed = crypto::seal(&s.key, &profile_binding(&self.id, s.id, version), &plain);
        tx.prepare_cached("UPDATE students SET version = ?1, profile = ?2 WHERE id = ?3")?
            .execute(params![version, sealed, s.id])?;
        self.log_op(tx, s.id, &s.key, sync::OpTarget::ProfileJson(&plain))?;
        Ok(version)
    }

    pub(super) fn insert_record(
        &self,
        tx: &Connection,
        sid: i64,
        key: &Key,
        record: &NewRecord,
        amends: Option<i64>,
    ) -> Result<RecordHead> {
        let rid = crypto::random_id();
        let head = RecordHead::of(rid, record, amends);
        let sealed_head = crypto::seal(key, &head_binding(&self.id, rid, sid), &to_json(&head)?);
        let sealed_body = crypto::seal(key, &body_binding(&self.id, rid, sid), &to_json(record)?);
        tx.prepare_cached(
            "INSERT INTO records (id, student_id, header, body) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![rid, sid, sealed_head, sealed_body])?;
        self.log_op(tx, sid, key, sync::OpTarget::Record(rid))?;
        Ok(head)
    }

    /// Adds a student, or updates the profile of the student with the same 学号. Returns the id.
    pub fn put_student(&mut self, profile: StudentProfile) -> Result<String> {
        let profile = validate_profile(profile)?;
        let sno = profile.student_no.clone();
        let report = self.load_students(vec![(profile, Vec::new())], |_, new| new)?;
        let _ = report;
        Ok(self.student_id(&sno)?.to_string())
    }

    /// Adds many students with their records in one transaction (one audit entry). A student whose
    /// 学号 is already there is updated with `merge(old, new)`; records are appended.
    pub fn load_students(
        &mut self,
        items: Vec<(StudentProfile, Vec<NewRecord>)>,
        merge: impl Fn(&StudentProfile, StudentProfile) -> StudentProfile,
    ) -> Result<LoadReport> {
        let mut items_ok = Vec::with_capacity(items.len());
        for (p, records) in items {
            for r in &records {
                validate_record(r)?;
            }
            items_ok.push((validate_profile(p)?, records));
        }
        let mut report = LoadReport::default();
        let detail_count = items_ok.len();
        let changes = {
            let cache = crate::db::BulkCache::new(&self.db)?;
            let tx = self.db.unchecked_transaction()?;
            let clock = self.clock_scope();
            let mut changes: Vec<Change> = Vec::new();
            let mut seen: HashMap<[u8; 16], usize> = HashMap::new();
            for (profile, records) in &items_ok {
                let lookup = self.lookup(&profile.student_no);
                let existing = self.by_lookup.get(&lookup).copied();
                if let Some(&i) = seen.get(&lookup) {
                    // The same 学号 twice in one batch: later records join the first.
                    let c = &mut changes[i];
                    let key = c
                        .new
                        .as_ref()
                        .map(|e| &e.key)
                        .unwrap_or_else(|| &self.students[&c.sid].key);
                    for r in records {
                        c.heads.push(self.insert_record(&tx, c.sid, key, r, None)?);
                    }
                    continue;
                }
                let (new, sid, updated) = match existing {
                    Some(sid) => {
                        let s = &self.students[&sid];
                        let merged = merge(&s.profile, profile.clone());
                        if merged != s.profile {
                            let v = self.update_profile(&tx, s, &merged)?;
                            report.updated += 1;
                            (None, sid, Some((v, merged)))
                        } else {
                            report.unchanged += 1;
                            (None, sid, None)
                        }
                    }
                    None => {
                        // Another person's student (its row is there, this index lacks it), or a
                        // new student of a class another person holds: skipped, and counted.
                        let theirs = tx
                            .prepare_cached("SELECT 1 FROM students WHERE lookup = ?1")?
                            .exists([&lookup[..]])?;
                        let e = match theirs {
                            true => Err(Error::refused("student_no", Reason::NotInCaseload)),
                            false => self.insert_student(&tx, profile, &lookup),
                        };
                        let e = match e {
                            Err(Error::Refused {
                                reason: Reason::NotInCaseload,
                                ..
                            }) => {
                                report.not_held += 1;
                                continue;
                            }
                            other => other?,
                        };
                        report.added += 1;
                        let sid = e.id;
                        (Some(e), sid, None)
                    }
                };
                let mut heads = Vec::with_capacity(records.len());
                {
                    let key = new
                        .as_ref()
                        .map(|e| &e.key)
                        .unwrap_or_else(|| &self.students[&sid].key);
                    for r in records {
                        heads.push(self.insert_record(&tx, sid, key, r, None)?);
                    }
                }
                report.records += heads.len() as i32;
                seen.insert(lookup, changes.len());
                changes.push(Change {
                    new,
                    lookup,
                    sid,
                    updated,
                    heads,
                });
            }
            self.flush_clock(&tx)?;
            let entry = AuditEntry {
                seq: 0,
                at: now_text(),
                actor: self.actor.clone(),
                action: AuditAction::Import,
                student_no: None,
                student_withheld: None,
                detail: format!(
                    "{detail_count} students: {} added, {} updated, {} unchanged, {} records",
                    report.added, report.updated, report.unchanged, report.records
                ),
            };
            let head = audit::append(&tx, &self.id, &self.keys.audit, self.head, &entry)?;
            tx.commit()?;
            drop((clock, cache));
            self.head = head;
            changes
        };
        for Change {
            new,
            lookup,
            sid,
            updated,
            heads,
        } in changes
        {
            if let Some(e) = new {
                self.by_lookup.insert(lookup, sid);
                self.students.insert(sid, e);
            }
            if let Some(s) = self.students.get_mut(&sid) {
                if let Some((v, p)) = updated {
                    s.version = v;
                    s.profile = p;
                }
                s.heads.extend(heads);
                s.heads
                    .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
            }
        }
        Ok(report)
    }

    /// Appends a record to a student's file; an amendment names the record it corrects, which is
    /// kept. Returns the new record's id.
    /// The author is the unlocked person, whatever was typed (a recovery-key session keeps it).
    pub fn add_record(&mut self, student_no: &str, mut record: NewRecord) -> Result<String> {
        record.author = self.author_of(&record.author);
        validate_record(&record)?;
        let sid = self.student_id(student_no)?;
        self.check_crisis_record(sid, &record)?;
        self.label_crisis_step(sid, &mut record)?;
        let amends = match &record.amends {
            Some(a) => {
                let a = parse_id(a)?;
                if !self.students[&sid].heads.iter().any(|h| h.id == a) {
                    return Err(Error::RecordNotFound);
                }
                Some(a)
            }
            None => None,
        };
        if matches!(record.body, RecordBody::ProfileAmendment(_)) {
            // A profile amendment is written only with the profile it describes (`amend_profile`).
            return Err(Error::refused("kind", Reason::AmendFieldValue));
        }
        // 休学 / 复学: a return is approved only with the certificate and the assessment on record;
        // an approved leave or return changes 学籍状态 in the same transaction.
        let new_status = match &record.body {
            RecordBody::LeaveReview(l) => {
                let marks = self.leave_marks(sid, amends, record.date);
                crate::rules::leave::check(l, &marks)?;
                crate::rules::leave::status_after(self.students[&sid].profile.status, l)
            }
            _ => None,
        };
        let sno = self.students[&sid].profile.student_no.clone();
        let mut detail = format!("{} record", record.body.kind_name());
        if new_status.is_some() {
            detail.push_str("; profile: status");
        }
        let (head, updated) = self.write(AuditAction::Write, Some(&sno), detail, |tx, me| {
            let s = &me.students[&sid];
            let head = me.insert_record(tx, sid, &s.key, &record, amends)?;
            let updated = match new_status {
                Some(status) => {
                    let profile = StudentProfile {
                        status,
                        ..s.profile.clone()
                    };
                    Some((me.update_profile(tx, s, &profile)?, profile))
                }
                None => None,
            };
            Ok((head, updated))
        })?;
        let id = head.id.to_string();
        if let Some(s) = self.students.get_mut(&sid) {
            if let Some((version, profile)) = updated {
                s.version = version;
                s.profile = profile;
            }
            s.heads.push(head);
            s.heads
                .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
        }
        Ok(id)
    }

    /// The leave reviews of a student's file as their headers show them, oldest first: those dated
    /// up to `until` (recorded first), not superseded, and not `amended` (the record an amendment
    /// being written replaces).
    fn leave_marks(
        &self,
        sid: i64,
        amended: Option<i64>,
        until: NaiveDate,
    ) -> Vec<crate::rules::leave::LeaveMark> {
        let heads = &self.students[&sid].heads;
        heads
            .iter()
            .filter(|h| h.date <= until)
            .filter(|h| Some(h.id) != amended && !heads.iter().any(|o| o.amends() == Some(h.id)))
            .filter_map(|h| {
                let f = h.facts.as_deref()?;
                Some(crate::rules::leave::LeaveMark {
                    date: h.date,
                    kind: f.leave?,
                    certificate: f.certificate,
                    assessed: f.assessed,
                    approved: f.approved,
                })
            })
            .collect()
    }

    /// Attaches a file (scanned certificate, PDF …) to a student's file, sealed. Returns the id of
    /// the attachment record.
    pub fn add_attachment(
        &mut self,
        student_no: &str,
        date: NaiveDate,
        author: &str,
        meta: Attachment,
        content: &[u8],
    ) -> Result<String> {
        if content.len() > ATTACHMENT_LIMIT_MB as usize * 1024 * 1024 {
            return Err(Error::TooLarge {
                limit_mb: ATTACHMENT_LIMIT_MB,
            });
        }
        let sid = self.student_id(student_no)?;
        let record = NewRecord {
            date,
            author: self.author_of(author),
            amends: None,
            amend_reason: String::new(),
            body: RecordBody::Attachment(Attachment {
                size: content.len() as i32,
                ..meta
            }),
        };
        let sno = self.students[&sid].profile.student_no.clone();
        let head = self.write(
            AuditAction::Write,
            Some(&sno),
            "attachment".into(),
            |tx, me| {
                let key = &me.students[&sid].key;
                let head = me.insert_record(tx, sid, key, &record, None)?;
                let sealed = crypto::seal(key, &attachment_binding(&me.id, head.id, sid), content);
                tx.execute(
                    "INSERT INTO attachments (id, student_id, content) VALUES (?1, ?2, ?3)",
                    params![head.id, sid, sealed],
                )?;
                Ok(head)
            },
        )?;
        let id = head.id.to_string();
        if let Some(s) = self.students.get_mut(&sid) {
            s.heads.push(head);
        }
        Ok(id)
    }

    /// The bytes of an attachment; audited as an export, since they leave the archive.
    pub fn attachment(&mut self, student_no: &str, record_id: &str) -> Result<Zeroizing<Vec<u8>>> {
        let sid = self.student_id(student_no)?;
        let rid = parse_id(record_id)?;
        let sealed: Vec<u8> = self
            .db
            .query_row(
                "SELECT content FROM attachments WHERE id = ?1 AND student_id = ?2",
                [rid, sid],
                |r| r.get(0),
            )
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Error::RecordNotFound,
                e => e.into(),
            })?;
        let content = crypto::open(
            &self.students[&sid].key,
            &attachment_binding(&self.id, rid, sid),
            &sealed,
            "an attachment",
        )?;
        let sno = self.students[&sid].profile.student_no.clone();
        self.write(
            AuditAction::Export,
            Some(&sno),
            "attachment".into(),
            |_, _| Ok(()),
        )?;
        Ok(content)
    }
}
