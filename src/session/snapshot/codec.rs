//! The snapshot's compact encoding: record kinds and write times as the index keeps them, and the
//! chunk plaintext (`Encoder`, `Decoder`), shared with the benchmarks' plaintext baseline.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone};
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use super::{Index, CHUNK};
use crate::crypto::Key;
use crate::model::{Guardian, StudentProfile};
use crate::session::{RecordHead, StudentEntry};

/// A record kind's name as the index keeps it (shared, no allocation for the known kinds).
#[doc(hidden)]
pub fn kind(name: &str) -> KindName {
    KindName::of(name)
}

/// The record kinds as `RecordBody::kind_name` names them.
const KINDS: [&str; 16] = [
    "screening",
    "talk",
    "parent_contact",
    "key_concern",
    "crisis",
    "plan",
    "referral",
    "leave_review",
    "attachment",
    "event",
    "waiver",
    "review",
    "crisis_report",
    "crisis_step",
    "crisis_close",
    "treatment",
];

/// A record kind's name in a header of the index: one of the known names by number, anything
/// else as it came. 16 bytes where a `Cow<'static, str>` takes 24, in a million headers at
/// 100,000 students. Compares, prints and serialises as the name.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindName {
    /// `KINDS[i]`.
    Known(u8),
    /// A name this build does not know.
    Other(Box<str>),
}

impl KindName {
    /// The index's form of `name`.
    pub fn of(name: &str) -> KindName {
        match KINDS.iter().position(|k| *k == name) {
            Some(i) => KindName::Known(i as u8),
            None => KindName::Other(name.into()),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        match self {
            KindName::Known(i) => KINDS.get(usize::from(*i)).copied().unwrap_or_default(),
            KindName::Other(name) => name,
        }
    }
}

impl std::ops::Deref for KindName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for KindName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for KindName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for KindName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for KindName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for KindName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(KindName::of(&name))
    }
}

/// When a record was written, as the header's RFC 3339 text (`2026-11-20T09:30:00+08:00`), kept
/// without a heap string of its own when it has the form `now_text` writes: a million headers
/// at 100,000 students, so 48 bytes each are 48 MB. Compares, prints and serialises exactly as
/// the text does. 16 bytes: the compact form packs the local time and the offset into one
/// integer, so it fits beside the text's box (docs/benchmarks.md, "Memory").
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WrittenAt {
    /// The local date and time as seconds from 1970 (read as UTC), shifted left by 16 bits, and
    /// the offset in minutes in the low 16 bits (see [`WrittenAt::local_offset`]).
    Compact(i64),
    /// Any other text, as it came.
    Text(Box<str>),
}

impl WrittenAt {
    /// The compact form of a local time (years 0000 to 9999: under 2^39 seconds either side of
    /// 1970, so the shift cannot overflow) and an offset in minutes.
    pub fn packed(local: i64, offset_min: i16) -> WrittenAt {
        WrittenAt::Compact((local << 16) | i64::from(offset_min as u16))
    }

    /// The local time and offset of the compact form.
    pub fn local_offset(&self) -> Option<(i64, i16)> {
        match self {
            WrittenAt::Compact(p) => Some((p >> 16, (p & 0xFFFF) as u16 as i16)),
            WrittenAt::Text(_) => None,
        }
    }

    fn compact(text: &str) -> Option<WrittenAt> {
        let t = chrono::DateTime::parse_from_rfc3339(text).ok()?;
        let offset_min = i16::try_from(t.offset().local_minus_utc() / 60).ok()?;
        let local = t.naive_local().and_utc().timestamp();
        // Years 0000 to 9999 only, where the number orders as the text does.
        if !(-62_167_219_200..=253_402_300_799).contains(&local) {
            return None;
        }
        let w = WrittenAt::packed(local, offset_min);
        // Only when the text comes back byte for byte (seconds, numeric offset, 4-digit year).
        (w.to_string() == text).then_some(w)
    }

    /// The order of the text: the local time, then the offset as text sorts ('+' before '-').
    fn key(&self) -> Option<(i64, u8, i16)> {
        match self.local_offset()? {
            (local, offset_min) if offset_min >= 0 => Some((local, 0, offset_min)),
            (local, offset_min) => Some((local, 1, -offset_min)),
        }
    }
}

impl From<&str> for WrittenAt {
    fn from(text: &str) -> Self {
        WrittenAt::compact(text).unwrap_or_else(|| WrittenAt::Text(text.into()))
    }
}

impl From<String> for WrittenAt {
    fn from(text: String) -> Self {
        WrittenAt::compact(&text).unwrap_or_else(|| WrittenAt::Text(text.into_boxed_str()))
    }
}

impl std::fmt::Display for WrittenAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WrittenAt::Compact(_) => {
                let (local, offset_min) = self.local_offset().unwrap_or_default();
                let offset = chrono::FixedOffset::east_opt(i32::from(offset_min) * 60);
                let local = chrono::DateTime::from_timestamp(local, 0).map(|t| t.naive_utc());
                match (
                    offset,
                    local.and_then(|l| offset?.from_local_datetime(&l).single()),
                ) {
                    (Some(_), Some(t)) => {
                        f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
                    }
                    _ => Ok(()),
                }
            }
            WrittenAt::Text(t) => f.write_str(t),
        }
    }
}

impl Ord for WrittenAt {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self.key(), other.key()) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.to_string().cmp(&other.to_string()),
        }
    }
}

impl PartialOrd for WrittenAt {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for WrittenAt {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for WrittenAt {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(WrittenAt::from(&*text))
    }
}

/// One chunk's plaintext: a table of small JSON values (enums, shared by many rows), then the
/// students. Integers little-endian, strings and byte runs u32-length-prefixed. Public for the
/// plaintext baseline of the benchmarks, which writes the same encoding unsealed.
#[doc(hidden)]
pub struct Encoder {
    pub(super) body: Zeroizing<Vec<u8>>,
    count: u32,
    values: HashMap<String, u32>,
    table: Vec<String>,
}

const NO_DATE: i32 = i32::MIN;

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

#[doc(hidden)]
impl Encoder {
    pub fn new() -> Self {
        Encoder {
            // Reserved once: growing by reallocation would leave unwiped copies behind.
            body: Zeroizing::new(Vec::with_capacity(2 * CHUNK)),
            count: 0,
            values: HashMap::new(),
            table: Vec::new(),
        }
    }

    /// Bytes of students so far in this chunk.
    pub fn len(&self) -> usize {
        self.body.len()
    }
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }
    /// Counts one more student in this chunk.
    pub fn begin_student(&mut self) {
        self.count += 1;
    }
    pub fn u8(&mut self, v: u8) {
        self.body.push(v);
    }
    pub fn raw(&mut self, v: &[u8]) {
        self.body.extend_from_slice(v);
    }

    pub fn finish(&mut self) -> Zeroizing<Vec<u8>> {
        let table_len: usize = self.table.iter().map(|t| 4 + t.len()).sum();
        let mut out = Zeroizing::new(Vec::with_capacity(8 + table_len + self.body.len()));
        out.extend_from_slice(&(self.table.len() as u32).to_le_bytes());
        for t in &self.table {
            out.extend_from_slice(&(t.len() as u32).to_le_bytes());
            out.extend_from_slice(t.as_bytes());
        }
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.body);
        self.body.clear();
        self.count = 0;
        self.values.clear();
        self.table.clear();
        out
    }

    pub fn u32(&mut self, v: u32) {
        self.body.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.body.extend_from_slice(&v.to_le_bytes());
    }
    pub fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.body.extend_from_slice(v);
    }
    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
    pub fn date(&mut self, v: Option<NaiveDate>) {
        let d = v.map_or(NO_DATE, |d| chrono::Datelike::num_days_from_ce(&d));
        self.body.extend_from_slice(&d.to_le_bytes());
    }
    pub fn opt_i64(&mut self, v: Option<i64>) {
        self.body.push(u8::from(v.is_some()));
        self.i64(v.unwrap_or(0));
    }
    pub fn written_at(&mut self, w: &WrittenAt) {
        match w {
            WrittenAt::Compact(_) => {
                let (local, offset_min) = w.local_offset().unwrap_or_default();
                self.u8(0);
                self.i64(local);
                self.raw(&offset_min.to_le_bytes());
            }
            WrittenAt::Text(t) => {
                self.u8(1);
                self.str(t);
            }
        }
    }
    /// A small value many rows share (an enum): its JSON goes in the chunk's table once.
    pub fn value<T: Serialize>(&mut self, v: &T) {
        let json = serde_json::to_string(v).unwrap_or_default();
        let next = self.table.len() as u32;
        let i = *self.values.entry(json.clone()).or_insert(next);
        if i == next {
            self.table.push(json);
        }
        self.u32(i);
    }
    /// A value of its own (rare: engine facts, off-campus housing) as inline JSON.
    pub fn json<T: Serialize>(&mut self, v: &T) {
        let json = Zeroizing::new(serde_json::to_vec(v).unwrap_or_default());
        self.bytes(&json);
    }

    pub(super) fn student(&mut self, s: &StudentEntry, lookup: &[u8; 16]) {
        self.begin_student();
        self.i64(s.id);
        self.i64(s.version);
        self.body.extend_from_slice(&s.key[..]);
        self.body.extend_from_slice(lookup);
        self.profile(&s.profile);
        self.u32(s.heads.len() as u32);
        for h in &s.heads {
            self.head(h);
        }
    }

    pub fn profile(&mut self, p: &StudentProfile) {
        // Destructured in full: a new profile field does not compile until it is encoded here
        // (and FORMAT bumped).
        let StudentProfile {
            student_no,
            name,
            gender,
            birth_date,
            college,
            major,
            class_name,
            dorm,
            grade,
            level,
            status,
            phone,
            home_address,
            guardians,
            off_campus,
        } = p;
        for s in [
            student_no,
            name,
            college,
            major,
            class_name,
            dorm,
            grade,
            phone,
            home_address,
        ] {
            self.str(s);
        }
        self.value(gender);
        self.date(*birth_date);
        self.value(level);
        self.value(status);
        self.u32(guardians.len() as u32);
        for Guardian {
            name,
            relation,
            phone,
        } in guardians
        {
            self.str(name);
            self.str(relation);
            self.str(phone);
        }
        self.json(off_campus);
    }

    fn head(&mut self, h: &RecordHead) {
        let RecordHead {
            id,
            written_at,
            date,
            kind,
            amends,
            category,
            concern,
            concern_until,
            crisis,
            follow_up,
            facts,
        } = h;
        self.i64(*id);
        self.written_at(written_at);
        self.date(Some(*date));
        self.str(kind);
        self.opt_i64(amends.map(std::num::NonZeroI64::get));
        self.value(category);
        self.value(concern);
        self.date(*concern_until);
        self.value(crisis);
        self.date(*follow_up);
        self.body.push(u8::from(facts.is_some()));
        if let Some(f) = facts {
            self.json(f);
        }
    }
}

#[doc(hidden)]
pub struct Decoder<'a> {
    buf: &'a [u8],
    table: Vec<&'a [u8]>,
}

/// Each table value parsed once per chunk, at its first use.
#[doc(hidden)]
pub struct Cache<T>(Vec<Option<T>>);

/// The profile's shared values, parsed once per chunk.
#[doc(hidden)]
pub struct ProfileCaches {
    gender: Cache<Option<crate::model::Gender>>,
    level: Cache<crate::model::DegreeLevel>,
    status: Cache<crate::model::StudentStatus>,
}

#[doc(hidden)]
impl<'a> Decoder<'a> {
    /// A cache for one kind of shared value of this chunk.
    pub fn cache<T: Clone>(&self) -> Cache<T> {
        Cache(vec![None; self.table.len()])
    }
    pub fn profile_caches(&self) -> ProfileCaches {
        ProfileCaches {
            gender: self.cache(),
            level: self.cache(),
            status: self.cache(),
        }
    }
    /// Whether the chunk is read to its end.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn new(plain: &'a [u8]) -> Option<Self> {
        let mut d = Decoder {
            buf: plain,
            table: Vec::new(),
        };
        let n = d.u32()? as usize;
        for _ in 0..n {
            let v = d.bytes()?;
            d.table.push(v);
        }
        Some(d)
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.buf.len() < n {
            return None;
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Some(a)
    }
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    pub fn string(&mut self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_string)
    }
    pub fn date(&mut self) -> Option<Option<NaiveDate>> {
        let d = i32::from_le_bytes(self.take(4)?.try_into().ok()?);
        if d == NO_DATE {
            return Some(None);
        }
        NaiveDate::from_num_days_from_ce_opt(d).map(Some)
    }
    pub fn opt_i64(&mut self) -> Option<Option<i64>> {
        let some = self.u8()?;
        let v = self.i64()?;
        Some((some == 1).then_some(v))
    }
    pub fn value<T: DeserializeOwned + Clone>(&mut self, cache: &mut Cache<T>) -> Option<T> {
        let i = self.u32()? as usize;
        let slot = cache.0.get_mut(i)?;
        if slot.is_none() {
            *slot = Some(serde_json::from_slice(self.table.get(i)?).ok()?);
        }
        slot.clone()
    }
    pub fn written_at(&mut self) -> Option<WrittenAt> {
        match self.u8()? {
            0 => {
                let local = self.i64()?;
                let offset_min = i16::from_le_bytes(self.take(2)?.try_into().ok()?);
                // Only what the writer's range allows: the packing must not overflow.
                if !(-62_167_219_200..=253_402_300_799).contains(&local) {
                    return None;
                }
                Some(WrittenAt::packed(local, offset_min))
            }
            1 => Some(WrittenAt::Text(
                std::str::from_utf8(self.bytes()?).ok()?.into(),
            )),
            _ => None,
        }
    }
    pub fn json<T: DeserializeOwned>(&mut self) -> Option<T> {
        serde_json::from_slice(self.bytes()?).ok()
    }

    pub fn profile(&mut self, caches: &mut ProfileCaches) -> Option<StudentProfile> {
        let mut s = [const { String::new() }; 9];
        for v in &mut s {
            *v = self.string()?;
        }
        let [student_no, name, college, major, class_name, dorm, grade, phone, home_address] = s;
        let gender = self.value(&mut caches.gender)?;
        let birth_date = self.date()?;
        let level = self.value(&mut caches.level)?;
        let status = self.value(&mut caches.status)?;
        let g = self.u32()? as usize;
        let mut guardians = Vec::with_capacity(g.min(64));
        for _ in 0..g {
            guardians.push(Guardian {
                name: self.string()?,
                relation: self.string()?,
                phone: self.string()?,
            });
        }
        let off_campus = self.json()?;
        Some(StudentProfile {
            student_no,
            name,
            gender,
            birth_date,
            college,
            major,
            class_name,
            dorm,
            grade,
            level,
            status,
            phone,
            home_address,
            guardians,
            off_campus,
        })
    }

    pub(super) fn students(&mut self, index: &mut Index) -> Option<()> {
        let mut profile_caches = self.profile_caches();
        let mut caches = (self.cache(), self.cache(), self.cache());
        let count = self.u32()?;
        for _ in 0..count {
            let id = self.i64()?;
            let version = self.i64()?;
            let key: Key = Zeroizing::new(self.take(32)?.try_into().ok()?);
            let lookup: [u8; 16] = self.take(16)?.try_into().ok()?;
            let profile = self.profile(&mut profile_caches)?;
            let h = self.u32()? as usize;
            // Bounded by what the chunk can hold (a header is at least 40 bytes).
            let mut heads = Vec::with_capacity(h.min(self.buf.len() / 40));
            for _ in 0..h {
                let id = self.i64()?;
                let written_at = self.written_at()?;
                let date = self.date()??;
                let kind = KindName::of(std::str::from_utf8(self.bytes()?).ok()?);
                // Ids are positive: a zero is damage, not "none".
                let amends = match self.opt_i64()? {
                    Some(a) => Some(std::num::NonZeroI64::new(a)?),
                    None => None,
                };
                let category = self.value(&mut caches.0)?;
                let concern = self.value(&mut caches.1)?;
                let concern_until = self.date()?;
                let crisis = self.value(&mut caches.2)?;
                let follow_up = self.date()?;
                let facts = match self.u8()? {
                    0 => None,
                    _ => Some(Box::new(self.json()?)),
                };
                heads.push(RecordHead {
                    id,
                    written_at,
                    date,
                    kind,
                    amends,
                    category,
                    concern,
                    concern_until,
                    crisis,
                    follow_up,
                    facts,
                });
            }
            if index.by_lookup.insert(lookup, id).is_some() {
                return None;
            }
            let entry = StudentEntry {
                id,
                key,
                version,
                profile,
                heads,
            };
            if index.students.insert(id, entry).is_some() {
                return None;
            }
        }
        self.buf.is_empty().then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_at_prints_and_orders_as_its_text() {
        let texts = [
            "2026-11-20T09:30:00+08:00",
            "2026-11-20T09:30:00+09:00",
            "2026-11-20T09:30:00+05:30",
            "2026-11-20T09:30:00-05:00",
            "2026-11-20T09:30:00-08:00",
            "2026-11-20T09:30:00+00:00",
            "2026-11-20T09:30:01+08:00",
            "2026-11-20T01:30:00Z",
            "2026-11-20T09:30:00.5+08:00",
            "1999-01-01T00:00:00+08:00",
            "not a time",
            "",
        ];
        let compact = texts
            .iter()
            .filter(|t| matches!(WrittenAt::from(**t), WrittenAt::Compact(_)));
        assert_eq!(compact.count(), 8);
        for a in texts {
            assert_eq!(WrittenAt::from(a).to_string(), a);
            assert_eq!(
                serde_json::to_string(&WrittenAt::from(a)).unwrap(),
                serde_json::to_string(a).unwrap()
            );
            for b in texts {
                assert_eq!(
                    WrittenAt::from(a).cmp(&WrittenAt::from(b)),
                    a.cmp(b),
                    "{a} {b}"
                );
            }
        }
    }
    #[test]
    fn a_record_header_stays_small() {
        assert_eq!(std::mem::size_of::<WrittenAt>(), 16);
        assert_eq!(std::mem::size_of::<super::KindName>(), 16);
        assert!(std::mem::size_of::<crate::session::RecordHead>() <= 72);
        for t in ["1999-01-01T00:00:00+08:00", "2026-11-20T09:30:00-05:30"] {
            assert!(matches!(WrittenAt::from(t), WrittenAt::Compact(_)));
            assert_eq!(WrittenAt::from(t).to_string(), t);
        }
        for k in ["talk", "review", "something-new"] {
            assert_eq!(super::KindName::of(k).as_str(), k);
            assert_eq!(
                serde_json::to_string(&super::KindName::of(k)).unwrap(),
                format!("\"{k}\"")
            );
        }
    }
}
