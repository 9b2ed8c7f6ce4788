#![no_main]
//! ironbox::fuzz::checksum_file: see src/fuzz.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ironbox::fuzz::checksum_file(data));
