//! Writing a report: to a file (atomically, without colour) or to standard output.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use anstream::{AutoStream, ColorChoice};
use anyhow::Context;

use crate::cli::Format;
use crate::messages::is_broken_pipe;
use crate::report::{
    CsvEmitter, Emitter, GithubEmitter, GitlabEmitter, HtmlEmitter, JsonEmitter, JsonlEmitter,
    JunitEmitter, MarkdownEmitter, Report, SarifEmitter, TextEmitter,
};

fn emitter(format: Format) -> &'static dyn Emitter {
    match format {
        Format::Text => &TextEmitter,
        Format::Json => &JsonEmitter,
        Format::Sarif => &SarifEmitter,
        Format::Junit => &JunitEmitter,
        Format::Github => &GithubEmitter,
        Format::Markdown => &MarkdownEmitter,
        Format::Csv => &CsvEmitter,
        Format::Jsonl => &JsonlEmitter,
        Format::Gitlab => &GitlabEmitter,
        Format::Html => &HtmlEmitter,
    }
}

/// Writes one report to `path`, or to standard output.
pub fn write_report(
    format: Format,
    path: Option<&Path>,
    report: &Report<'_>,
) -> anyhow::Result<()> {
    let emitter = emitter(format);
    match path {
        Some(path) => {
            // Written to a temporary file and renamed into place: a failed or killed run
            // leaves the previous report whole.
            crate::output::write_file(path, |file| {
                if format == Format::Text {
                    // No colour in a file.
                    let mut out = Plain {
                        out: file,
                        state: Default::default(),
                    };
                    emitter.emit(report, &mut out)
                } else {
                    emitter.emit(report, file)
                }
            })
            .with_context(|| format!("cannot write report to {}", path.display()))?;
        }
        None => {
            let choice = colour(format, AutoStream::choice(&io::stdout()));
            let mut out = BufWriter::with_capacity(1 << 16, AutoStream::new(io::stdout(), choice));
            match emitter.emit(report, &mut out).and_then(|()| out.flush()) {
                // A closed pipe (`csp-audit audit DIR | head`) is a reader that has read
                // enough: the run ends quietly, with the exit code of what it found.
                Err(e) if is_broken_pipe(&e) => {}
                written => written?,
            }
        }
    }
    Ok(())
}

/// A writer that drops ANSI styles (the text report in a file).
struct Plain<'a> {
    out: &'a mut dyn Write,
    state: anstream::adapter::StripBytes,
}

impl Write for Plain<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for printable in self.state.strip_next(buf) {
            self.out.write_all(printable)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Only the text report has colour: the other formats pass through untouched, which spares
/// them the scan for escape sequences.
fn colour(format: Format, text_choice: ColorChoice) -> ColorChoice {
    if format == Format::Text {
        text_choice
    } else {
        ColorChoice::AlwaysAnsi
    }
}
