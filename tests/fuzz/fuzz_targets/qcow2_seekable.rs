#![no_main]
//! ironbox::fuzz::qcow2_seekable: see src/fuzz.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ironbox::fuzz::qcow2_seekable(data));
