#![no_main]
//! ironbox::fuzz::capsule_and_smbios: see src/fuzz.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ironbox::fuzz::capsule_and_smbios(data));
