#![no_main]
//! ironbox::fuzz::layout_and_hints: see src/fuzz.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ironbox::fuzz::layout_and_hints(data));
