//! The shell's hardening, checked on the files that configure it: a strict CSP, the isolation
//! pattern, an incognito window, no remote content, and capabilities granting only our commands.
//! The command list must agree in build.rs (permissions), lib.rs (handler) and the isolation hook.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The command names listed in build.rs.
fn commands() -> Vec<String> {
    let build = read(&here().join("build.rs"));
    let start = build.find("const COMMANDS").expect("COMMANDS in build.rs");
    let list = &build[start..build[start..].find("];").expect("end of COMMANDS") + start];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn csp_is_strict() {
    let conf = json(&here().join("tauri.conf.json"));
    let csp = &conf["app"]["security"]["csp"];
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(
        csp["script-src"], "'self'",
        "no data:, blob:, eval or remote scripts"
    );
    assert_eq!(csp["connect-src"], "ipc: http://ipc.localhost");
    assert_eq!(csp["font-src"], "'self'");
    // Attachment previews (PDF in <object>, images) use blob: URLs made from bytes Rust sent on
    // demand; never scripts.
    assert!(
        csp["object-src"] == "'none'" || csp["object-src"] == "blob:",
        "object-src: only blob: previews"
    );
    assert!(
        csp["img-src"] == "'self'" || csp["img-src"] == "'self' blob:",
        "img-src: the app's own images and blob: previews"
    );
    assert!(conf["app"]["security"]["dangerousDisableAssetCspModification"].is_null());
    assert!(conf["app"]["security"]["dangerousRemoteDomainIpcAccess"].is_null());
}

#[test]
fn isolation_incognito_and_no_remote_content() {
    let conf = json(&here().join("tauri.conf.json"));
    assert_eq!(conf["app"]["security"]["pattern"]["use"], "isolation");
    assert!(
        conf["build"]["devUrl"].is_null(),
        "the webview never loads from a server"
    );
    assert_eq!(conf["build"]["frontendDist"], "../ui/dist");
    let windows = conf["app"]["windows"].as_array().expect("windows");
    assert_eq!(windows.len(), 1);
    assert_eq!(windows[0]["incognito"], true);
    assert!(
        windows[0]["url"].is_null(),
        "the window shows the embedded UI"
    );
    let text = read(&here().join("tauri.conf.json"));
    for remote in ["http://", "https://", "ws://", "wss://"] {
        let hits = text.matches(remote).count();
        let allowed = text.matches("http://ipc.localhost").count();
        assert!(
            hits == 0 || (remote == "http://" && hits == allowed),
            "{remote} in tauri.conf.json"
        );
    }
    let cargo = read(&here().join("Cargo.toml"));
    assert!(
        !cargo.contains("devtools"),
        "devtools only in debug builds (Tauri's default)"
    );
    for plugin in [
        "tauri-plugin-shell",
        "tauri-plugin-fs",
        "tauri-plugin-http",
        "tauri-plugin-opener",
    ] {
        assert!(!cargo.contains(plugin), "{plugin} must not be a dependency");
    }
}

#[test]
fn capabilities_grant_only_our_commands() {
    let mut allowed: Vec<String> = commands()
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    allowed.extend([
        "core:event:allow-listen".to_owned(),
        "core:event:allow-unlisten".to_owned(),
    ]);
    let dir = here().join("capabilities");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("capabilities folder") {
        let path = entry.expect("entry").path();
        files += 1;
        let cap = json(&path);
        assert!(
            cap["remote"].is_null(),
            "{}: no remote URLs get IPC",
            path.display()
        );
        assert_eq!(cap["local"], true);
        for p in cap["permissions"].as_array().expect("permissions") {
            let p = p
                .as_str()
                .expect("permission identifiers only, no scoped objects");
            assert!(
                allowed.iter().any(|a| a == p),
                "{}: {p} is not one of ours",
                path.display()
            );
        }
    }
    assert_eq!(files, 1);
}

#[test]
fn the_command_list_agrees_everywhere() {
    let lib = read(&here().join("src/lib.rs"));
    let hook = read(&here().join("../ui/isolation/index.js"));
    let api = read(&here().join("../ui/src/api.ts"));
    let cap = read(&here().join("capabilities/main-window.json"));
    let commands = commands();
    assert!(!commands.is_empty());
    for c in &commands {
        assert!(
            lib.contains(&format!("commands::{c},")),
            "{c} not registered in lib.rs"
        );
        assert!(
            hook.contains(&format!("'{c}'")),
            "{c} not allowed by the isolation hook"
        );
        assert!(
            api.contains(&format!("'{c}'")),
            "{c} has no typed wrapper in ui/src/api.ts"
        );
        assert!(
            cap.contains(&format!("\"allow-{}\"", c.replace('_', "-"))),
            "{c} not granted"
        );
    }
    assert_eq!(
        lib.matches("commands::").count(),
        commands.len(),
        "lib.rs registers exactly these"
    );
}
