#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| suratd_fuzz::pdf_fast(data));
