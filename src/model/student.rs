use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

/// Gender as rosters record it (性别).
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// 男
    Male,
    /// 女
    Female,
}

/// Degree level: undergraduates and graduate students get separate networks (seed 004).
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DegreeLevel {
    /// 本科 undergraduate
    #[default]
    Undergraduate,
    /// 研究生 graduate
    Graduate,
}

/// Enrolment status (学籍状态). Students who leave have their file handed over to the center.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StudentStatus {
    /// 在读
    #[default]
    Enrolled,
    /// 休学 on leave
    OnLeave,
    /// 毕业
    Graduated,
    /// 退学
    Withdrawn,
    /// 转学
    Transferred,
}

/// A guardian (监护人 / 家长) and how to reach them.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Guardian {
    /// Name.
    pub name: String,
    /// Relation to the student, e.g. 父亲, 母亲.
    pub relation: String,
    /// Phone number.
    pub phone: String,
}

/// Off-campus housing 校外租房 and accompanying parent 陪读 (seed 000).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OffCampus {
    /// Address.
    pub address: String,
    /// 陪读: a parent lives with the student.
    pub accompanied: bool,
    /// Name of the accompanying person, if any.
    pub companion: String,
    /// Whether the college approved the arrangement.
    pub approved: bool,
}

/// The basic information of a student file 一生一档.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct StudentProfile {
    /// 学号, normalised (NFKC, no spaces, upper case).
    pub student_no: String,
    /// 姓名
    pub name: String,
    /// 性别
    pub gender: Option<Gender>,
    /// 出生日期
    #[typeshare(serialized_as = "Option<String>")]
    pub birth_date: Option<NaiveDate>,
    /// 学院
    pub college: String,
    /// 专业
    pub major: String,
    /// 班级
    pub class_name: String,
    /// 宿舍, e.g. "6栋-302".
    pub dorm: String,
    /// 年级, the enrolment year as written, e.g. "2025".
    pub grade: String,
    /// Undergraduate or graduate.
    pub level: DegreeLevel,
    /// Enrolment status.
    pub status: StudentStatus,
    /// 联系电话
    pub phone: String,
    /// 籍贯 / home address, free text.
    pub home_address: String,
    /// Guardians and their contacts.
    pub guardians: Vec<Guardian>,
    /// Off-campus housing, if the student lives off campus.
    pub off_campus: Option<OffCampus>,
}

/// One student as lists show it: enough to search, filter and open the file.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentSummary {
    /// Internal id of the student row (a string for the UI).
    pub id: String,
    /// 学号
    pub student_no: String,
    /// 姓名
    pub name: String,
    /// 拼音首字母 of the name in lower case (e.g. "zs" for 张三), computed in memory for search.
    pub initials: String,
    /// 学院
    pub college: String,
    /// 班级
    pub class_name: String,
    /// 宿舍
    pub dorm: String,
    /// 年级
    pub grade: String,
    /// Status.
    pub status: StudentStatus,
    /// Current key-concern level, if on the list.
    pub concern: Option<ConcernLevel>,
    /// Number of records in the file.
    pub record_count: i32,
}

/// The student list column by column, for the app: the same facts as a [`StudentSummary`] per
/// student, but each 学院, 班级, 宿舍 and 年级 written once and named by its index. Over 30,000
/// students, objects were 9 MB of JSON for the window to read; this is about a quarter of it.
/// Every column has one entry per student, in 学号 order; the 学号 names the student (the row ids
/// do not cross).
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentColumns {
    /// 学号
    pub student_no: Vec<String>,
    /// 姓名
    pub name: Vec<String>,
    /// 拼音首字母 of each name, lower case.
    pub initials: Vec<String>,
    /// The distinct 学院, 班级, 宿舍 and 年级 values, in order of first appearance.
    pub colleges: Vec<String>,
    /// Index into `colleges`.
    pub college: Vec<i32>,
    /// Distinct 班级 values.
    pub classes: Vec<String>,
    /// Index into `classes`.
    pub class_name: Vec<i32>,
    /// Distinct 宿舍 values.
    pub dorms: Vec<String>,
    /// Index into `dorms`.
    pub dorm: Vec<i32>,
    /// Distinct 年级 values.
    pub grades: Vec<String>,
    /// Index into `grades`.
    pub grade: Vec<i32>,
    /// Status.
    pub status: Vec<StudentStatus>,
    /// The students on the key-concern list today, by their index in these columns…
    pub concern_index: Vec<i32>,
    /// …and their levels (the others are on no list).
    pub concern_level: Vec<ConcernLevel>,
    /// Number of records in each file.
    pub record_count: Vec<i32>,
}

/// The app's student list, or word that the one it holds is current. The app keeps the list while
/// unlocked and names it by `version` when it asks again (opening the list, coming back to it), so
/// an unchanged list is not computed, sent and read again.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentList {
    /// Names this list: the students as they are (every change gives another) and the day (the
    /// key-concern levels change with it).
    pub version: String,
    /// The list; none when the version asked with is this one.
    pub columns: Option<StudentColumns>,
}

/// A whole student file: profile and every record, amendments included.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentFile {
    /// Internal id.
    pub id: String,
    /// Profile.
    pub profile: StudentProfile,
    /// Every record, oldest first; superseded ones are kept and marked.
    pub records: Vec<StoredRecord>,
}

use super::{ConcernLevel, StoredRecord};
