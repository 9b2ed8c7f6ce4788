//! Decodes an image with ironbox's format layer and prints what was detected, the guest bytes
//! produced and the decode rate (the figures in the image-write note come from this):
//! `cargo run --release --example image_decode -- FILE [--stream] [--spill DIR]`
//! (`--stream` reads FILE as a forward-only stream, as stdin or HTTP without Range would).

use ironbox::image::format::{self, Chunk, Options};
use std::fs::File;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .expect("usage: image_decode FILE [--stream] [--spill DIR]");
    let stream = args.iter().any(|a| a == "--stream");
    let spill_dir = args
        .iter()
        .position(|a| a == "--spill")
        .map(|i| args[i + 1].clone().into());
    let opts = Options {
        spill_dir,
        ..Options::default()
    };
    let file = File::open(path).expect("open image");
    let start = Instant::now();
    let mut s = if stream {
        format::open(Box::new(file), &opts)
    } else {
        format::open_seekable(Box::new(file), &opts)
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let (mut data, mut zero) = (0u64, 0u64);
    while let Some(chunk) = s.next_chunk().unwrap_or_else(|e| panic!("{e}")) {
        match chunk {
            Chunk::Data(b) => {
                data += b.len() as u64;
                s.recycle(b);
            }
            Chunk::Zero(n) => zero += n,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:?} data={data} zero={zero} secs={secs:.3} rate={:.0} MiB/s",
        s.detected(),
        (data + zero) as f64 / secs / 1048576.0
    );
}
