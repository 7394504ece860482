//! Messages to standard error, buffered standard output and the one test for a closed pipe, at the bottom of the crate:
//! every layer may tell the user something without importing the commands.

use std::io::{self, BufWriter, Write};

use anstream::AutoStream;

/// Writes a line to standard error, ignoring a closed or failing stream (`eprintln!` would
/// panic there).
pub fn say(line: impl std::fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Buffered standard output that drops colour unless it is a terminal.
pub fn stdout() -> BufWriter<AutoStream<io::Stdout>> {
    let choice = AutoStream::choice(&io::stdout());
    BufWriter::with_capacity(1 << 16, AutoStream::new(io::stdout(), choice))
}

/// Whether an error is, or was caused by, writing to a pipe whose reader has gone
/// (`csp-audit audit DIR | head`), also when an emitter wrapped that error (as serde_json does)
/// or a context was added on the way up (`anyhow`).
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(error) = next {
        let kind = error
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| error.downcast_ref::<serde_json::Error>()?.io_error_kind());
        if kind == Some(io::ErrorKind::BrokenPipe) {
            return true;
        }
        // An `io::Error` made from another error reports that error's source, not the error
        // itself: look at what it wraps first.
        next = match error
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as _),
            None => error.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_found_however_it_is_wrapped() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&pipe()));
        let wrapped = io::Error::other(pipe());
        assert!(is_broken_pipe(&wrapped));
        let json = serde_json::Error::io(pipe());
        assert!(is_broken_pipe(&io::Error::other(json)));
        let contexted = anyhow::Error::new(pipe()).context("cannot write report");
        assert!(is_broken_pipe(contexted.as_ref()));
    }

    #[test]
    fn other_errors_are_not_a_closed_pipe() {
        assert!(!is_broken_pipe(&io::Error::from(io::ErrorKind::NotFound)));
        let contexted = anyhow::anyhow!("no data folder").context("audit");
        assert!(!is_broken_pipe(contexted.as_ref()));
        let json = serde_json::from_str::<u8>("x").expect_err("not JSON");
        assert!(!is_broken_pipe(&json));
    }
}
