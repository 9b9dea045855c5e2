use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

/// 八必谈 the eight must-talks (seed 001), and "other" for every other talk.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TalkCategory {
    /// 新生 a freshman.
    Freshman,
    /// 重要时间节点 start of term, before holidays, after grades.
    KeyTime,
    /// 特殊学生群体 a special group.
    SpecialGroup,
    /// 主动要约谈 the student asked for a talk.
    Requested,
    /// 奖励、批评或处分 reward, criticism or sanction.
    RewardDiscipline,
    /// 学业困难、学业预警、退学试读 academic trouble.
    Academic,
    /// 寝室矛盾、恋爱、人际关系 dorm conflict, romance, relationships.
    Relationship,
    /// 家庭经济困难、突发灾害 economic hardship or disaster.
    Hardship,
    /// 其他 any other talk.
    Other,
}

impl TalkCategory {
    /// Every category, in the order of seed 001.
    pub const ALL: [TalkCategory; 9] = [
        Self::Freshman,
        Self::KeyTime,
        Self::SpecialGroup,
        Self::Requested,
        Self::RewardDiscipline,
        Self::Academic,
        Self::Relationship,
        Self::Hardship,
        Self::Other,
    ];

    /// The command-line spelling, e.g. `key-time`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Freshman => "freshman",
            Self::KeyTime => "key-time",
            Self::SpecialGroup => "special-group",
            Self::Requested => "requested",
            Self::RewardDiscipline => "reward-discipline",
            Self::Academic => "academic",
            Self::Relationship => "relationship",
            Self::Hardship => "hardship",
            Self::Other => "other",
        }
    }

    /// Parses the command-line spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// How a parent was reached.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    /// 电话
    Phone,
    /// 微信 / 短信
    Message,
    /// 面谈 in person
    InPerson,
    /// 家访 home visit
    HomeVisit,
}

/// Key-concern level 重点关注等级 (seed 001/002: long-term list by level).
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcernLevel {
    /// 一般关注
    General,
    /// 重点关注
    Key,
    /// 特别关注 (highest)
    Special,
}

/// Screening result 心理普查结果 (seeds 000–002).
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningResult {
    /// 正常
    Normal,
    /// 轻度异常
    Mild,
    /// 中度异常
    Moderate,
    /// 重度异常
    Severe,
}

/// Crisis level A–D (seed 002 第十二条).
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CrisisLevel {
    /// A: serious adjustment problems, or diagnosed and in treatment, no danger to life.
    A,
    /// B: obvious abnormality, or diagnosed and unstable, tendency to endanger self or others.
    B,
    /// C: severe symptoms, self-harm or harm to others without serious result.
    C,
    /// D: harm endangering life, ongoing or with serious result.
    D,
}

impl CrisisLevel {
    /// The four levels, in order.
    pub const ALL: [CrisisLevel; 4] = [Self::A, Self::B, Self::C, Self::D];
}

/// Leave of absence 休学 or return to school 复学 (seed 000).
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveKind {
    /// 休学
    Leave,
    /// 复学
    Return,
}

/// 心理普查 a screening result.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screening {
    /// Instrument, e.g. "UPI", "SCL-90".
    pub instrument: String,
    /// Score as reported, free text ("27", "T=65").
    pub score: String,
    /// Result band.
    pub result: ScreeningResult,
    /// Whether the student is flagged for a follow-up interview.
    pub flagged: bool,
    /// Notes.
    pub notes: String,
}

/// 谈心谈话 a talk record.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Talk {
    /// The must-talk category.
    pub category: TalkCategory,
    /// Where the talk took place.
    pub place: String,
    /// What was said and agreed.
    pub text: String,
    /// When to follow up, if agreed.
    #[typeshare(serialized_as = "Option<String>")]
    pub follow_up: Option<NaiveDate>,
}

/// 家校联系 a contact with the parents.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentContact {
    /// Who was contacted, e.g. "母亲 王某".
    pub contact: String,
    /// How.
    pub method: ContactMethod,
    /// What was said.
    pub text: String,
}

/// 重点关注 an entry on the key-concern list.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyConcern {
    /// Level.
    pub level: ConcernLevel,
    /// Problem types, e.g. 学业困难, 家庭变故, 情绪问题.
    pub problem_types: Vec<String>,
    /// End of the concern (销号); `None` while it lasts.
    #[typeshare(serialized_as = "Option<String>")]
    pub until: Option<NaiveDate>,
    /// Why.
    pub reason: String,
}

/// 危机评估 a crisis assessment; the rationale is required.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisAssessment {
    /// Level A–D.
    pub level: CrisisLevel,
    /// Why this level (required).
    pub rationale: String,
    /// Actions taken.
    pub actions: String,
    /// The time of day of the assessment, from which the steps of its level are due in hours
    /// (absent in records written before crisis cases: counted from the start of the day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[typeshare(serialized_as = "Option<String>")]
    pub time: Option<NaiveTime>,
}

/// 危机初报 the first report of a crisis before any assessment: opens a crisis case, whose steps
/// for every level are due from its time; the assessment that follows grades it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisReport {
    /// Who found or reported the student 第一响应人 (e.g. "寝室长 李某").
    pub reporter: String,
    /// What happened (required).
    pub text: String,
    /// The time of day of the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[typeshare(serialized_as = "Option<String>")]
    pub time: Option<NaiveTime>,
}

/// 危机处置步骤 a step of the open crisis case done: which step of the policy's protocol, when and
/// by whom. Fulfils that step's obligation.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisStep {
    /// The step's key in the policy (`[[crisis.response]]` or `[[crisis.aftercare]]`).
    pub step: String,
    /// The step's label as the policy said it when the step was done (the file keeps it when
    /// the policy changes); filled by the core when left empty.
    #[serde(default)]
    pub label: String,
    /// Who did it (required).
    pub by: String,
    /// The time of day it was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[typeshare(serialized_as = "Option<String>")]
    pub time: Option<NaiveTime>,
    /// Notes.
    #[serde(default)]
    pub note: String,
}

/// 结案 the closing of a crisis case: why, and who approved it. The case stays in the file and
/// owes nothing more.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisClose {
    /// Why the case is closed (required).
    pub reason: String,
    /// Who approved the closing (required).
    pub approved_by: String,
    /// The time of day of the closing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[typeshare(serialized_as = "Option<String>")]
    pub time: Option<NaiveTime>,
}

/// 一人一策 an individual plan: prevention, intervention, handling.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// 预防
    pub prevention: String,
    /// 干预
    pub intervention: String,
    /// 处置
    pub handling: String,
    /// Dates on which the plan is reviewed.
    #[typeshare(serialized_as = "Vec<String>")]
    pub review_dates: Vec<NaiveDate>,
}

/// 转介 / 诊断 a referral and, when known, the diagnosis.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referral {
    /// Institution referred to.
    pub institution: String,
    /// Reason.
    pub reason: String,
    /// Diagnosis from a hospital, if any.
    pub diagnosis: String,
    /// Diagnosed by a hospital (triggers half-monthly contact).
    pub hospital_diagnosed: bool,
    /// Medication and revisit notes.
    pub medication: String,
    /// The first revisit 复诊 date the hospital set, if any: a reminder is due on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[typeshare(serialized_as = "Option<String>")]
    pub next_revisit: Option<NaiveDate>,
}

/// 用药与复诊 a diagnosed student's treatment as data (000 四（一）3: 叮嘱学生按时服药，定期复诊):
/// the medication now, a revisit done, the next revisit date (each gets a reminder), or the
/// hospital's finding that the student recovered, which ends the diagnosed student's duties.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Treatment {
    /// The medication now, as prescribed (name, dose, how often); empty: none.
    pub medication: String,
    /// Takes it as prescribed 按时服药.
    pub adherent: bool,
    /// A revisit 复诊 took place on the record's day.
    pub revisited: bool,
    /// The next revisit date the hospital set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[typeshare(serialized_as = "Option<String>")]
    pub next_revisit: Option<NaiveDate>,
    /// 康复: the hospital found the student recovered; the half-monthly contacts and the revisit
    /// reminders end on the record's day.
    pub recovered: bool,
    /// Notes.
    #[serde(default)]
    pub note: String,
}

/// 休学 / 复学 a leave or return review.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveReview {
    /// Leave or return.
    pub kind: LeaveKind,
    /// A hospital certificate was presented.
    pub certificate: bool,
    /// Result of the assessment.
    pub assessment: String,
    /// Approved.
    pub approved: bool,
    /// Notes.
    pub notes: String,
}

/// An attached file (scanned certificate …); the bytes are sealed apart.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Original file name.
    pub file_name: String,
    /// Media type, e.g. "application/pdf".
    pub media_type: String,
    /// Size in bytes.
    pub size: i32,
    /// What it is.
    pub description: String,
}

/// 八必谈 trigger: an event that obliges a talk of its category (e.g. an academic warning).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MustTalkEvent {
    /// The must-talk category the event calls for.
    pub trigger: TalkCategory,
    /// What happened.
    pub note: String,
}

/// An obligation waived, with its reason (e.g. the student was on leave).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    /// The rule id, e.g. `must-talk.freshman` (see docs/policy-format.md).
    pub rule: String,
    /// The due date of the obligation waived.
    #[typeshare(serialized_as = "String")]
    pub due: NaiveDate,
    /// Why (required).
    pub reason: String,
}

/// What a weekly review 周研判 decided for a key-concern student.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// 维持 keep the level.
    Keep,
    /// 升级 raise it.
    Raise,
    /// 降级 lower it.
    Lower,
    /// 销号 close: off the key-concern list.
    Close,
}

/// One student's item of a weekly review 周研判: the decision and why.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// The decision.
    pub decision: ReviewDecision,
    /// The level after a raise or lower (required then).
    pub level: Option<ConcernLevel>,
    /// Why (required).
    pub reason: String,
    /// The meeting it was taken in, if recorded as one.
    pub meeting: Option<String>,
}

/// 观察报告 what a class or dorm observer (心理委员, 寝室长: 班级心理晴雨表, 寝室长报告) reported,
/// filed into the file from the triage inbox. The reporter never sees the file.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    /// Who reported, as the list names them (e.g. "心理委员 李某").
    pub reporter: String,
    /// The class or dorm the report came from.
    pub place: String,
    /// What was observed.
    pub text: String,
    /// The counselor's note when filing it.
    pub note: String,
}

/// One field of the profile as an amendment changed it, both values as text.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name in `StudentProfile`, e.g. `dorm`, `guardians`, `off_campus`.
    pub field: String,
    /// The value before.
    pub old: String,
    /// The value after.
    pub new: String,
}

/// 基本信息变更 an audited change of the profile 一生一档: each field old → new, and why. Kept in the
/// file as a record, so the timeline shows who changed what and why; the audit names the fields.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileAmendment {
    /// The fields changed.
    pub changes: Vec<FieldChange>,
    /// Why (required).
    pub reason: String,
}

/// The content of a record, by kind.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum RecordBody {
    /// 心理普查
    Screening(Screening),
    /// 谈心谈话
    Talk(Talk),
    /// 家校联系
    ParentContact(ParentContact),
    /// 重点关注
    KeyConcern(KeyConcern),
    /// 危机评估
    Crisis(CrisisAssessment),
    /// 一人一策
    Plan(Plan),
    /// 转介 / 诊断
    Referral(Referral),
    /// 休学 / 复学
    LeaveReview(LeaveReview),
    /// 附件
    Attachment(Attachment),
    /// 八必谈 trigger event
    Event(MustTalkEvent),
    /// 豁免 a waived obligation
    Waiver(Waiver),
    /// 周研判 a weekly review decision
    Review(Review),
    /// 观察报告 an observer's report, filed from the inbox
    Observation(Observation),
    /// 基本信息变更 an amendment of the profile 一生一档, with its reason
    ProfileAmendment(ProfileAmendment),
    /// 危机初报 a crisis first reported, before any assessment
    CrisisReport(CrisisReport),
    /// 危机处置步骤 a step of a crisis case done
    CrisisStep(CrisisStep),
    /// 危机结案 a crisis case closed
    CrisisClose(CrisisClose),
    /// 用药与复诊 a diagnosed student's medication and revisits
    Treatment(Treatment),
}

impl RecordBody {
    /// The stable name of the kind, as stored in sealed headers.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Screening(_) => "screening",
            Self::Talk(_) => "talk",
            Self::ParentContact(_) => "parent_contact",
            Self::KeyConcern(_) => "key_concern",
            Self::Crisis(_) => "crisis",
            Self::Plan(_) => "plan",
            Self::Referral(_) => "referral",
            Self::LeaveReview(_) => "leave_review",
            Self::Attachment(_) => "attachment",
            Self::Event(_) => "event",
            Self::Waiver(_) => "waiver",
            Self::Review(_) => "review",
            Self::Observation(_) => "observation",
            Self::ProfileAmendment(_) => "profile_amendment",
            Self::CrisisReport(_) => "crisis_report",
            Self::CrisisStep(_) => "crisis_step",
            Self::CrisisClose(_) => "crisis_close",
            Self::Treatment(_) => "treatment",
        }
    }
}

/// A record as written: what happened, when, and whether it amends an earlier one.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecord {
    /// The day it happened.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// Who wrote it (the counselor's name).
    pub author: String,
    /// The record this one corrects; the original is kept.
    pub amends: Option<String>,
    /// Why it was amended.
    pub amend_reason: String,
    /// Content.
    pub body: RecordBody,
}

/// A record as stored: its id, when it was written, and whether a later amendment superseded it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    /// Internal id.
    pub id: String,
    /// When it was written (RFC 3339, local time of the workstation).
    pub written_at: String,
    /// The id of the amendment that superseded this record, if any.
    pub superseded_by: Option<String>,
    /// The record.
    pub record: NewRecord,
}
