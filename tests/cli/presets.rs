//! Each preset against its seed. Every rule value of `assets/policies/NNN-*.toml` names its source
//! in the preset's `[sources]`, and `assets/policies/NNN.sources.toml` keeps the sentence behind
//! it: the quote must be in the seed text (`assets/policies/seeds/NNN.txt`, a copy of the seed) at
//! its line, and the words stating the value must be in the quote and state the value the preset
//! has. A value with neither a quote nor the local mark fails, and so does a source entry for a
//! value the preset lacks. Then the presets through the command line: five different policies.

use std::collections::BTreeMap;
use std::path::PathBuf;

use toml::Value;
use xindang::rules::{Policy, PRESETS};

use crate::support::*;

fn policies_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/policies")
}

/// The text without any white space (the seeds break lines and pages inside sentences).
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The numbers some words state: digits, Chinese numerals, 半个月 = 15 days, and for a number of
/// weeks also its days (每两周 = 14).
fn numbers(words: &str) -> Vec<i64> {
    let mut out = Vec::new();
    let mut digits = String::new();
    for c in words.chars().chain([' ']) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        if let Ok(n) = digits.parse() {
            out.push(n);
        }
        digits.clear();
        let n = match c {
            '一' => 1,
            '二' | '两' => 2,
            '三' => 3,
            '四' => 4,
            '五' => 5,
            '六' => 6,
            '七' => 7,
            '八' => 8,
            '九' => 9,
            '十' => 10,
            _ => continue,
        };
        out.push(n);
    }
    if words.contains("半个月") {
        out.push(15);
    }
    if words.contains('周') {
        let weeks: Vec<i64> = out.iter().map(|n| n * 7).collect();
        out.extend(weeks);
        out.push(7);
    }
    out
}

/// Every rule value of a preset by dotted path (`cadence.diagnosed_contact_days`,
/// `crisis.levels[1].organiser`); the calendar is one value, `calendar`, and its screening months
/// another, `calendar.screening_months` (all semesters' months together).
fn values(preset: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Table(t) => {
                for (k, v) in t {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            Value::Array(a) if a.iter().all(Value::is_table) && !a.is_empty() => {
                for (i, v) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), v, out);
                }
            }
            _ => {
                out.insert(prefix.to_string(), v.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    for (table, v) in preset.as_table().unwrap() {
        match table.as_str() {
            "school" | "sources" => {}
            "calendar" => {
                out.insert("calendar".into(), Value::Boolean(true));
                let mut months: Vec<Value> = v["semesters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .flat_map(|s| {
                        s.get("screening_months")
                            .and_then(Value::as_array)
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect();
                months.sort_by_key(|m| m.as_integer());
                months.dedup();
                if !months.is_empty() {
                    out.insert("calendar.screening_months".into(), Value::Array(months));
                }
            }
            _ => walk(table, v, &mut out),
        }
    }
    out
}

/// A value as the preset writes it (numbers and texts bare).
fn show(v: &Value) -> String {
    match v {
        Value::Integer(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => format!("{other:?}"),
    }
}

/// Whether `states` states `value`.
fn states_value(value: &Value, states: &str, quote: &str) -> bool {
    let in_quote = |s: &str| squeeze(quote).contains(&squeeze(s));
    match value {
        Value::Integer(n) => numbers(states).contains(n),
        Value::Boolean(b) => *b && !states.is_empty(),
        Value::String(s) => in_quote(s),
        Value::Array(a) => a.iter().all(|v| match v {
            Value::Integer(n) => numbers(states).contains(n),
            Value::String(s) => in_quote(s),
            _ => false,
        }),
        _ => false,
    }
}

/// What is wrong with a preset against its sources and its seed (nothing, for a true preset).
fn problems(preset_text: &str, sources_text: &str, seed: &str) -> Vec<String> {
    let preset: Value = toml::from_str(preset_text).unwrap();
    let sources: Value = toml::from_str(sources_text).unwrap();
    let named = preset
        .get("sources")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    let lines: Vec<&str> = seed.lines().collect();
    let entries = sources["rule"].as_array().unwrap();
    let values = values(&preset);
    let mut out = Vec::new();
    for field in values.keys() {
        if !entries.iter().any(|e| e["field"].as_str() == Some(field)) {
            out.push(format!("{field}: no source and not marked local"));
        }
    }
    for e in entries {
        let field = e["field"].as_str().unwrap();
        let get = |k: &str| e.get(k).and_then(Value::as_str);
        let local = e.get("local").and_then(Value::as_bool) == Some(true);
        let Some(value) = values.get(field) else {
            out.push(format!(
                "{field}: a source for a value the preset does not have"
            ));
            continue;
        };
        let expected = match (local, get("article")) {
            (false, Some(a)) => a.to_string(),
            (true, Some(a)) => format!("local: {a}"),
            (true, None) => "local".to_string(),
            (false, None) => {
                out.push(format!("{field}: neither an article nor the local mark"));
                continue;
            }
        };
        if named.get(field).and_then(Value::as_str) != Some(expected.as_str()) {
            out.push(format!(
                "{field}: the preset's [sources] says {:?}, the quotes say {expected:?}",
                named.get(field)
            ));
        }
        if get("article").is_none() {
            continue;
        }
        let (Some(quote), Some(line)) = (get("quote"), e.get("line").and_then(Value::as_integer))
        else {
            out.push(format!("{field}: an article without its quote and line"));
            continue;
        };
        // The quote starts on its line (its first characters are there) and runs on from it.
        let at = line as usize - 1;
        let from: String = lines.iter().skip(at).take(4).map(|l| squeeze(l)).collect();
        let head: String = squeeze(quote).chars().take(4).collect();
        let starts = lines.get(at).is_some_and(|l| squeeze(l).contains(&head));
        if !starts || !from.contains(&squeeze(quote)) {
            out.push(format!(
                "{field}: the quote is not in the seed at line {line}"
            ));
            continue;
        }
        if local {
            continue;
        }
        match get("states") {
            Some(states) if squeeze(quote).contains(&squeeze(states)) => {
                if !states_value(value, states, quote) {
                    out.push(format!(
                        "{field}: {} is not what {states:?} states",
                        show(value)
                    ));
                }
            }
            // A text value (an organiser, a role) states itself: it must be in the quote.
            None if matches!(value, Value::String(_) | Value::Array(_)) => {
                if !states_value(value, "", quote) {
                    out.push(format!("{field}: {} is not in the quote", show(value)));
                }
            }
            _ => out.push(format!("{field}: no words of the quote state the value")),
        }
    }
    out
}

fn preset_parts(id: &str) -> (String, String, String) {
    let (_, text) = PRESETS.iter().find(|(p, _)| *p == id).unwrap();
    let dir = policies_dir();
    let sources = std::fs::read_to_string(dir.join(format!("{id}.sources.toml"))).unwrap();
    let seed = std::fs::read_to_string(dir.join(format!("seeds/{id}.txt"))).unwrap();
    (text.to_string(), sources, seed)
}

fn check_preset(id: &str) {
    let (text, sources, seed) = preset_parts(id);
    assert_eq!(
        problems(&text, &sources, &seed),
        Vec::<String>::new(),
        "preset {id}"
    );
}

#[test]
fn preset_000_says_what_its_seed_says() {
    check_preset("000");
}

#[test]
fn preset_001_says_what_its_seed_says() {
    check_preset("001");
}

#[test]
fn preset_002_says_what_its_seed_says() {
    check_preset("002");
}

#[test]
fn preset_003_says_what_its_seed_says() {
    check_preset("003");
}

#[test]
fn preset_004_says_what_its_seed_says() {
    check_preset("004");
}

#[test]
fn the_seed_check_fails_an_unsourced_value_a_wrong_value_and_a_moved_quote() {
    // A rule the seed does not have, added without a source.
    let (text, sources, seed) = preset_parts("003");
    let added = text.replace("[cadence]\n", "[cadence]\nall_parent_contacts = 1\n");
    assert_ne!(added, text);
    let p = problems(&added, &sources, &seed);
    assert_eq!(
        p,
        ["cadence.all_parent_contacts: no source and not marked local"]
    );
    // A value the quote does not state: 14 days where the seed says every half month.
    let (text, sources, seed) = preset_parts("000");
    let wrong = text.replace("diagnosed_contact_days = 15", "diagnosed_contact_days = 14");
    assert_ne!(wrong, text);
    let p = problems(&wrong, &sources, &seed);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].starts_with("cadence.diagnosed_contact_days: 14 is not"),
        "{p:?}"
    );
    // A quote at the wrong line, and a source entry the preset's [sources] contradicts.
    let moved = sources.replacen("line = 44", "line = 45", 1);
    assert_ne!(moved, sources);
    let p = problems(&text, &moved, &seed);
    assert_eq!(
        p,
        ["cadence.diagnosed_contact_days: the quote is not in the seed at line 45"]
    );
    let relabelled = text.replace(
        "\"cadence.diagnosed_contact_days\" = \"000 四（一）3\"",
        "\"cadence.diagnosed_contact_days\" = \"local\"",
    );
    assert_ne!(relabelled, text);
    assert_eq!(problems(&relabelled, &sources, &seed).len(), 1);
}

#[test]
fn the_five_presets_are_five_policies_beyond_their_names() {
    let rules: Vec<Policy> = PRESETS
        .iter()
        .map(|(id, _)| {
            let mut p = Policy::preset(id).unwrap();
            p.school = Policy::preset("000").unwrap().school;
            p.sources.clear();
            p
        })
        .collect();
    for (i, a) in rules.iter().enumerate() {
        for (j, b) in rules.iter().enumerate().skip(i + 1) {
            assert!(
                a.must_talk != b.must_talk
                    || a.cadence != b.cadence
                    || a.network != b.network
                    || a.crisis != b.crisis
                    || a.archive != b.archive,
                "presets {} and {} differ in their names only",
                PRESETS[i].0,
                PRESETS[j].0
            );
        }
    }
}

#[test]
fn each_preset_applied_and_shown_through_the_command_line() {
    let x = Xd::init();
    let mut shown = Vec::new();
    for (id, text) in PRESETS {
        x.ok(&["policy", "preset", id]);
        let show = x.ok(&["policy", "show"]);
        assert_eq!(show, *text, "preset {id}");
        shown.push(show);
    }
    let [p000, p001, p002, p003, p004] = &shown[..] else {
        panic!("five presets")
    };
    // 002's network has the 班主任 at the class level; only 001 has 八必谈; 004 names no
    // must-talk deadline; 1:5:25 is 003's alone.
    assert!(p002.contains("roles = [\"班主任\""));
    assert!(p001.contains("[must_talk]"));
    for p in [p000, p002, p003, p004] {
        assert!(!p.contains("[must_talk]") && !p.contains("freshman_days"));
    }
    assert!(p003.contains("backbones_per_counselor = 5"));
    for p in [p000, p001, p002, p004] {
        assert!(!p.contains("backbones_per_counselor"));
    }
    // The policy in force is the last one applied: its obligations name their sources.
    x.ok(&["policy", "preset", "000"]);
    let check = x.ok(&[
        "policy",
        "check",
        &policies_dir().join("002-quzhou.toml").to_string_lossy(),
    ]);
    assert!(check.starts_with("ok: 衢州职业技术学院"), "{check}");
}
