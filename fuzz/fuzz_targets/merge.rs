#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| xindang_fuzz::merge(data));
