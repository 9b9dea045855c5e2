//! Deterministic synthetic data: a fictional comprehensive university whose students, profiles
//! and records look real to a counselor and belong to nobody.
//!
//! Used by the demo archive, the tests and the benchmarks. The same [`SynthConfig`] gives the
//! same output on every platform: the generator has its own pseudo-random generator
//! (SplitMix64), draws only integers, and iterates no hash map. Every student draws from its own
//! stream, so [`students`] streams the set with little memory and yields exactly what
//! [`generate`] returns.
//!
//! What the set contains (proportions are approximate):
//! - four undergraduate enrolment years and three graduate (硕士) ones, about 10% graduate
//!   students, across 14 colleges of 3–5 majors each, classes of about 30 such as 计科2401 or
//!   计算机硕2401; 学号 = enrolment year (2 digits) + college (2) + major (2) + class (2) +
//!   sequence (2, or 3 in very large classes), unique within a set;
//! - names drawn from about 180 surnames by frequency and common given-name characters by gender,
//!   a few Uyghur-style names with `·`; dorms such as 6栋-302 with 4–6 students of the same
//!   gender per room; synthetic mobile numbers (`1xx00xxxxxx`, unique up to 333,333 students);
//!   guardians; home province and city;
//! - statuses: about 2% on leave, graduated students in the oldest cohorts once their graduation
//!   day has passed (two-year professional masters always), a few withdrawn or transferred; about
//!   3% live off campus, some with an accompanying parent 陪读;
//! - records up to `today`: the freshman screening of everyone (about 8% mild or moderate, 1%
//!   severe), talks of the eight must-talk categories and others, parent contacts, about 5% of
//!   students on the key-concern list with an individual plan, 1.5% with a crisis assessment,
//!   1% diagnosed by a hospital, leave and return reviews. Only follow-up dates of talks and
//!   review dates of plans may lie after `today`.

mod keepup;
mod names;
mod network_work;
mod places;
mod rng;
mod story;
mod texts;

use crate::model::{
    DegreeLevel, Gender, Guardian, NewRecord, OffCampus, StudentProfile, StudentStatus,
};
use chrono::{Datelike, NaiveDate};
use names::Names;
use places::{College, Major, COLLEGES, PROVINCES, XINJIANG};
use rng::{mix64, Cumulative, Rng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use story::{to_date, ymd, Day};
use texts::{Ctx, SpecialKind};

pub use network_work::network_work;

/// The average number of records per student when none is given.
pub const DEFAULT_RECORDS_PER_STUDENT: usize = 10;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynthConfig {
    /// Seed: the same seed gives the same set, on every platform.
    pub seed: u64,
    /// Number of students.
    pub students: usize,
    /// The day the archive is looked at: no record is dated after it (only follow-up dates of
    /// talks and review dates of plans may be).
    pub today: NaiveDate,
    /// Average number of records per student (individual counts vary from 0 to
    /// `max(30, 3 × average)`, plus the work kept up on the student's obligations); 0 generates
    /// profiles only.
    pub records_per_student: usize,
}

impl SynthConfig {
    /// A configuration with [`DEFAULT_RECORDS_PER_STUDENT`] records per student on average.
    pub fn new(seed: u64, students: usize, today: NaiveDate) -> Self {
        SynthConfig {
            seed,
            students,
            today,
            records_per_student: DEFAULT_RECORDS_PER_STUDENT,
        }
    }
}

/// One generated student: the profile and the records of the file, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntheticStudent {
    /// Basic information.
    pub profile: StudentProfile,
    /// Records in date order (no attachments: there are no bytes to seal).
    pub records: Vec<NewRecord>,
}

/// Generates the whole set at once; the same as collecting [`students`].
pub fn generate(config: &SynthConfig) -> Vec<SyntheticStudent> {
    students(config).collect()
}

/// Streams the set, student by student, in 学号 order within each cohort (oldest undergraduate
/// cohort first, graduate students last). Yields exactly what [`generate`] returns.
pub fn students(config: &SynthConfig) -> impl Iterator<Item = SyntheticStudent> {
    Generator::new(*config)
}

// ---------------------------------------------------------------------------------------------
// Layout: cohorts, classes, counselors

const STREAM_STUDENT: u64 = 1;
const STREAM_STAFF: u64 = 2;
const STREAM_BUILDING: u64 = 3;
const STREAM_ROOM: u64 = 4;
const STREAM_MISC: u64 = 5;

/// Students per counselor (seed documents: at least 1 : 200).
const STUDENTS_PER_COUNSELOR: usize = 200;

#[derive(Debug, Clone)]
struct Cohort {
    year: i32,
    level: DegreeLevel,
    enrol: Day,
}

#[derive(Debug, Clone)]
struct Class {
    cohort: usize,
    college: usize,
    major: usize,
    number: u32,
    size: u32,
    counselor: usize,
}

/// Splits `total` by integer weights (largest remainder, ties to the first).
fn apportion(total: usize, weights: &[u32]) -> Vec<usize> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let t = total as u128;
    let mut out: Vec<usize> = weights
        .iter()
        .map(|&w| (t * u128::from(w) / sum) as usize)
        .collect();
    let assigned: usize = out.iter().sum();
    let mut rem: Vec<(u128, usize)> = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| ((t * u128::from(w)) % sum, i))
        .collect();
    rem.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in rem.iter().take(total - assigned) {
        out[i] += 1;
    }
    out
}

fn majors_of(college: &College, level: DegreeLevel) -> &'static [Major] {
    match level {
        DegreeLevel::Undergraduate => college.majors,
        DegreeLevel::Graduate => college.programs,
    }
}

// ---------------------------------------------------------------------------------------------
// Dorms

#[derive(Debug, Clone)]
struct Building {
    index: usize,
    label: String,
    capacity: u32,
    rooms_per_floor: u32,
    used: u32,
}

/// Allocates beds: buildings are single-gender and single-level; a cohort fills rooms class after
/// class, so roommates are mostly classmates and sometimes from a neighbouring class or college.
#[derive(Debug, Clone)]
struct Dorms {
    seed: u64,
    next_building: usize,
    buildings: [Option<Building>; 4],
    open: [Option<(String, u32)>; 4],
    cohort: usize,
}

impl Dorms {
    fn new(seed: u64) -> Self {
        Dorms {
            seed,
            next_building: 0,
            buildings: [None, None, None, None],
            open: [None, None, None, None],
            cohort: usize::MAX,
        }
    }

    fn bed(&mut self, cohort: usize, graduate: bool, female: bool) -> String {
        if cohort != self.cohort {
            self.cohort = cohort;
            self.open = [None, None, None, None];
        }
        let slot = usize::from(graduate) * 2 + usize::from(female);
        if let Some((label, beds)) = &mut self.open[slot] {
            if *beds > 0 {
                *beds -= 1;
                return label.clone();
            }
        }
        let full = self.buildings[slot]
            .as_ref()
            .is_none_or(|b| b.used >= b.rooms_per_floor * places::FLOORS);
        if full {
            let index = self.next_building;
            self.next_building += 1;
            let mut r = Rng::derive(self.seed, STREAM_BUILDING, index as u64);
            let mut label = String::with_capacity(16);
            places::building_label(index, &mut label);
            self.buildings[slot] = Some(Building {
                index,
                label,
                capacity: if graduate || r.chance(6_000) { 4 } else { 6 },
                rooms_per_floor: r.range(20, 30) as u32,
                used: 0,
            });
        }
        let Some(b) = self.buildings[slot].as_mut() else {
            return String::new();
        };
        let floor = b.used / b.rooms_per_floor + 1;
        let room = b.used % b.rooms_per_floor + 1;
        let mut r = Rng::derive(
            self.seed,
            STREAM_ROOM,
            (b.index as u64) << 16 | u64::from(b.used),
        );
        b.used += 1;
        let label = format!("{}-{}{:02}", b.label, floor, room);
        // Some rooms keep a bed free.
        let beds = b.capacity - u32::from(r.chance(1_200));
        self.open[slot] = Some((label.clone(), beds - 1));
        label
    }
}

// ---------------------------------------------------------------------------------------------
// The generator

const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "180", "181", "182", "183", "185", "186", "187", "188",
    "189", "191", "193", "195", "198", "199",
];

#[derive(Debug, Clone)]
struct Generator {
    cfg: SynthConfig,
    today: Day,
    names: Names,
    provinces: Cumulative,
    cohorts: Vec<Cohort>,
    classes: Vec<Class>,
    counselors: Vec<String>,
    center: Vec<String>,
    seq_width: usize,
    /// Mean record weight of the set, to scale targets to `records_per_student`.
    mean_weight: u64,
    /// Affine bijection of 0..10^6 that numbers phones.
    phone_mul: u64,
    phone_add: u64,
    dorms: Dorms,
    /// Buffer for the records of a student, reused.
    scratch: Vec<NewRecord>,
    /// The default policy, whose obligations the counselors mostly keep (keepup.rs).
    policy: Option<crate::rules::Policy>,
    class: usize,
    seq: u32,
    index: u64,
}

/// Record weight of a student: days at school plus a constant, so freshmen have few records.
fn record_weight(enrol: Day, end: Day) -> u64 {
    146 + (end - enrol).max(0) as u64
}

impl Generator {
    fn new(cfg: SynthConfig) -> Self {
        let today = cfg.today.num_days_from_ce();
        let y0 = if cfg.today.month() >= 9 {
            cfg.today.year()
        } else {
            cfg.today.year() - 1
        };
        let mut misc = Rng::derive(cfg.seed, STREAM_MISC, 0);

        // Cohorts: four undergraduate years, three graduate years.
        let mut cohorts = Vec::with_capacity(7);
        for (k, level) in [
            (3, DegreeLevel::Undergraduate),
            (2, DegreeLevel::Undergraduate),
            (1, DegreeLevel::Undergraduate),
            (0, DegreeLevel::Undergraduate),
            (2, DegreeLevel::Graduate),
            (1, DegreeLevel::Graduate),
            (0, DegreeLevel::Graduate),
        ] {
            let year = y0 - k;
            let offset = match level {
                DegreeLevel::Undergraduate => misc.range(0, 9),
                DegreeLevel::Graduate => misc.range(0, 12),
            } as u32;
            cohorts.push(Cohort {
                year,
                level,
                enrol: ymd(year, 9, 1 + offset),
            });
        }
        let graduates = cfg.students / 10;
        let mut per_cohort = apportion(cfg.students - graduates, &[24, 25, 25, 26]);
        per_cohort.extend(apportion(graduates, &[30, 34, 36]));

        // Classes of about 30, cohort by cohort, college by college, major by major.
        let names = Names::new();
        let mut classes = Vec::new();
        let mut counselors = Vec::new();
        let mut used_names = BTreeSet::new();
        let mut max_size = 0u32;
        for (ci, cohort) in cohorts.iter().enumerate() {
            let weights: Vec<u32> = COLLEGES
                .iter()
                .map(|c| match cohort.level {
                    DegreeLevel::Undergraduate => c.weight,
                    DegreeLevel::Graduate => c.grad_weight,
                })
                .collect();
            for (gi, n_college) in apportion(per_cohort[ci], &weights).into_iter().enumerate() {
                if n_college == 0 {
                    continue;
                }
                let majors = majors_of(&COLLEGES[gi], cohort.level);
                let mw: Vec<u32> = majors.iter().map(|m| m.weight).collect();
                for (mi, n) in apportion(n_college, &mw).into_iter().enumerate() {
                    if n == 0 {
                        continue;
                    }
                    let k = n.div_ceil(32).clamp(1, 99);
                    for (j, size) in apportion(n, &vec![1; k]).into_iter().enumerate() {
                        max_size = max_size.max(size as u32);
                        classes.push(Class {
                            cohort: ci,
                            college: gi,
                            major: mi,
                            number: j as u32 + 1,
                            size: size as u32,
                            counselor: 0,
                        });
                    }
                }
            }
        }

        // Counselors: each college pools its undergraduate (and apart, its graduate) classes,
        // oldest cohort first, into groups of about STUDENTS_PER_COUNSELOR students; a counselor
        // follows the same classes through the years.
        for gi in 0..COLLEGES.len() {
            for level in [DegreeLevel::Undergraduate, DegreeLevel::Graduate] {
                let idx: Vec<usize> = (0..classes.len())
                    .filter(|&i| {
                        classes[i].college == gi && cohorts[classes[i].cohort].level == level
                    })
                    .collect();
                let n: usize = idx.iter().map(|&i| classes[i].size as usize).sum();
                if n == 0 {
                    continue;
                }
                let count = n.div_ceil(STUDENTS_PER_COUNSELOR);
                let base = counselors.len();
                for _ in 0..count {
                    let mut r = Rng::derive(cfg.seed, STREAM_STAFF, counselors.len() as u64);
                    counselors.push(unique_name(&names, &mut r, &mut used_names));
                }
                let mut before = 0;
                for i in idx {
                    classes[i].counselor = base + before * count / n;
                    before += classes[i].size as usize;
                }
            }
        }
        let mut center = Vec::with_capacity(4);
        for i in 0..4u64 {
            let mut r = Rng::derive(cfg.seed, STREAM_STAFF, 1 << 40 | i);
            center.push(unique_name(&names, &mut r, &mut used_names));
        }

        // Mean record weight, to scale each student's target to the requested average.
        let mut total = 0u128;
        for c in &classes {
            let cohort = &cohorts[c.cohort];
            let major = &majors_of(&COLLEGES[c.college], cohort.level)[c.major];
            let graduation = ymd(cohort.year + major.years, 6, 25);
            total +=
                u128::from(c.size) * u128::from(record_weight(cohort.enrol, today.min(graduation)));
        }
        let mean_weight = if cfg.students == 0 {
            1
        } else {
            ((total / cfg.students as u128) as u64).max(1)
        };

        // Phone numbers: an affine bijection of 0..10^6, different per seed.
        // Coprime with 10^6: odd and not a multiple of 5.
        let phone_mul = 100_000 + 10 * misc.below(80_000) as u64 + misc.pick(&[1, 3, 7, 9]);
        let phone_add = misc.below(1_000_000) as u64;

        Generator {
            cfg,
            today,
            names,
            provinces: Cumulative::new(PROVINCES.iter().map(|p| p.1)),
            cohorts,
            classes,
            counselors,
            center,
            seq_width: if max_size > 99 {
                max_size.to_string().len()
            } else {
                2
            },
            mean_weight,
            phone_mul,
            phone_add,
            dorms: Dorms::new(cfg.seed),
            scratch: Vec::new(),
            policy: default_policy(),
            class: 0,
            seq: 0,
            index: 0,
        }
    }

    /// The `n`-th synthetic phone number of the set (unique for n < 10^6).
    fn phone(&self, rng: &mut Rng, n: u64) -> String {
        let x = (n % 1_000_000 * self.phone_mul + self.phone_add) % 1_000_000;
        format!("{}00{:06}", rng.pick(PHONE_PREFIXES), x)
    }

    fn student(&mut self, class: usize, seq: u32) -> SyntheticStudent {
        let index = self.index;
        let mut rng = Rng::derive(self.cfg.seed, STREAM_STUDENT, index);
        let c = self.classes[class].clone();
        let cohort = self.cohorts[c.cohort].clone();
        let college = &COLLEGES[c.college];
        let graduate = cohort.level == DegreeLevel::Graduate;
        let major = &majors_of(college, cohort.level)[c.major];
        let yy = cohort.year.rem_euclid(100);

        let female = !rng.chance(major.male);
        let (province, _, cities) = PROVINCES[self.provinces.draw(&mut rng)];
        let city = rng.pick(cities);
        let p_index = PROVINCES.iter().position(|p| p.0 == province).unwrap_or(0);
        let uyghur = p_index == XINJIANG && !city.contains("昌吉") && rng.chance(6_000);

        // Name and guardians.
        let (name, guardians) = if uyghur {
            let own = Names::uyghur(&mut rng, female);
            let mut father = Names::uyghur(&mut rng, false);
            while father == own {
                father = Names::uyghur(&mut rng, false);
            }
            let mut grandfather = Names::uyghur(&mut rng, false);
            while grandfather == father {
                grandfather = Names::uyghur(&mut rng, false);
            }
            let name = format!("{own}·{father}");
            let g = vec![
                Guardian {
                    name: format!("{father}·{grandfather}"),
                    relation: "父亲".to_string(),
                    phone: self.phone(&mut rng, index * 3 + 1),
                },
                Guardian {
                    name: format!(
                        "{}·{}",
                        Names::uyghur(&mut rng, true),
                        Names::uyghur(&mut rng, false)
                    ),
                    relation: "母亲".to_string(),
                    phone: self.phone(&mut rng, index * 3 + 2),
                },
            ];
            (name, g)
        } else {
            let surname = self.names.surname(&mut rng);
            let mut name = surname.to_string();
            name.push_str(&Names::given(&mut rng, female));
            let father_surname = if rng.chance(9_400) {
                surname
            } else {
                self.names.surname(&mut rng)
            };
            let mother_surname = if father_surname != surname {
                surname
            } else {
                self.names.surname(&mut rng)
            };
            let father = Guardian {
                name: format!("{father_surname}{}", Names::parent_given(&mut rng, false)),
                relation: "父亲".to_string(),
                phone: self.phone(&mut rng, index * 3 + 1),
            };
            let mother = Guardian {
                name: format!("{mother_surname}{}", Names::parent_given(&mut rng, true)),
                relation: "母亲".to_string(),
                phone: self.phone(&mut rng, index * 3 + 2),
            };
            let g = match rng.below(100) {
                0..=44 => vec![father, mother],
                45..=81 => vec![mother, father],
                82..=90 => vec![mother],
                91..=95 => vec![father],
                _ => {
                    let grandpa = rng.chance(5_000);
                    let gname = if grandpa {
                        format!("{surname}{}", Names::grandparent_given(&mut rng, false))
                    } else {
                        format!(
                            "{}{}",
                            self.names.surname(&mut rng),
                            Names::grandparent_given(&mut rng, true)
                        )
                    };
                    vec![Guardian {
                        name: gname,
                        relation: if grandpa { "祖父" } else { "祖母" }.to_string(),
                        phone: self.phone(&mut rng, index * 3 + 1),
                    }]
                }
            };
            (name, g)
        };
        let special = if uyghur {
            Some(SpecialKind::Minority)
        } else if guardians.len() == 1 && guardians[0].relation.starts_with('祖') {
            Some(SpecialKind::Grandparents)
        } else if guardians.len() == 1 && rng.chance(7_000) {
            Some(SpecialKind::SingleParent)
        } else if rng.chance(30) {
            Some(SpecialKind::Disability)
        } else if !graduate && c.cohort < 3 && rng.chance(30) {
            Some(SpecialKind::Veteran)
        } else {
            None
        };

        // Birth date: 18 at enrolment for most undergraduates, 22–28 for graduate students.
        let age = if graduate {
            22 + [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 6][rng.below(12)]
        } else {
            [18, 18, 18, 18, 18, 18, 19, 19, 17, 20][rng.below(10)]
        };
        let birth = ymd(cohort.year - age, 1, 1) + rng.range(0, 364);

        let dorm = self.dorms.bed(c.cohort, graduate, female);
        let phone = self.phone(&mut rng, index * 3);

        // The story, then the status and the records.
        let graduation = ymd(cohort.year + major.years, 6, rng.range(20, 28) as u32);
        let input = story::Input {
            today: self.today,
            enrol: cohort.enrol,
            year: cohort.year,
            graduation,
            newest: c.cohort == 3 || c.cohort == 6,
            graduate,
            special,
        };
        let st = story::plan(&mut rng, &input);

        let off_campus = if st.status == StudentStatus::Enrolled {
            let p = if st.diagnosed() {
                2_500
            } else if graduate {
                600
            } else {
                260
            };
            if rng.chance(p) {
                let accompanied = rng.chance(if st.diagnosed() { 7_000 } else { 3_000 });
                let companion = if accompanied {
                    let g = guardians
                        .iter()
                        .find(|g| g.relation == "母亲")
                        .unwrap_or(&guardians[0]);
                    format!("{}（{}）", g.name, g.relation)
                } else {
                    String::new()
                };
                Some(OffCampus {
                    address: places::off_campus_address(&mut rng),
                    accompanied,
                    companion,
                    approved: rng.chance(9_200),
                })
            } else {
                None
            }
        } else {
            None
        };

        let home_address = format!("{province}{city}");
        let records = if self.cfg.records_per_student == 0 {
            Vec::new()
        } else {
            let rps = self.cfg.records_per_student as u64;
            let weight = record_weight(cohort.enrol, st.study_end.min(self.today));
            let noise = (rng.below(1_001) + rng.below(1_001)) as u64;
            // 0.965: the story's own events push the average a little above the target; 0.8: the
            // records of the counselors who keep up (keepup.rs) add about two a student.
            let num = u128::from(rps) * u128::from(weight) * u128::from(noise) * 193 * 4 / 1000;
            let den = u128::from(self.mean_weight) * 1_000;
            let target = ((num + den / 2) / den) as usize;
            let cap = (3 * self.cfg.records_per_student).max(30);
            let parent = match guardians.first() {
                Some(g) if g.relation == "父亲" => "父亲",
                _ => "母亲",
            };
            let ctx = Ctx {
                courses: college.courses,
                major: major.name,
                home: &home_address,
                graduate,
                holiday: "寒假",
                parent,
                result: "正常",
                hospital: "",
                diagnosis: "",
                hardship: st.hardship,
            };
            let writer = story::Writer {
                counselor: &self.counselors[c.counselor],
                center: &self.center,
                guardians: &guardians,
                dorm: &dorm,
            };
            let mut records = story::records(
                &mut rng,
                &input,
                &st,
                &writer,
                ctx.clone(),
                story::Budget { target, cap },
                &mut self.scratch,
            );
            if let Some(policy) = &self.policy {
                // The profile as the engine needs it: status and grade.
                let seen = StudentProfile {
                    status: st.status,
                    grade: cohort.year.to_string(),
                    guardians: guardians.clone(),
                    off_campus: off_campus.clone(),
                    ..StudentProfile::default()
                };
                let w = keepup::Writer {
                    counselor: &self.counselors[c.counselor],
                    center: writer
                        .center
                        .first()
                        .map_or(writer.counselor, String::as_str),
                    ctx,
                };
                let key = mix64(self.cfg.seed ^ mix64(index));
                keepup::catch_up(
                    &mut rng,
                    key,
                    policy,
                    self.cfg.today,
                    &seen,
                    &mut records,
                    &w,
                );
            }
            records
        };

        let class_name = if graduate {
            format!("{}硕{:02}{:02}", major.abbr, yy, c.number)
        } else {
            format!("{}{:02}{:02}", major.abbr, yy, c.number)
        };
        let profile = StudentProfile {
            student_no: format!(
                "{:02}{:02}{:02}{:02}{:0w$}",
                yy,
                college.code,
                major.code,
                c.number,
                seq,
                w = self.seq_width
            ),
            name,
            gender: Some(if female { Gender::Female } else { Gender::Male }),
            birth_date: Some(to_date(birth)),
            college: college.name.to_string(),
            major: major.name.to_string(),
            class_name,
            dorm,
            grade: cohort.year.to_string(),
            level: cohort.level,
            status: st.status,
            phone,
            home_address,
            guardians,
            off_campus,
        };
        SyntheticStudent { profile, records }
    }
}

/// The policy an archive has until it stores its own; `None` only if the shipped preset failed
/// to parse, which the policy tests forbid.
fn default_policy() -> Option<crate::rules::Policy> {
    crate::rules::PRESETS
        .iter()
        .find(|(id, _)| *id == crate::rules::policy::DEFAULT_PRESET)
        .and_then(|(_, text)| crate::rules::Policy::parse(text).ok())
}

/// A counselor or staff name not yet used in the set.
fn unique_name(names: &Names, rng: &mut Rng, used: &mut BTreeSet<String>) -> String {
    let mut name = String::new();
    for _ in 0..50 {
        let female = rng.chance(6_000);
        name = names.full(rng, female);
        if !used.contains(&name) {
            break;
        }
    }
    used.insert(name.clone());
    name
}

impl Iterator for Generator {
    type Item = SyntheticStudent;

    fn next(&mut self) -> Option<SyntheticStudent> {
        while self.class < self.classes.len() && self.seq >= self.classes[self.class].size {
            self.class += 1;
            self.seq = 0;
        }
        if self.class >= self.classes.len() {
            return None;
        }
        self.seq += 1;
        let s = self.student(self.class, self.seq);
        self.index += 1;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.cfg.students.saturating_sub(self.index as usize);
        (left, Some(left))
    }
}

#[cfg(test)]
mod tests;
