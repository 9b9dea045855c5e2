//! The life of one student in the archive: what happens when (screening, key concern, crisis,
//! referral, leave), and the records a counselor writes about it, in date order.
//!
//! Dates are days from the common era (`i32`), converted to `NaiveDate` only when a record is built.

use super::rng::Rng;
use super::texts::{self, ContactKind, Ctx, KeyTimeKind, SpecialKind};
use crate::model::{
    ConcernLevel, ContactMethod, CrisisAssessment, CrisisClose, CrisisLevel, Guardian, KeyConcern,
    LeaveKind, LeaveReview, NewRecord, ParentContact, Plan, RecordBody, Referral, Screening,
    ScreeningResult, StudentStatus, Talk, TalkCategory,
};
use chrono::{Datelike, NaiveDate};

/// A day, as days from the common era (0001-01-01 is day 1, a Monday).
pub(crate) type Day = i32;

/// Days after which a synthetic crisis case is closed 结案 (a crisis this recent stays open).
const CRISIS_CLOSED_AFTER: Day = 60;

/// The day of a calendar date (0 for an impossible date, which the tables never produce).
pub(crate) fn ymd(y: i32, m: u32, d: u32) -> Day {
    NaiveDate::from_ymd_opt(y, m, d).map_or(0, |d| d.num_days_from_ce())
}

/// The calendar date of a day.
pub(crate) fn to_date(d: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d).unwrap_or_default()
}

/// 0 = Monday … 6 = Sunday.
fn weekday(d: Day) -> i32 {
    (d - 1).rem_euclid(7)
}

/// What the story of a student starts from.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    /// Today: nothing happens after it (except follow-up and review dates).
    pub today: Day,
    /// Day of enrolment 报到.
    pub enrol: Day,
    /// Enrolment year.
    pub year: i32,
    /// Planned graduation day.
    pub graduation: Day,
    /// The student belongs to the newest cohort (current freshmen).
    pub newest: bool,
    /// Graduate student.
    pub graduate: bool,
    /// The special group the student belongs to, if any.
    pub special: Option<SpecialKind>,
}

/// An entry on the key-concern list.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub day: Day,
    pub level: ConcernLevel,
    pub types: Vec<usize>,
    pub until: Option<Day>,
}

/// A referral.
#[derive(Debug, Clone)]
pub(crate) struct Referred {
    pub day: Day,
    /// Index into `texts::DIAGNOSES` when diagnosed by a hospital.
    pub diagnosis: Option<usize>,
    pub institution: &'static str,
}

/// A leave of absence and, perhaps, the return.
#[derive(Debug, Clone)]
pub(crate) struct Leave {
    pub day: Day,
    pub psych: bool,
    pub back: Option<Day>,
}

/// The events of a student's time at the college.
#[derive(Debug, Clone, Default)]
pub(crate) struct Story {
    /// Last day the student studies at school (today, graduation, departure or start of leave).
    pub study_end: Day,
    pub status: StudentStatus,
    pub screening: Option<(Day, ScreeningResult)>,
    pub hardship: bool,
    pub academic: bool,
    pub relationship: bool,
    pub key: Option<Key>,
    pub crisis: Option<(Day, usize)>,
    pub referral: Option<Referred>,
    pub leave: Option<Leave>,
}

impl Story {
    /// The student has a hospital diagnosis.
    pub(crate) fn diagnosed(&self) -> bool {
        self.referral
            .as_ref()
            .is_some_and(|r| r.diagnosis.is_some())
    }
}

/// Draws the events of a student's story.
pub(crate) fn plan(rng: &mut Rng, inp: &Input) -> Story {
    let today = inp.today;
    let mut st = Story {
        study_end: today,
        ..Story::default()
    };

    // Departures: graduation, withdrawal, transfer.
    let mut departed = false;
    if today >= inp.graduation && rng.chance(9_300) {
        st.status = StudentStatus::Graduated;
        st.study_end = inp.graduation;
        departed = true;
    } else if today - inp.enrol > 240 {
        let roll = rng.below(10_000);
        if roll < 60 {
            st.status = if roll < 40 {
                StudentStatus::Withdrawn
            } else {
                StudentStatus::Transferred
            };
            st.study_end = rng.range(inp.enrol + 150, today - 10);
            departed = true;
        }
    }
    let end = st.study_end;

    // Freshman screening.
    let s = inp.enrol + rng.range(3, 20);
    if s <= end {
        let r = match rng.weighted(&[9_100, 550, 250, 100]) {
            0 => ScreeningResult::Normal,
            1 => ScreeningResult::Mild,
            2 => ScreeningResult::Moderate,
            _ => ScreeningResult::Severe,
        };
        st.screening = Some((s, r));
    }
    let result = st.screening.map(|(_, r)| r);
    let flagged = matches!(
        result,
        Some(ScreeningResult::Mild | ScreeningResult::Moderate | ScreeningResult::Severe)
    );

    st.hardship = rng.chance(1_500);
    st.academic = end - inp.enrol > 150 && rng.chance(800);
    st.relationship = rng.chance(1_000);

    // Key concern.
    let p_key = match result {
        Some(ScreeningResult::Severe) => 6_000,
        Some(ScreeningResult::Moderate) => 3_000,
        Some(ScreeningResult::Mild) => 1_200,
        _ => 330,
    };
    if rng.chance(p_key) {
        let day = match st.screening {
            Some((s, _)) if flagged => s + rng.range(10, 45),
            _ => rng.range(inp.enrol + 30, end - 7),
        };
        if day <= end && day >= inp.enrol {
            st.key = Some(Key {
                day,
                level: ConcernLevel::General,
                types: Vec::new(),
                until: None,
            });
        }
    }

    if let Some(k) = st.key.as_ref().map(|k| k.day) {
        // Crisis assessment.
        if rng.chance(3_000) {
            let level = rng.weighted(&[55, 35, 8, 2]);
            let c = if rng.chance(5_000) {
                k
            } else {
                k + rng.range(7, 200)
            };
            st.crisis = Some((if c <= end { c } else { k }, level));
        }
        // Referral.
        let p_ref = match st.crisis {
            Some((_, l)) if l >= 2 => 10_000,
            Some((_, 1)) => 6_000,
            Some(_) => 2_500,
            None => 1_200,
        };
        if rng.chance(p_ref) {
            let base = st.crisis.map_or(k, |(c, _)| c);
            let day = base + rng.range(1, 20);
            if day <= end {
                let hospital = rng.chance(9_000);
                st.referral = Some(Referred {
                    day,
                    diagnosis: hospital.then(|| {
                        rng.weighted(&texts::DIAGNOSES.iter().map(|d| d.1).collect::<Vec<_>>())
                    }),
                    institution: if hospital {
                        rng.pick(super::places::INSTITUTIONS)
                    } else {
                        "学校心理健康教育中心"
                    },
                });
            }
        }
    }

    // Leave of absence: for psychological reasons after a referral, or for other reasons.
    if !departed {
        let severe_crisis = st.crisis.is_some_and(|(_, l)| l >= 2);
        if let Some(r) = st.referral.as_ref().map(|r| r.day) {
            let p = if severe_crisis { 6_000 } else { 2_800 };
            if r + 40 <= end && rng.chance(p) {
                let day = r + rng.range(7, 40);
                let back = day + rng.range(150, 400);
                // A leave lasts up to about a year; most return, a few withdraw.
                let returned = back <= today - 7 && rng.chance(9_000);
                if back <= today - 7 && !returned {
                    st.status = StudentStatus::Withdrawn;
                }
                st.leave = Some(Leave {
                    day,
                    psych: true,
                    back: returned.then_some(back),
                });
            }
        }
        if st.leave.is_none() && st.key.is_none() && today - inp.enrol > 90 && rng.chance(230) {
            let lo = (inp.enrol + 60).max(today - 360);
            st.leave = Some(Leave {
                day: rng.range(lo, today - 5),
                psych: false,
                back: None,
            });
        }
        if let Some(l) = &st.leave {
            if l.back.is_none() {
                if st.status == StudentStatus::Enrolled {
                    st.status = StudentStatus::OnLeave;
                }
                st.study_end = l.day;
            }
        }
    }

    // Level, problem types and end of the key concern, now that the rest is known.
    let (crisis, referral) = (st.crisis, st.referral.is_some());
    let study_end = st.study_end;
    let (academic, hardship, relationship) = (st.academic, st.hardship, st.relationship);
    if let Some(key) = st.key.as_mut() {
        key.level = match crisis {
            Some((_, l)) if l >= 1 => ConcernLevel::Special,
            _ if result == Some(ScreeningResult::Severe) => ConcernLevel::Special,
            Some(_) => ConcernLevel::Key,
            None if referral => ConcernLevel::Key,
            None if rng.chance(4_000) => ConcernLevel::Key,
            None => ConcernLevel::General,
        };
        // Candidate problem types (indices into PROBLEM_TYPES), weighted by the story.
        let mut w = [6u32, 10, 4, 5, 4, 5, 3, 4];
        if academic {
            w[0] += 30;
        }
        if flagged {
            w[1] += 30;
        }
        if hardship {
            w[4] += 30;
        }
        if relationship {
            w[3] += 15;
            w[5] += 15;
        }
        if key.day - inp.enrol < 120 {
            w[6] += 30;
        }
        if inp.graduate {
            w[6] = 1;
            w[7] = 1;
        }
        let n = 1 + usize::from(rng.chance(5_000)) + usize::from(rng.chance(1_000));
        for _ in 0..n {
            let t = rng.weighted(&w);
            w[t] = 0;
            key.types.push(t);
            if w.iter().all(|&x| x == 0) {
                break;
            }
        }
        key.types.sort_unstable();
        if crisis.is_none() && !referral && key.day + 120 < study_end && rng.chance(2_500) {
            let until = key.day + rng.range(90, 300);
            key.until = Some(until.min(study_end));
        }
    }
    st
}

/// Session windows (fall and spring terms) of a student, clipped to the time at school.
#[derive(Debug)]
struct Windows {
    /// (first day, last day, academic year, fall term)
    w: Vec<(Day, Day, i32, bool)>,
}

impl Windows {
    fn new(inp: &Input, st: &Story) -> Self {
        let gap = st.leave.as_ref().and_then(|l| l.back.map(|b| (l.day, b)));
        let mut w = Vec::with_capacity(12);
        let last_year = to_date(st.study_end).year();
        for y in inp.year..=last_year {
            for (lo, hi, fall) in [
                (ymd(y, 9, 1), ymd(y + 1, 1, 18), true),
                (ymd(y + 1, 2, 22), ymd(y + 1, 7, 5), false),
            ] {
                let lo = lo.max(inp.enrol);
                let hi = hi.min(st.study_end);
                match gap {
                    Some((a, b)) if a <= hi && b >= lo => {
                        if lo < a {
                            w.push((lo, a - 1, y, fall));
                        }
                        if b < hi {
                            w.push((b + 1, hi, y, fall));
                        }
                    }
                    _ if lo <= hi => w.push((lo, hi, y, fall)),
                    _ => {}
                }
            }
        }
        Windows { w }
    }

    /// A day in the windows between `from` and `to`, uniformly.
    fn sample(&self, rng: &mut Rng, from: Day, to: Day) -> Option<Day> {
        let len = |&(lo, hi, _, _): &(Day, Day, i32, bool)| {
            let (a, b) = (lo.max(from), hi.min(to));
            if a <= b {
                (b - a + 1) as usize
            } else {
                0
            }
        };
        let total: usize = self.w.iter().map(len).sum();
        if total == 0 {
            return None;
        }
        let mut x = rng.below(total);
        for w in &self.w {
            let l = len(w);
            if x < l {
                return Some(w.0.max(from) + x as Day);
            }
            x -= l;
        }
        None
    }

    /// A day at an important time node (start of term, before a holiday, after grades), with
    /// its kind and the holiday it is about.
    fn key_time(&self, rng: &mut Rng, year: i32) -> Option<(Day, KeyTimeKind, &'static str)> {
        let mut c: Vec<(Day, Day, KeyTimeKind, &'static str)> = Vec::with_capacity(24);
        for &(lo, hi, y, fall) in &self.w {
            let cands = if fall {
                [
                    (ymd(y, 9, 1), ymd(y, 9, 25), KeyTimeKind::Start, "暑假"),
                    (
                        ymd(y, 9, 5),
                        ymd(y, 9, 30),
                        KeyTimeKind::AfterGrades,
                        "暑假",
                    ),
                    (
                        ymd(y + 1, 1, 2),
                        ymd(y + 1, 1, 18),
                        KeyTimeKind::PreHoliday,
                        "寒假",
                    ),
                ]
            } else {
                [
                    (
                        ymd(y + 1, 2, 22),
                        ymd(y + 1, 3, 15),
                        KeyTimeKind::Start,
                        "寒假",
                    ),
                    (
                        ymd(y + 1, 2, 25),
                        ymd(y + 1, 3, 25),
                        KeyTimeKind::AfterGrades,
                        "寒假",
                    ),
                    (
                        ymd(y + 1, 6, 15),
                        ymd(y + 1, 7, 5),
                        KeyTimeKind::PreHoliday,
                        "暑假",
                    ),
                ]
            };
            for (a, b, k, h) in cands {
                // No return to school and no grades before the first exams.
                if k != KeyTimeKind::PreHoliday && fall && y == year {
                    continue;
                }
                let (a, b) = (a.max(lo), b.min(hi));
                if a <= b {
                    c.push((a, b, k, h));
                }
            }
        }
        if c.is_empty() {
            return None;
        }
        let (a, b, k, h) = rng.pick(&c);
        Some((rng.range(a, b), k, h))
    }
}

/// Who writes, and about whom.
pub(crate) struct Writer<'a> {
    /// The counselor of the student.
    pub counselor: &'a str,
    /// Staff of the counseling center (screenings).
    pub center: &'a [String],
    /// Guardians of the student.
    pub guardians: &'a [Guardian],
    /// The student's dorm (for talks held there).
    pub dorm: &'a str,
}

struct Book<'a, 'b, 'c> {
    recs: &'c mut Vec<NewRecord>,
    w: &'a Writer<'a>,
    ctx: Ctx<'b>,
    today: Day,
}

impl Book<'_, '_, '_> {
    fn push(&mut self, day: Day, author: &str, body: RecordBody) {
        self.recs.push(NewRecord {
            date: to_date(day),
            author: author.to_string(),
            amends: None,
            amend_reason: String::new(),
            body,
        });
    }

    fn talk(&mut self, rng: &mut Rng, day: Day, category: TalkCategory, text: String) {
        let p = match category {
            TalkCategory::Academic
            | TalkCategory::Relationship
            | TalkCategory::Hardship
            | TalkCategory::Requested
            | TalkCategory::SpecialGroup => {
                if self.today - day <= 45 {
                    4_500
                } else {
                    1_000
                }
            }
            _ => 300,
        };
        let follow_up = rng.chance(p).then(|| to_date(day + rng.range(7, 30)));
        let place = texts::talk_place(rng, self.w.dorm);
        let author = self.w.counselor;
        self.push(
            day,
            author,
            RecordBody::Talk(Talk {
                category,
                place,
                text,
                follow_up,
            }),
        );
    }

    fn contact(&mut self, rng: &mut Rng, day: Day, kind: ContactKind) {
        let g = self.w.guardians;
        let contact = if g.is_empty() {
            "家长".to_string()
        } else {
            let mother = g.iter().position(|x| x.relation == "母亲");
            let i = match mother {
                Some(m) if rng.chance(6_000) => m,
                _ => rng.below(g.len()),
            };
            format!("{} {}", g[i].relation, g[i].name)
        };
        let method = match kind {
            ContactKind::Crisis => ContactMethod::Phone,
            _ => rng.pick_weighted(&[
                (ContactMethod::Phone, 60),
                (ContactMethod::Message, 25),
                (ContactMethod::InPerson, 10),
                (ContactMethod::HomeVisit, 5),
            ]),
        };
        let text = texts::contact(kind, &self.ctx, rng);
        let author = self.w.counselor;
        self.push(
            day,
            author,
            RecordBody::ParentContact(ParentContact {
                contact,
                method,
                text,
            }),
        );
    }
}

/// A member of the counseling center's staff (screenings).
fn center<'a>(w: &'a Writer<'a>, rng: &mut Rng) -> &'a str {
    if w.center.is_empty() {
        w.counselor
    } else {
        &w.center[rng.below(w.center.len())]
    }
}

/// Moves most weekend days to the Friday before (not before `lo`).
fn workday(rng: &mut Rng, d: Day, lo: Day) -> Day {
    let wd = weekday(d);
    if wd >= 5 && rng.chance(7_500) && d - (wd - 4) >= lo {
        d - (wd - 4)
    } else {
        d
    }
}

/// How many records a student gets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// Records wanted: the story's own events come first, routine talks and contacts fill the rest.
    pub target: usize,
    /// The most records a student may have.
    pub cap: usize,
}

/// Writes the records of a story, oldest first; `scratch` is a buffer reused from student to
/// student.
pub(crate) fn records(
    rng: &mut Rng,
    inp: &Input,
    st: &Story,
    w: &Writer<'_>,
    ctx: Ctx<'_>,
    budget: Budget,
    scratch: &mut Vec<NewRecord>,
) -> Vec<NewRecord> {
    let Budget { target, cap } = budget;
    scratch.clear();
    let today = inp.today;
    let end = st.study_end;
    let mut b = Book {
        recs: scratch,
        w,
        ctx,
        today,
    };
    let win = Windows::new(inp, st);

    // Screening, retest and follow-up interview.
    if let Some((s, r)) = st.screening {
        let (instrument, score) = screening_score(rng, r, inp.graduate);
        let notes = texts::screening_notes(r, &b.ctx, rng);
        let author = center(w, rng);
        b.push(
            s,
            author,
            RecordBody::Screening(Screening {
                instrument: instrument.to_string(),
                score,
                result: r,
                flagged: r != ScreeningResult::Normal,
                notes,
            }),
        );
        if r != ScreeningResult::Normal {
            let words = texts::result_words(r);
            b.ctx.result = words;
            if matches!(r, ScreeningResult::Moderate | ScreeningResult::Severe) && rng.chance(6_000)
            {
                let d = s + rng.range(5, 14);
                if d <= end {
                    let r2 = if rng.chance(5_000) {
                        r
                    } else {
                        ScreeningResult::Mild
                    };
                    let (_, score) = screening_score(rng, r2, true);
                    let notes = texts::screening_notes(r2, &b.ctx, rng);
                    let author = center(w, rng);
                    b.push(
                        d,
                        author,
                        RecordBody::Screening(Screening {
                            instrument: "SCL-90".to_string(),
                            score,
                            result: r2,
                            flagged: true,
                            notes,
                        }),
                    );
                }
            }
            if rng.chance(8_500) {
                let d = s + rng.range(7, 25);
                let d = workday(rng, d, s);
                if d <= end {
                    let text = texts::screening_follow_up(&b.ctx, rng);
                    b.talk(rng, d, TalkCategory::Other, text);
                }
            }
        }
    }

    // Freshman talk within a month of enrolment (some are still to do).
    let p_fresh = if inp.newest { 8_000 } else { 9_500 };
    if rng.chance(p_fresh) {
        let d = inp.enrol + rng.range(1, 30);
        let d = workday(rng, d, inp.enrol);
        if d <= end {
            b.ctx.holiday = "暑假";
            let text = texts::freshman(&b.ctx, rng);
            b.talk(rng, d, TalkCategory::Freshman, text);
        }
    }

    // Crisis, key concern and plan.
    if let Some((c, level)) = st.crisis {
        b.ctx.hospital = match &st.referral {
            Some(r) => r.institution,
            None => rng.pick(super::places::INSTITUTIONS),
        };
        let rationale = texts::crisis_rationale(level, &b.ctx, rng);
        let mut actions = String::from(texts::crisis_organiser(CrisisLevel::ALL[level.min(3)]));
        actions.push('。');
        actions.push_str(&texts::crisis_actions(level, &b.ctx, rng));
        let lv = [
            CrisisLevel::A,
            CrisisLevel::B,
            CrisisLevel::C,
            CrisisLevel::D,
        ][level.min(3)];
        b.push(
            c,
            w.counselor,
            RecordBody::Crisis(CrisisAssessment {
                level: lv,
                rationale,
                actions,
                time: None,
            }),
        );
        if level >= 1 || rng.chance(5_000) {
            b.contact(rng, c, ContactKind::Crisis);
        }
        // The case is closed once the crisis has passed (the seeds' month of follow-up visits);
        // a recent one stays open in the demo. No draw from the generator: the rest of the
        // stream is unchanged.
        if c + CRISIS_CLOSED_AFTER <= today {
            b.push(
                c + CRISIS_CLOSED_AFTER,
                w.counselor,
                RecordBody::CrisisClose(CrisisClose {
                    reason: "危机解除，转入重点关注跟踪".into(),
                    approved_by: "学工部".into(),
                    time: None,
                }),
            );
        }
    }
    if let Some(k) = &st.key {
        let reason = texts::concern_reason(&k.types, &b.ctx, rng);
        b.push(
            k.day,
            w.counselor,
            RecordBody::KeyConcern(KeyConcern {
                level: k.level,
                problem_types: k
                    .types
                    .iter()
                    .map(|&t| texts::PROBLEM_TYPES[t % 8].to_string())
                    .collect(),
                until: k.until.map(to_date),
                reason,
            }),
        );
        let p = (k.day + rng.range(0, 7)).min(end.max(k.day));
        let (prevention, intervention, handling) = texts::plan(&k.types, rng);
        let mut review = Vec::with_capacity(4);
        let mut r = p + rng.range(14, 30);
        for _ in 0..rng.range(2, 4) {
            review.push(to_date(r));
            r += rng.range(21, 35);
        }
        if p <= today {
            b.push(
                p,
                w.counselor,
                RecordBody::Plan(Plan {
                    prevention,
                    intervention,
                    handling,
                    review_dates: review,
                }),
            );
        }
        if st.crisis.is_none() && rng.chance(7_000) {
            let d = (k.day + rng.range(0, 3)).min(today);
            b.contact(rng, d, ContactKind::Concern);
        }
    }

    // Referral and diagnosis.
    if let Some(r) = &st.referral {
        if let Some(i) = r.diagnosis {
            b.ctx.diagnosis = texts::DIAGNOSES[i].0;
        }
        b.ctx.hospital = r.institution;
        let (diagnosis, medication) = match r.diagnosis {
            Some(i) => {
                let (d, _, meds) = texts::DIAGNOSES[i];
                (d.to_string(), rng.pick(meds).to_string())
            }
            None => (String::new(), String::new()),
        };
        let reason = texts::referral_reason(st.crisis.is_some(), rng);
        b.push(
            r.day,
            w.counselor,
            RecordBody::Referral(Referral {
                institution: r.institution.to_string(),
                reason,
                diagnosis,
                hospital_diagnosed: r.diagnosis.is_some(),
                medication,
                next_revisit: None,
            }),
        );
    }

    // Leave and return.
    if let Some(l) = &st.leave {
        let (assessment, notes) = texts::leave_texts(l.psych, &b.ctx, rng);
        b.push(
            l.day,
            w.counselor,
            RecordBody::LeaveReview(LeaveReview {
                kind: LeaveKind::Leave,
                certificate: l.psych || rng.chance(7_000),
                assessment,
                approved: true,
                notes,
            }),
        );
        let back_or_today = l.back.unwrap_or(today);
        for _ in 0..rng.range(0, 2) + i32::from(l.psych) {
            if l.day + 20 < back_or_today {
                let d = rng.range(l.day + 20, back_or_today - 1);
                b.contact(rng, d, ContactKind::Leave);
            }
        }
        if let Some(back) = l.back {
            let (assessment, notes) = texts::return_texts(rng);
            b.push(
                back,
                w.counselor,
                RecordBody::LeaveReview(LeaveReview {
                    kind: LeaveKind::Return,
                    certificate: true,
                    assessment,
                    approved: true,
                    notes,
                }),
            );
        }
    }

    // Target: students on the key-concern list are followed more closely.
    let target = if st.key.is_some() {
        target * 3 / 2 + 4
    } else {
        target
    }
    .min(cap);

    // Half-monthly contact with diagnosed students and their parents (seed 000), recent months;
    // some stop early, so obligations fall due.
    if st.diagnosed() {
        if let Some(r) = &st.referral {
            let stop = if rng.chance(3_000) {
                end - rng.range(20, 60)
            } else {
                end
            };
            let mut d = (r.day + 14).max(end - 120);
            while d <= stop && b.recs.len() + 2 <= cap {
                if let Some(day) = win.sample(rng, d, d + 3) {
                    let text = texts::special(SpecialKind::Diagnosed, &b.ctx, rng);
                    b.talk(rng, day, TalkCategory::SpecialGroup, text);
                    if rng.chance(6_000) {
                        b.contact(rng, day, ContactKind::Diagnosed);
                    }
                }
                d += rng.range(13, 17);
            }
        }
    }

    // Routine talks and contacts up to the target.
    let key_day = st.key.as_ref().map(|k| k.day);
    let diagnosed_day = st
        .referral
        .as_ref()
        .and_then(|r| r.diagnosis.map(|_| r.day));
    while b.recs.len() < target {
        let day = match key_day {
            Some(k) if rng.chance(5_000) => win.sample(rng, k, end),
            _ => None,
        }
        .or_else(|| win.sample(rng, inp.enrol + 14, end));
        let Some(day) = day else { break };
        let after_key = key_day.is_some_and(|k| day >= k);
        let after_diagnosis = diagnosed_day.is_some_and(|d| day >= d);
        if rng.chance(2_200) {
            let kind = rng.pick_weighted(&[
                (ContactKind::Routine, if after_key { 15 } else { 60 }),
                (ContactKind::Academic, if st.academic { 25 } else { 0 }),
                (ContactKind::Hardship, if st.hardship { 20 } else { 0 }),
                (
                    ContactKind::Concern,
                    if after_key && !after_diagnosis { 60 } else { 0 },
                ),
                (ContactKind::Diagnosed, if after_diagnosis { 60 } else { 0 }),
            ]);
            let day = workday(rng, day, inp.enrol);
            b.contact(rng, day, kind);
            continue;
        }
        let special = if after_diagnosis && rng.chance(5_000) {
            Some(SpecialKind::Diagnosed)
        } else if after_key {
            Some(SpecialKind::Concern)
        } else {
            inp.special
        };
        let category = rng.pick_weighted(&[
            (TalkCategory::KeyTime, 26),
            (TalkCategory::Other, 14),
            (TalkCategory::Requested, 8),
            (TalkCategory::RewardDiscipline, 7),
            (TalkCategory::Academic, if st.academic { 33 } else { 3 }),
            (
                TalkCategory::Relationship,
                if st.relationship { 30 } else { 5 },
            ),
            (TalkCategory::Hardship, if st.hardship { 27 } else { 2 }),
            (
                TalkCategory::SpecialGroup,
                match special {
                    Some(SpecialKind::Concern | SpecialKind::Diagnosed) => 35,
                    Some(_) => 5,
                    None => 0,
                },
            ),
            (
                TalkCategory::Freshman,
                if day < inp.enrol + 60 { 10 } else { 0 },
            ),
        ]);
        let (day, category, text) = match category {
            TalkCategory::KeyTime => match win.key_time(rng, inp.year) {
                Some((d, kind, holiday)) => {
                    b.ctx.holiday = holiday;
                    (d, category, texts::key_time(kind, &b.ctx, rng))
                }
                None => (day, TalkCategory::Other, texts::other(&b.ctx, rng)),
            },
            TalkCategory::Freshman => (day, category, texts::freshman(&b.ctx, rng)),
            TalkCategory::SpecialGroup => {
                let kind = special.unwrap_or(SpecialKind::Concern);
                (day, category, texts::special(kind, &b.ctx, rng))
            }
            TalkCategory::Requested => (day, category, texts::requested(&b.ctx, rng)),
            TalkCategory::RewardDiscipline => {
                (day, category, texts::reward_discipline(&b.ctx, rng))
            }
            TalkCategory::Academic => (day, category, texts::academic(&b.ctx, rng)),
            TalkCategory::Relationship => (day, category, texts::relationship(&b.ctx, rng)),
            TalkCategory::Hardship => (day, category, texts::hardship(&b.ctx, rng)),
            TalkCategory::Other => (day, category, texts::other(&b.ctx, rng)),
        };
        let day = if category == TalkCategory::KeyTime {
            day
        } else {
            workday(rng, day, inp.enrol)
        };
        b.talk(rng, day, category, text);
    }

    // Oldest first; events of the same day keep the order in which they happened.
    b.recs.sort_by_key(|r| r.date);
    let mut out = Vec::with_capacity(b.recs.len());
    out.append(b.recs);
    out
}

/// The instrument and a score in the band of the result.
fn screening_score(rng: &mut Rng, r: ScreeningResult, graduate: bool) -> (&'static str, String) {
    if graduate {
        let (lo, hi) = match r {
            ScreeningResult::Normal => (98, 159),
            ScreeningResult::Mild => (160, 199),
            ScreeningResult::Moderate => (200, 249),
            ScreeningResult::Severe => (250, 320),
        };
        ("SCL-90", rng.range(lo, hi).to_string())
    } else {
        let (lo, hi) = match r {
            ScreeningResult::Normal => (1, 19),
            ScreeningResult::Mild => (20, 25),
            ScreeningResult::Moderate => (26, 34),
            ScreeningResult::Severe => (35, 52),
        };
        ("UPI", rng.range(lo, hi).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        let d = ymd(2025, 11, 24);
        assert_eq!(to_date(d), NaiveDate::from_ymd_opt(2025, 11, 24).unwrap());
        // 2025-11-24 is a Monday.
        assert_eq!(weekday(d), 0);
        assert_eq!(weekday(d + 6), 6);
    }
}
