//! The progress display while the input loads: a bar on standard error with the file, its
//! bytes read, its rows and the speed, drawn by indicatif. Only on a terminal, never with
//! `--quiet`, and only once loading has taken half a second, so a small network prints
//! nothing and standard error stays clean for scripts and CI.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::load::{Progress, ProgressSink};

/// Loading that takes less than this shows no bar.
const SHOW_AFTER: Duration = Duration::from_millis(500);

/// The loading bar, told by the loader after every block it reads.
pub struct LoadBar {
    bar: ProgressBar,
    started: Instant,
    /// The file the bar shows, and whether it is drawn yet.
    state: Mutex<(String, bool)>,
}

impl LoadBar {
    /// A bar for this run: `None` with `--quiet` or when standard error is not a terminal.
    pub fn new(quiet: bool) -> Option<Arc<LoadBar>> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {msg} ({bytes_per_sec})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Some(Arc::new(LoadBar {
            bar,
            started: Instant::now(),
            state: Mutex::new((String::new(), false)),
        }))
    }

    /// What the loader reports to.
    pub fn sink(self: &Arc<Self>) -> ProgressSink {
        ProgressSink(Arc::clone(self) as Arc<dyn Progress>)
    }

    /// Takes the bar off the terminal once loading is over.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for LoadBar {
    fn update(&self, file: &str, bytes: u64, len: Option<u64>, rows: u64) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if !state.1 {
            if self.started.elapsed() < SHOW_AFTER {
                return;
            }
            state.1 = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        if state.0 != file {
            state.0 = file.to_string();
            self.bar.set_prefix(file.to_string());
            self.bar.reset();
        }
        if let Some(len) = len {
            self.bar.set_length(len);
        }
        self.bar.set_position(bytes);
        self.bar.set_message(format!("{rows} rows"));
    }
}
