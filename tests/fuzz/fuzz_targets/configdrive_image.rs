#![no_main]
//! ironbox::fuzz::configdrive_image: see src/fuzz.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ironbox::fuzz::configdrive_image(data));
