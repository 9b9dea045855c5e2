//! What names a retired student outside their own rows: the weekly review meetings 周研判 (a
//! decision and its reason per student), the triage inbox (observers' reports about them) and the
//! network's one-to-one liaisons (a student looked after directly, and why). All are sealed settings under the archive's own key, which survives a retirement, so they are
//! rewritten in the retirement's transaction; VACUUM and the WAL checkpoint that follow leave no
//! older copy in the file. The audit log needs no rewriting: its entries name a student only under
//! the student's data key, which the retirement destroys (src/audit.rs).

use super::*;
use crate::session::rules::setting;
use serde_json::Value;

/// The reason written in place of a retired student's decision.
const REDACTED: &str = "";

impl Session {
    /// Rewrites the meetings and the inbox without the students `retired` (学号): their meeting
    /// rows keep the decision and level (the meeting's counts) and lose the 学号 and the reason;
    /// their inbox items go.
    pub(super) fn redact_retired(
        &self,
        tx: &rusqlite::Connection,
        retired: &HashSet<String>,
    ) -> Result<()> {
        if retired.is_empty() {
            return Ok(());
        }
        let retired: HashSet<String> = retired
            .iter()
            .map(|n| crate::normalize::identifier(n))
            .collect();
        let retired = &retired;
        let mut meetings: Value = self.json_setting(setting::REVIEWS)?;
        if redact_meetings(&mut meetings, retired) {
            self.put_setting_in(tx, setting::REVIEWS, &to_json(&meetings)?)?;
        }
        let mut inbox: Value = self.json_setting(setting::INBOX)?;
        if redact_inbox(&mut inbox, retired) {
            self.put_setting_in(tx, setting::INBOX, &to_json(&inbox)?)?;
        }
        let mut network: Value = self.json_setting(setting::NETWORK)?;
        if redact_liaisons(&mut network, retired) {
            self.put_setting_in(tx, setting::NETWORK, &to_json(&network)?)?;
        }
        Ok(())
    }
}

/// Whether `v` names one of `retired` (normalised 学号: a grid table or an observer may have typed
/// it differently from the profile).
fn names_retired(v: &Value, retired: &HashSet<String>) -> bool {
    v.get("student_no")
        .and_then(Value::as_str)
        .is_some_and(|n| retired.contains(&crate::normalize::identifier(n)))
}

/// Whether anything changed: the liaisons of retired students go (the network's people stay,
/// since activities and the grid refer to them; the next grid table import replaces them).
fn redact_liaisons(network: &mut Value, retired: &HashSet<String>) -> bool {
    let Some(items) = network.get_mut("liaisons").and_then(Value::as_array_mut) else {
        return false;
    };
    let before = items.len();
    items.retain(|it| !names_retired(it, retired));
    items.len() != before
}

/// Whether anything changed.
fn redact_meetings(meetings: &mut Value, retired: &HashSet<String>) -> bool {
    let mut changed = false;
    let Some(list) = meetings.get_mut("meetings").and_then(Value::as_array_mut) else {
        return false;
    };
    for m in list {
        let Some(items) = m.get_mut("items").and_then(Value::as_array_mut) else {
            continue;
        };
        for it in items.iter_mut().filter(|it| names_retired(it, retired)) {
            it["student_no"] = Value::from(REDACTED);
            it["reason"] = Value::from(REDACTED);
            changed = true;
        }
    }
    changed
}

/// Whether anything changed.
fn redact_inbox(inbox: &mut Value, retired: &HashSet<String>) -> bool {
    let Some(items) = inbox.get_mut("items").and_then(Value::as_array_mut) else {
        return false;
    };
    let before = items.len();
    items.retain(|it| !names_retired(it, retired));
    items.len() != before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meetings_lose_the_retired_students_number_and_reason_and_keep_the_rest() {
        let retired: HashSet<String> = ["2023001".to_string()].into();
        let mut v = serde_json::json!({"meetings": [{"id": "m", "items": [
            {"student_no": "2023001", "decision": "close", "level": null, "reason": "毕业离校"},
            {"student_no": "2023002", "decision": "keep", "level": "key", "reason": "继续关注"}
        ]}]});
        assert!(redact_meetings(&mut v, &retired));
        let items = &v["meetings"][0]["items"];
        assert_eq!(items[0]["student_no"], "");
        assert_eq!(items[0]["reason"], "");
        assert_eq!(items[0]["decision"], "close");
        assert_eq!(items[1]["reason"], "继续关注");
        assert!(!redact_meetings(&mut v, &retired), "nothing left to redact");
    }

    #[test]
    fn liaisons_of_retired_students_go_and_the_people_stay() {
        let retired: HashSet<String> = ["2023001X".to_string()].into();
        let mut v = serde_json::json!({"people": [{"id": "2023001X", "name": "张三"}],
        "liaisons": [
            {"student_no": "2023001x", "person": "T01", "reason": "off_campus"},
            {"student_no": "2023002", "person": "T01", "reason": "changed_dorm"}
        ]});
        assert!(redact_liaisons(&mut v, &retired));
        assert_eq!(v["liaisons"].as_array().map(Vec::len), Some(1));
        assert_eq!(v["liaisons"][0]["student_no"], "2023002");
        assert_eq!(v["people"].as_array().map(Vec::len), Some(1));
        assert!(!redact_liaisons(&mut v, &retired), "nothing left to redact");
    }

    #[test]
    fn inbox_items_of_retired_students_go() {
        let retired: HashSet<String> = ["2023001".to_string()].into();
        let mut v = serde_json::json!({"items": [
            {"student_no": "2023001", "observation": {"text": "情绪低落"}},
            {"student_no": "2023002", "observation": {"text": "失眠"}}
        ]});
        assert!(redact_inbox(&mut v, &retired));
        assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(v["items"][0]["student_no"], "2023002");
        assert!(!redact_inbox(&mut serde_json::json!({}), &retired));
    }
}
