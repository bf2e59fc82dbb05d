//! Generation catches progenitor's panics without ever leaving the
//! process-wide panic hook replaced: a panic elsewhere still reaches the
//! hook that was installed, also while generations run on other threads.
//! (Its own test binary, so no other test touches the hook meanwhile.)

use std::panic;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn the_panic_hook_survives_concurrent_generations() {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    panic::set_hook(Box::new(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/undeclared_path_param.yaml");
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let fixture = fixture.clone();
            std::thread::spawn(move || {
                for _ in 0..3 {
                    let err = cloud_codegen::generate(&fixture, "crate").unwrap_err();
                    assert!(!err.problems.is_empty());
                }
            })
        })
        .collect();
    // A panic on this thread while generations run elsewhere reaches our hook.
    assert!(panic::catch_unwind(|| panic!("ours, during")).is_err());
    for t in threads {
        t.join().expect("generation thread");
    }
    assert!(panic::catch_unwind(|| panic!("ours, after")).is_err());
    // Exactly our two panics: the generator's were silenced, ours were not.
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    let _ = panic::take_hook();
}
