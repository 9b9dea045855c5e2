//! The policy's presets and a policy text checked without saving it (line, field and reason).

use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use crate::error::{Error, Result};
use crate::rules::policy::{Policy, PRESETS};

/// A policy that fails validation: where and why (policy text only, never student data).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyProblem {
    /// 1-based line.
    pub line: u32,
    /// Dotted field path.
    pub field: String,
    /// Why (English, from the parser).
    pub reason: String,
}

/// A shipped policy preset.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPreset {
    /// Id, e.g. "000".
    pub id: String,
    /// The school's name.
    pub school: String,
}

/// The shipped presets with their schools' names.
pub fn policy_presets() -> Vec<PolicyPreset> {
    PRESETS
        .iter()
        .map(|(id, text)| PolicyPreset {
            id: (*id).to_string(),
            school: Policy::parse(text)
                .map(|p| p.school.name)
                .unwrap_or_default(),
        })
        .collect()
}

/// The text of a shipped preset.
pub fn policy_preset_text(id: &str) -> Result<&'static str> {
    PRESETS
        .iter()
        .find(|(p, _)| *p == id)
        .map(|(_, t)| *t)
        .ok_or(Error::Invalid {
            field: "preset",
            reason: "no preset with that id",
        })
}

/// Validates a policy text without storing it: `None` when good, else where it breaks.
pub fn check_policy(text: &str) -> Result<Option<PolicyProblem>> {
    match Policy::parse(text) {
        Ok(_) => Ok(None),
        Err(Error::Policy {
            line,
            field,
            reason,
        }) => Ok(Some(PolicyProblem {
            line,
            field,
            reason,
        })),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_checks_name_line_and_field_and_presets_have_schools() {
        let presets = policy_presets();
        assert_eq!(presets.len(), PRESETS.len());
        assert!(presets.iter().all(|p| !p.school.is_empty()));
        let text = policy_preset_text(&presets[0].id).expect("preset");
        assert_eq!(check_policy(text).expect("check"), None);
        assert!(matches!(
            policy_preset_text("nope"),
            Err(Error::Invalid { .. })
        ));
        let broken = text.replacen("[school]", "[school]\nbogus_field = 1", 1);
        let problem = check_policy(&broken).expect("check").expect("a problem");
        let line = broken
            .lines()
            .position(|l| l.starts_with("bogus_field"))
            .expect("line") as u32
            + 1;
        assert_eq!(problem.line, line);
        assert!(problem.field.contains("bogus_field") || problem.field.contains("school"));
    }
}
