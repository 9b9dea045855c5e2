//! The counseling center's side (心理中心): the school-wide picture by college (全校概况), the
//! flagged-student lists (普查筛查名单) and the state of every peer site. All of it runs on the
//! in-memory index; nothing here opens a record body.

use std::collections::{BTreeMap, HashMap};

use typeshare::typeshare;

use super::*;
use crate::site::SiteProfile;

/// One college in the school-wide picture.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollegeOverview {
    /// 学院, as the profiles name it.
    pub college: String,
    /// Students on file.
    pub students: i32,
    /// Of those, still at school (enrolled or on leave).
    pub at_school: i32,
    /// Students with at least one screening result (心理普查).
    pub screened: i32,
    /// Students whose latest screening result is flagged for a follow-up interview.
    pub flagged: i32,
    /// Students on the key-concern list today, by level: 一般关注.
    pub concern_general: i32,
    /// 重点关注.
    pub concern_key: i32,
    /// 特别关注.
    pub concern_special: i32,
    /// Students with a crisis assessment (A–D) on file.
    pub crisis: i32,
    /// The peer sites that sent files of this college (names), sorted.
    pub sites: Vec<String>,
}

/// A trusted peer site and how far sync with it has come.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerStatus {
    /// The peer's profile (name, kind, keys, fingerprint).
    pub profile: SiteProfile,
    /// Bundles imported from it (the highest running number).
    pub bundles_received: i32,
    /// Its change sequence number up to which this archive holds everything it sent.
    pub changes_held: i32,
    /// Our change sequence number up to which it acknowledged everything (by receipt).
    pub acknowledged: i32,
    /// Our changes it may see that it has not acknowledged yet.
    pub unacknowledged: i32,
    /// Its audit log went backwards in a bundle (`Session::audit_alarms` says how).
    pub audit_alarm: bool,
}

/// The center's school-wide picture (also meaningful, with one college, at a college).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CenterOverview {
    /// One row per college, sorted by name.
    pub colleges: Vec<CollegeOverview>,
    /// The sum over all colleges (its `college` is empty).
    pub total: CollegeOverview,
    /// The peer sites.
    pub peers: Vec<PeerStatus>,
    /// Profile conflicts listed by imports, for a person to settle.
    pub conflicts: i32,
    /// Files handed over from here and waiting for their receipt (read-only until then).
    pub awaiting_receipt: i32,
}

impl StudentEntry {
    /// The latest screening not superseded, if any: whether it is flagged.
    fn latest_screening_flagged(&self) -> Option<bool> {
        let superseded: Vec<i64> = self.heads.iter().filter_map(|h| h.amends()).collect();
        self.heads
            .iter()
            .filter(|h| h.kind == "screening" && !superseded.contains(&h.id))
            .max_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)))
            .map(|h| h.facts.as_ref().is_some_and(|f| f.flagged))
    }
}

impl Session {
    /// The school-wide picture by college, the peers' sync state and the open conflicts. Counts
    /// only, no names: not audited as opening files.
    pub fn center_overview(&self) -> Result<CenterOverview> {
        let today = chrono::Local::now().date_naive();
        let origins = self.student_origins()?;
        let mut by_college: BTreeMap<String, CollegeOverview> = BTreeMap::new();
        for s in self.students.values() {
            let c = by_college
                .entry(s.profile.college.clone())
                .or_insert_with(|| CollegeOverview {
                    college: s.profile.college.clone(),
                    ..CollegeOverview::default()
                });
            c.students += 1;
            if matches!(
                s.profile.status,
                StudentStatus::Enrolled | StudentStatus::OnLeave
            ) {
                c.at_school += 1;
            }
            if let Some(flagged) = s.latest_screening_flagged() {
                c.screened += 1;
                c.flagged += i32::from(flagged);
            }
            match s.concern(today) {
                Some(ConcernLevel::General) => c.concern_general += 1,
                Some(ConcernLevel::Key) => c.concern_key += 1,
                Some(ConcernLevel::Special) => c.concern_special += 1,
                None => {}
            }
            if s.heads.iter().any(|h| h.crisis.is_some()) {
                c.crisis += 1;
            }
            for site in origins.get(&s.id).into_iter().flatten() {
                if !c.sites.contains(site) {
                    c.sites.push(site.clone());
                    c.sites.sort();
                }
            }
        }
        let mut total = CollegeOverview::default();
        for c in by_college.values() {
            total.students += c.students;
            total.at_school += c.at_school;
            total.screened += c.screened;
            total.flagged += c.flagged;
            total.concern_general += c.concern_general;
            total.concern_key += c.concern_key;
            total.concern_special += c.concern_special;
            total.crisis += c.crisis;
            for site in &c.sites {
                if !total.sites.contains(site) {
                    total.sites.push(site.clone());
                }
            }
        }
        total.sites.sort();
        let conflicts: i64 = self
            .db
            .query_row("SELECT count(*) FROM conflicts", [], |r| r.get(0))?;
        let awaiting: i64 = self
            .db
            .query_row("SELECT count(*) FROM handovers", [], |r| r.get(0))?;
        Ok(CenterOverview {
            colleges: by_college.into_values().collect(),
            total,
            peers: self.peer_status()?,
            conflicts: conflicts as i32,
            awaiting_receipt: awaiting as i32,
        })
    }

    /// The students whose latest screening result is flagged for a follow-up interview, of one
    /// college (by the profile's 学院) or of all; audited as a list read.
    pub fn flagged_students(&mut self, college: Option<&str>) -> Result<Vec<StudentSummary>> {
        let today = chrono::Local::now().date_naive();
        let mut out: Vec<StudentSummary> = self
            .students
            .values()
            .filter(|s| college.is_none_or(|c| s.profile.college == c))
            .filter(|s| s.latest_screening_flagged() == Some(true))
            .map(|s| s.summary(today))
            .collect();
        out.sort_by(|a, b| a.student_no.cmp(&b.student_no));
        let detail = format!("flagged-student list: {} students", out.len());
        self.log(AuditAction::ListStudents, None, &detail)?;
        Ok(out)
    }

    /// For each student, the names of the peer sites that sent changes of its profile (none for
    /// students written only here).
    fn student_origins(&self) -> Result<HashMap<i64, Vec<String>>> {
        let key = self.sync_key();
        let mut names: HashMap<[u8; 16], String> = HashMap::new();
        for p in self.peer_profiles()? {
            names.insert(self.origin_lookup(&key, Some(&p.site_id())), p.name);
        }
        let mut stmt = self
            .db
            .prepare("SELECT student_id, origin FROM ops WHERE kind = 0")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        for (sid, origin) in rows {
            let Ok(origin) = <[u8; 16]>::try_from(&origin[..]) else {
                continue;
            };
            if let Some(name) = names.get(&origin) {
                let list = out.entry(sid).or_default();
                if !list.contains(name) {
                    list.push(name.clone());
                }
            }
        }
        Ok(out)
    }
}
