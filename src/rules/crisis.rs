//! The crisis protocol 心理危机应急处置 and the archive's handover as policy data: who organises the
//! response at each level, who supports it, the emergency plan, the steps and the after-care, in
//! the seed's own words (002 第十二条, 001 二（二）), and where a departed student's file goes
//! (004 二（一）8). The crisis case reads them from the policy in force; no organiser is written in
//! Rust.

use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use crate::error::Result;
use crate::model::CrisisLevel;
use crate::Session;

/// A school's crisis protocol. Every part may be left out when the seed does not state it.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrisisProtocol {
    /// The levels A–D with their organisers (002), in order, each at most once.
    pub levels: Vec<CrisisLevelRule>,
    /// Who is first responsible 第一责任人, by who found the student (001).
    pub responsible: Vec<String>,
    /// Steps of the response (001).
    pub steps: Vec<String>,
    /// After-care once the response is over 后续工作 (002: 资料备案、家校联系、跟踪回访、评估帮扶).
    pub after: Vec<String>,
    /// The school's crisis plan the response follows (001).
    pub plan: String,
    /// The response steps 处置步骤 a crisis case owes, each due in hours after the record that
    /// requires it (the first report or the assessment of its level). Empty: the policy names none.
    pub response: Vec<CrisisStepRule>,
    /// The after-care steps 后续工作 (002 第十二条（四）), due in hours after the response's last
    /// step owed is done.
    pub aftercare: Vec<CrisisStepRule>,
    /// A case opened by a first report owes its assessment 危机评估 within this many hours
    /// (0 = not asked).
    pub assess_hours: u32,
}

/// One step of the crisis response or after-care, as the policy states it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrisisStepRule {
    /// Its key, recorded by the `crisis_step` record that does it (`report`, `parents` …:
    /// lower-case letters, digits and `-`, unique in the protocol).
    pub key: String,
    /// What is done, in Chinese. `{organiser}` stands for the organiser of the case's level.
    pub label: String,
    /// Who does it.
    #[serde(default)]
    pub who: String,
    /// Due within this many hours (1 to 8760).
    pub hours: u32,
    /// The levels that require it; empty: every level, and a case not yet assessed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub levels: Vec<CrisisLevel>,
    /// Offered, not owed: done where the situation calls for it (休学 where advised, the police
    /// where parents refuse and there is danger); never an obligation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offered: bool,
}

impl CrisisStepRule {
    /// Whether a case at `level` (`None`: not yet assessed) needs this step.
    pub fn applies(&self, level: Option<CrisisLevel>) -> bool {
        self.levels.is_empty() || level.is_some_and(|l| self.levels.contains(&l))
    }
}

/// The key of the assessment a case opened by a first report owes (`assess_hours`): done by the
/// crisis assessment record itself, not by a `crisis_step`.
pub const ASSESSMENT_STEP: &str = "assessment";

/// One crisis level of the protocol.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrisisLevelRule {
    /// The level.
    pub level: CrisisLevel,
    /// Who organises the response 组织者.
    pub organiser: String,
    /// Who supports or joins it.
    #[serde(default)]
    pub support: String,
    /// The emergency plan the response follows at this level (002 D: 突发公共事件应急处置预案).
    #[serde(default)]
    pub plan: String,
}

impl CrisisProtocol {
    /// The rule of a level, if the protocol has levels.
    pub fn level(&self, level: CrisisLevel) -> Option<&CrisisLevelRule> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// Checks what types cannot: levels in order, once each, each with an organiser.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        if self.levels.windows(2).any(|w| w[1].level <= w[0].level) {
            return Err("list the levels A to D in order, each once");
        }
        if self.levels.iter().any(|l| l.organiser.trim().is_empty()) {
            return Err("each level names its organiser");
        }
        Ok(())
    }

    /// Checks the steps: keys well formed and unique, labels given, hours in range.
    pub(crate) fn check_steps(&self) -> Result<(), &'static str> {
        let all: Vec<&CrisisStepRule> = self.response.iter().chain(&self.aftercare).collect();
        for (i, s) in all.iter().enumerate() {
            let key_ok = !s.key.is_empty()
                && s.key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !key_ok || s.key == ASSESSMENT_STEP {
                return Err("a step's key is lower-case letters, digits and -, not \"assessment\"");
            }
            if all[..i].iter().any(|o| o.key == s.key) {
                return Err("each step's key is used once");
            }
            if s.label.trim().is_empty() {
                return Err("each step has its label");
            }
            if !(1..=8760).contains(&s.hours) {
                return Err("a step is due within 1 to 8760 hours");
            }
        }
        if self.assess_hours > 8760 {
            return Err("assess_hours is 0 (not asked) to 8760");
        }
        Ok(())
    }

    /// A step of the response or the after-care by its key.
    pub fn step(&self, key: &str) -> Option<&CrisisStepRule> {
        self.response
            .iter()
            .chain(&self.aftercare)
            .find(|s| s.key == key)
    }
}

/// What happens to a student's file when they leave (seed 004: "待学生结束学校生活(如毕业、退学、
/// 转学等),则将其心理健康档案移送至心理中心留档").
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArchiveRules {
    /// Who receives the file 移送至 (004: 心理中心), where it is kept 留档.
    pub handover_to: String,
    /// Days after the status change (毕业、退学、转学) the handover is due (local; 0 = not asked).
    pub handover_days: u32,
}

impl Session {
    /// The crisis protocol of the policy in force, if it has one.
    pub fn crisis_protocol(&self) -> Result<Option<CrisisProtocol>> {
        Ok(self.policy()?.crisis)
    }
}
