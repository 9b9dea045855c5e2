use super::*;

/// The sealed header of a record: what lists, search and dashboards need without the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct RecordHead {
    #[serde(skip)]
    pub(super) id: i64,
    pub(super) written_at: snapshot::WrittenAt,
    pub(super) date: NaiveDate,
    /// The record kind's name; one of the known names without an allocation of its own.
    pub(super) kind: snapshot::KindName,
    /// The record this one corrects (ids are positive, so the option costs no extra word).
    pub(super) amends: Option<std::num::NonZeroI64>,
    pub(super) category: Option<TalkCategory>,
    pub(super) concern: Option<ConcernLevel>,
    pub(super) concern_until: Option<NaiveDate>,
    pub(super) crisis: Option<CrisisLevel>,
    pub(super) follow_up: Option<NaiveDate>,
    /// What the obligation engine needs beyond the above (absent in headers written before it).
    /// Boxed: most records have none, and the index holds a header per record (a million at
    /// 100,000 students), so 80 bytes saved here are 80 MB (docs/benchmarks.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) facts: Option<Box<crate::rules::engine::Facts>>,
}

impl RecordHead {
    /// The id of the record this one corrects.
    pub(super) fn amends(&self) -> Option<i64> {
        self.amends.map(std::num::NonZeroI64::get)
    }

    pub(super) fn of(id: i64, record: &NewRecord, amends: Option<i64>) -> Self {
        let mut h = RecordHead {
            id,
            written_at: now_text().into(),
            date: record.date,
            kind: snapshot::KindName::of(record.body.kind_name()),
            amends: amends.and_then(std::num::NonZeroI64::new),
            category: None,
            concern: None,
            concern_until: None,
            crisis: None,
            follow_up: None,
            facts: crate::rules::engine::Facts::of(&record.body).map(Box::new),
        };
        match &record.body {
            RecordBody::Talk(t) => {
                h.category = Some(t.category);
                h.follow_up = t.follow_up;
            }
            RecordBody::KeyConcern(k) => {
                h.concern = Some(k.level);
                h.concern_until = k.until;
            }
            RecordBody::Crisis(c) => h.crisis = Some(c.level),
            // A weekly-review decision changes the concern level like a key-concern record does.
            RecordBody::Review(r) => (h.concern, h.concern_until) = r.concern_change(record.date),
            _ => {}
        }
        h
    }
}

pub(super) struct StudentEntry {
    pub(super) id: i64,
    pub(super) key: Key,
    pub(super) version: i64,
    pub(super) profile: StudentProfile,
    pub(super) heads: Vec<RecordHead>,
}

impl StudentEntry {
    /// The concern level in force today: the latest key-concern record not superseded and not ended.
    pub(super) fn concern(&self, today: NaiveDate) -> Option<ConcernLevel> {
        desk::concern_level(
            &self.heads,
            |h| desk::ConcernMark {
                id: h.id,
                amends: h.amends(),
                date: h.date,
                written_at: &h.written_at,
                concern: h.concern,
                concern_until: h.concern_until,
            },
            today,
        )
    }

    pub(super) fn summary(&self, today: NaiveDate) -> StudentSummary {
        desk::student_summary(
            self.id,
            &self.profile,
            self.concern(today),
            self.heads.len(),
        )
    }
}

pub(super) fn blind_lookup(keys: &SessionKeys, student_no: &str) -> [u8; 16] {
    crypto::blind_index(
        &keys.index,
        "student_no",
        &normalize::identifier(student_no),
    )
}

impl Session {
    pub(super) fn lookup(&self, student_no: &str) -> [u8; 16] {
        blind_lookup(&self.keys, student_no)
    }

    /// Builds the index from the rows: every data key, profile and record header opened.
    /// Only the students whose data key one of the person's assigned caseloads opens (or, in an
    /// archive from before people, the archive key) are in it.
    pub(super) fn build_index(
        db: &Connection,
        id: &[u8; 16],
        keys: &SessionKeys,
        caseloads: &super::caseloads::Caseloads,
        legacy_keys: bool,
        every_held: bool,
    ) -> Result<snapshot::Index> {
        let id = *id;
        let mut students = HashMap::new();
        let mut by_lookup = HashMap::new();
        // Students whose rows are there but whose keys this person does not hold.
        let mut others = std::collections::HashSet::new();
        let assigned = caseloads.shown(every_held);
        // Each student's wrap under an assigned caseload, read first: a few bytes per student.
        let mut wraps: HashMap<i64, (i64, Vec<u8>)> = HashMap::new();
        {
            let mut stmt =
                db.prepare("SELECT student_id, caseload_id, wrapped FROM student_wraps")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let cid: i64 = r.get(1)?;
                if assigned.contains_key(&cid) {
                    wraps.insert(r.get(0)?, (cid, r.get(2)?));
                }
            }
        }
        {
            let mut stmt =
                db.prepare("SELECT id, lookup, data_key, version, profile FROM students")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let sid: i64 = r.get(0)?;
                let lookup = blob(r, 1, "a student index")?;
                let legacy = blob(r, 2, "a student's data key")?;
                let version: i64 = r.get(3)?;
                let sealed = blob(r, 4, "a student profile")?;
                let raw = match wraps.get(&sid) {
                    Some((cid, wrapped)) => crypto::open(
                        assigned[cid],
                        &super::caseloads::wrap_binding(&id, *cid, sid),
                        wrapped,
                        "a student's data key",
                    )?,
                    None if legacy_keys && !legacy.is_empty() => crypto::open(
                        &keys.master,
                        &key_binding(&id, sid),
                        legacy,
                        "a student's data key",
                    )?,
                    // Not this person's: it never reaches the index.
                    None => {
                        others.insert(sid);
                        continue;
                    }
                };
                let key: Key = super::caseloads::key_from(&raw)?;
                let plain = crypto::open(
                    &key,
                    &profile_binding(&id, sid, version),
                    sealed,
                    "a student profile",
                )?;
                let profile: StudentProfile = from_json(&plain, "a student profile")?;
                let lookup: [u8; 16] = lookup
                    .try_into()
                    .map_err(|_| Error::Tamper("a student index"))?;
                by_lookup.insert(lookup, sid);
                students.insert(
                    sid,
                    StudentEntry {
                        id: sid,
                        key,
                        version,
                        profile,
                        heads: Vec::new(),
                    },
                );
            }
            // Each file's header list sized exactly: grown by doubling it would hold up to twice
            // the memory, and the index is most of an unlocked archive's memory.
            let mut stmt =
                db.prepare("SELECT student_id, count(*) FROM records GROUP BY student_id")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let sid: i64 = r.get(0)?;
                let n: i64 = r.get(1)?;
                if let Some(s) = students.get_mut(&sid) {
                    s.heads.reserve_exact(usize::try_from(n).unwrap_or(0));
                }
            }
            Self::read_heads(db, &id, &mut students, &others)?;
        }
        // The lookup column must match the profiles: a swapped row is tampering.
        for (lookup, sid) in &by_lookup {
            let s = &students[sid];
            if blind_lookup(keys, &s.profile.student_no) != *lookup {
                return Err(Error::Tamper("a student index"));
            }
        }
        Ok(snapshot::Index {
            students,
            by_lookup,
        })
    }

    /// Every record header into its student's list, sorted by date and time written. The rows
    /// are read and opened here and handed over in batches to a second thread, which parses
    /// them (a JSON parse and a header built each, a million at 100,000 students): on two cores
    /// SQLite with the AES-GCM pass and the parsing run side by side. The plaintext baseline
    /// splits its rebuild the same way, so the ratio compares the same pipeline with and without
    /// the cryptography.
    pub(super) fn read_heads(
        db: &Connection,
        id: &[u8; 16],
        students: &mut HashMap<i64, StudentEntry>,
        others: &std::collections::HashSet<i64>,
    ) -> Result<()> {
        /// Rows per batch.
        const BATCH: usize = 1024;
        /// Opened headers in one batch's buffer: reserved once and never grown, since growing
        /// would leave an unwiped copy of the plaintext behind.
        const BYTES: usize = 1 << 20;
        struct Batch {
            plain: Zeroizing<Vec<u8>>,
            rows: Vec<(i64, i64, std::ops::Range<usize>)>,
        }
        let fresh = || Batch {
            plain: Zeroizing::new(Vec::with_capacity(BYTES)),
            rows: Vec::with_capacity(BATCH),
        };
        // The lists (sized exactly above) move to the parser and come back filled.
        let mut files: HashMap<i64, Vec<RecordHead>> = students
            .iter_mut()
            .map(|(sid, s)| (*sid, std::mem::take(&mut s.heads)))
            .collect();
        let keys: &HashMap<i64, StudentEntry> = students;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(4);
        let parsed = std::thread::scope(|scope| {
            let parser = scope.spawn(move || -> Result<HashMap<i64, Vec<RecordHead>>> {
                for batch in rx {
                    for (rid, sid, at) in batch.rows {
                        let heads = files
                            .get_mut(&sid)
                            .ok_or(Error::Tamper("a record's student"))?;
                        let mut head: RecordHead = from_json(&batch.plain[at], "a record header")?;
                        head.id = rid;
                        heads.push(head);
                    }
                }
                for heads in files.values_mut() {
                    heads.sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
                }
                Ok(files)
                // An error drops `rx`, which ends the reading below.
            });
            let read = (|| -> Result<()> {
                let mut stmt = db.prepare("SELECT id, student_id, header FROM records")?;
                let mut rows = stmt.query([])?;
                let mut batch = fresh();
                while let Some(r) = rows.next()? {
                    let rid: i64 = r.get(0)?;
                    let sid: i64 = r.get(1)?;
                    // Another person's student: not this index's. A record whose student row
                    // is gone is tampering.
                    let Some(entry) = keys.get(&sid) else {
                        if others.contains(&sid) {
                            continue;
                        }
                        return Err(Error::Tamper("a record's student"));
                    };
                    let key = &entry.key;
                    let sealed = blob(r, 2, "a record header")?;
                    // The plaintext is at most the sealed body's length.
                    if (batch.rows.len() == BATCH
                        || batch.plain.len() + sealed.len() > batch.plain.capacity())
                        && !batch.rows.is_empty()
                        && tx.send(std::mem::replace(&mut batch, fresh())).is_err()
                    {
                        // The parser stopped at an error; it reports it below.
                        return Ok(());
                    }
                    let at = batch.plain.len();
                    crypto::open_append(
                        key,
                        &head_binding(id, rid, sid),
                        sealed,
                        "a record header",
                        &mut batch.plain,
                    )?;
                    batch.rows.push((rid, sid, at..batch.plain.len()));
                }
                let _ = tx.send(batch);
                Ok(())
            })();
            drop(tx);
            let parsed = match parser.join() {
                Ok(parsed) => parsed,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // A read error first: the parser may only have seen the batches before it.
            read.and(parsed)
        })?;
        for (sid, heads) in parsed {
            if let Some(s) = students.get_mut(&sid) {
                s.heads = heads;
            }
        }
        Ok(())
    }

    /// Writes the index snapshot if the snapshot on disk is not already this index's. Skipped
    /// when another connection wrote since the index was loaded: the rows may then hold more
    /// than the index, and a snapshot must never claim them.
    pub(crate) fn save_snapshot(&mut self) -> Result<()> {
        let stamp = {
            let tx = self.db.unchecked_transaction()?;
            let stamp = snapshot::read_stamp(&tx)?;
            let foreign = snapshot::data_version(&tx)? != self.data_version;
            let stamp = match stamp {
                Some(s) if !foreign && self.snapshot_stamp != Some(s) => s,
                _ => return Ok(()),
            };
            // A person who sees part of the archive cannot compare with every row.
            if self.students.len() as i64 == snapshot::rows_fingerprint(&tx)?[0]
                && snapshot::rows_fingerprint(&tx)? != snapshot::index_fingerprint(&self.students)
            {
                return Ok(());
            }
            tx.commit()?;
            stamp
        };
        let Some(file) = &self.snapshot_file else {
            return Ok(());
        };
        snapshot::write(
            &self.dir.join(file),
            &self.id,
            &self.keys.snapshot,
            &stamp,
            &self.students,
            &self.by_lookup,
        )?;
        self.snapshot_stamp = Some(stamp);
        Ok(())
    }

    /// Removes the index snapshot on disk and writes this index's in its place (best effort:
    /// without one the next unlock rebuilds from the rows).
    pub(crate) fn replace_snapshot(&mut self) {
        // Overwritten before it is unlinked: its bytes must not outlive the files it indexed.
        // Every person's snapshot, not only this person's.
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("index") && name.ends_with(".snapshot") {
                    let _ = snapshot::shred(&e.path());
                }
            }
        }
        self.snapshot_stamp = None;
        let _ = self.save_snapshot();
    }

    /// Whether this session's index was read from the snapshot (for tests and benchmarks).
    #[doc(hidden)]
    pub fn index_from_snapshot(&self) -> bool {
        self.from_snapshot
    }

    /// The data key of student `sid`, when this session can open it (the audit log seals the
    /// 学号 of its entries under it).
    pub(super) fn student_key(&self, sid: i64) -> Option<&Key> {
        self.students.get(&sid).map(|s| &s.key)
    }

    pub(super) fn student_id(&self, student_no: &str) -> Result<i64> {
        self.by_lookup
            .get(&self.lookup(student_no))
            .copied()
            .ok_or(Error::StudentNotFound)
    }

    /// Every student, ordered by 学号.
    pub fn list_students(&self) -> Vec<StudentSummary> {
        let today = chrono::Local::now().date_naive();
        let mut out: Vec<_> = self.students.values().map(|s| s.summary(today)).collect();
        out.sort_by(|a, b| a.student_no.cmp(&b.student_no));
        out
    }

    /// The app's student list, unless `known` (a version this session gave) names it as it is.
    pub fn student_list(&self, known: Option<&str>) -> StudentList {
        let today = chrono::Local::now().date_naive();
        let version = format!("{}-{today}", self.students.generation());
        let columns = (known != Some(version.as_str())).then(|| self.student_columns());
        StudentList { version, columns }
    }

    /// Every student, ordered by 学号, column by column (what the app's list reads).
    pub fn student_columns(&self) -> StudentColumns {
        /// Each distinct value once, and its index.
        #[derive(Default)]
        struct Interned<'a> {
            index: HashMap<&'a str, i32>,
            values: Vec<String>,
        }
        impl<'a> Interned<'a> {
            fn get(&mut self, v: &'a str) -> i32 {
                *self.index.entry(v).or_insert_with(|| {
                    self.values.push(v.to_string());
                    self.values.len() as i32 - 1
                })
            }
        }
        let today = chrono::Local::now().date_naive();
        let mut entries: Vec<&StudentEntry> = self.students.values().collect();
        entries.sort_unstable_by(|a, b| a.profile.student_no.cmp(&b.profile.student_no));
        let n = entries.len();
        let mut out = StudentColumns {
            student_no: Vec::with_capacity(n),
            name: Vec::with_capacity(n),
            initials: Vec::with_capacity(n),
            college: Vec::with_capacity(n),
            class_name: Vec::with_capacity(n),
            dorm: Vec::with_capacity(n),
            grade: Vec::with_capacity(n),
            status: Vec::with_capacity(n),
            record_count: Vec::with_capacity(n),
            ..StudentColumns::default()
        };
        let [mut colleges, mut classes, mut dorms, mut grades] =
            [(); 4].map(|_| Interned::default());
        for (i, s) in entries.into_iter().enumerate() {
            let p = &s.profile;
            out.student_no.push(p.student_no.clone());
            out.name.push(p.name.clone());
            out.initials.push(desk::initials(&p.name));
            out.college.push(colleges.get(&p.college));
            out.class_name.push(classes.get(&p.class_name));
            out.dorm.push(dorms.get(&p.dorm));
            out.grade.push(grades.get(&p.grade));
            out.status.push(p.status);
            if let Some(level) = s.concern(today) {
                out.concern_index.push(i as i32);
                out.concern_level.push(level);
            }
            out.record_count.push(s.heads.len() as i32);
        }
        out.colleges = colleges.values;
        out.classes = classes.values;
        out.dorms = dorms.values;
        out.grades = grades.values;
        out
    }

    /// Number of students.
    pub fn student_count(&self) -> usize {
        self.students.len()
    }

    /// The profile of one student, without opening the file (no records, not audited).
    pub fn profile(&self, student_no: &str) -> Result<&StudentProfile> {
        let sid = self.student_id(student_no)?;
        Ok(&self.students[&sid].profile)
    }
}
