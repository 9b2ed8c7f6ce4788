//! completions/ and man/ are generated from the clap definitions and committed: this fails when
//! they are stale (run scripts/gen-docs).

mod common;

#[test]
fn committed_docs_match_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    common::ironbox(&["generate", "--out"])
        .arg(dir.path())
        .run()
        .ok();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for sub in ["completions", "man"] {
        let fresh = common::sh(&format!(
            "cd {} && find {sub} -type f | sort",
            dir.path().display()
        ));
        let committed = common::sh(&format!(
            "cd {} && find {sub} -type f | sort",
            root.display()
        ));
        assert_eq!(
            fresh, committed,
            "{sub}/ file list is stale: run scripts/gen-docs"
        );
        for f in fresh.lines() {
            let a = std::fs::read(dir.path().join(f)).unwrap();
            let b = std::fs::read(root.join(f)).unwrap();
            assert!(a == b, "{f} is stale: run scripts/gen-docs");
        }
    }
}
