//! Every file the tool writes goes through here: reports, `--report` files, baselines and the
//! generator's network files are written to a temporary file in the same folder and renamed
//! into place once complete, so a run that is killed, or a write that fails midway (a full
//! disk), leaves the previous file as it was, never a truncated one.
//!
//! Special files are written directly, never replaced: anything that exists and is not a
//! regular file (a named pipe, a character device such as `/dev/null`) and any path under
//! `/dev/` or `/proc/` (`--output /dev/stdout`, which may point at a regular file that a shell
//! opened for the process).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file being written: a temporary file renamed onto its path by [`OutFile::commit`], or a
/// special file written in place. Dropped without a commit, the temporary file is removed and
/// the path keeps its previous content.
pub struct OutFile {
    target: Target,
}

enum Target {
    Temp { file: NamedTempFile, path: PathBuf },
    Direct(File),
}

/// Whether `path` must be written in place rather than replaced.
fn is_special(path: &Path) -> bool {
    let text = path.to_string_lossy();
    if text.starts_with("/dev/") || text.starts_with("/proc/") {
        return true;
    }
    std::fs::metadata(path).is_ok_and(|m| !m.file_type().is_file())
}

impl OutFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> io::Result<OutFile> {
        if is_special(path) {
            let file = OpenOptions::new().write(true).truncate(true).open(path)?;
            return Ok(OutFile {
                target: Target::Direct(file),
            });
        }
        // A symbolic link stays one: the file it points at is replaced.
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".csp-audit-").suffix(".tmp");
        // Created with the mode a plain `File::create` gives (0666 less the umask), or the
        // replaced file's own permissions.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let file = builder.tempfile_in(&dir)?;
        if let Ok(old) = std::fs::metadata(&path) {
            let _ = file.as_file().set_permissions(old.permissions());
        }
        Ok(OutFile {
            target: Target::Temp { file, path },
        })
    }

    /// Finishes the file: flushed and, for a temporary file, renamed onto its path.
    pub fn commit(self) -> io::Result<()> {
        match self.target {
            Target::Direct(mut f) => f.flush(),
            Target::Temp { mut file, path } => {
                file.flush()?;
                file.persist(&path).map(drop).map_err(|e| e.error)
            }
        }
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.target {
            Target::Temp { file, .. } => file.write(buf),
            Target::Direct(f) => f.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Temp { file, .. } => file.write_all(buf),
            Target::Direct(f) => f.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.target {
            Target::Temp { file, .. } => file.flush(),
            Target::Direct(f) => f.flush(),
        }
    }
}

/// Writes `path` with `body`, atomically (see the module docs): on any error, from `body` or
/// from the file system, the path keeps its previous content.
pub fn write_file(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    write_through(path, |f| Box::new(f), body)
}

/// [`write_file`] with the file wrapped by `wrap` first (tests wrap it in a failing writer).
fn write_through(
    path: &Path,
    wrap: for<'a> fn(&'a mut OutFile) -> Box<dyn Write + 'a>,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut file = OutFile::create(path)?;
    {
        let mut out = io::BufWriter::with_capacity(1 << 16, wrap(&mut file));
        body(&mut out)?;
        out.flush()?;
    }
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that accepts `left` bytes, then fails as a full disk does.
    struct FailAfter<W> {
        inner: W,
        left: usize,
    }

    impl<W: Write> Write for FailAfter<W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    "no space left on device",
                ));
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            self.inner.write(&buf[..n])
        }
        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n != "report.json")
            .collect()
    }

    #[test]
    fn a_write_that_fails_midway_leaves_the_old_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("report.json");
        std::fs::write(&path, "old complete report\n").expect("write");
        let big = vec![b'x'; 200_000];
        let err = write_through(
            &path,
            |f| {
                Box::new(FailAfter {
                    inner: f,
                    left: 70_000,
                })
            },
            |w| w.write_all(&big),
        )
        .expect_err("the write fails");
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "old complete report\n"
        );
        assert!(
            leftovers(tmp.path()).is_empty(),
            "{:?}",
            leftovers(tmp.path())
        );
    }

    #[test]
    fn a_body_error_leaves_the_old_file_and_success_replaces_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("report.json");
        std::fs::write(&path, "old").expect("write");
        let err = write_file(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("emitter failed"))
        })
        .expect_err("fails");
        assert_eq!(err.to_string(), "emitter failed");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");
        write_file(&path, |w| w.write_all(b"new")).expect("writes");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        assert!(leftovers(tmp.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_stays_and_its_target_is_replaced() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let real = tmp.path().join("real.json");
        let link = tmp.path().join("report.json");
        std::fs::write(&real, "old").expect("write");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        write_file(&link, |w| w.write_all(b"new")).expect("writes");
        assert!(std::fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "new");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_written_in_place() {
        // /dev/null is a character device: written, never replaced.
        write_file(Path::new("/dev/null"), |w| w.write_all(b"gone")).expect("writes");
        assert!(is_special(Path::new("/dev/stdout")));
        assert!(!is_special(Path::new("report.json")));
    }
}
