#![no_main]
//! ironbox::fuzz::image_stream: see src/fuzz.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ironbox::fuzz::image_stream(data));
