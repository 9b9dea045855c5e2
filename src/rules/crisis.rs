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
}

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
