#![no_main]
//! ironbox::fuzz::partition_tables: see src/fuzz.rs.
libfuzzer_sys::fuzz_target!(|data: &[u8]| ironbox::fuzz::partition_tables(data));
