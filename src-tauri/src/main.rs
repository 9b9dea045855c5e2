//! The XinDang 心档 desktop app. Everything lives in the library so it can be tested.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    xindang_app::run();
}
