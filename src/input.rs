//! Reading a file the user named (a rates file, a manifest, a `--keep-from`
//! list): only a regular file, and at most a bounded number of bytes, so
//! `--rates /dev/zero` or a FIFO is an error at once rather than a run that
//! reads or waits forever.

use std::fs::{File, FileType, OpenOptions};
use std::io::{BufRead, Read};
use std::path::Path;

/// The most bytes read from one user-named input file (64 MiB; the largest
/// real input, a full manifest or LiteLLM's price list, is a few MB).
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Why an input file was not read; the caller names the file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is {kind}, not a regular file")]
    NotRegular { kind: &'static str },
    #[error("it is larger than {} MiB, the most an input file may be", limit / (1024 * 1024))]
    TooLarge { limit: u64 },
    #[error("it is not UTF-8 text")]
    NotText,
}

/// What kind of file `file_type` is, in words ("a directory", "a FIFO", …).
pub fn describe(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// Opens `path` for reading without ever blocking in `open` (a FIFO with
/// no writer would), and refuses anything but a regular file.
pub fn open_regular(path: &Path) -> Result<File, InputError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Ignored by regular files; makes `open` of a FIFO return at once.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(InputError::NotRegular {
            kind: describe(file_type),
        });
    }
    Ok(file)
}

/// [`open_regular`] for code that speaks `io::Error`: a missing file is
/// still `NotFound`, and anything but a regular file is an
/// `InvalidInput` error saying what it is.
pub fn open_for_reading(path: &Path) -> std::io::Result<File> {
    open_regular(path).map_err(|e| match e {
        InputError::Io(e) => e,
        other => std::io::Error::new(std::io::ErrorKind::InvalidInput, other.to_string()),
    })
}

/// The text of the regular file `path`, refusing one over `limit` bytes.
pub fn read_to_string(path: &Path, limit: u64) -> Result<String, InputError> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge { limit });
    }
    String::from_utf8(bytes).map_err(|_| InputError::NotText)
}

/// The longest line of a JSON Lines file read back (samples, transcripts,
/// grades): a longer one is an error, not an allocation. None this tool
/// writes comes near it (a reply is at most 8 MiB).
pub const MAX_LINE: u64 = 16 << 20;

/// What [`next_line`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// Nothing: the input has ended.
    End,
    /// A whole line, its newline included.
    Whole,
    /// The last bytes of the input, with no newline: a final line written
    /// without one, or one torn by a crash.
    Unended,
    /// More than the limit before a newline; what was read is dropped.
    TooLong,
}

/// Reads the next line of a JSON Lines input into `line` (cleared first),
/// holding at most `limit` bytes of it: a line longer than any the writer
/// makes is an error to name, never a line to hold or a torn one to cut.
pub fn next_line(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    limit: u64,
) -> std::io::Result<Line> {
    line.clear();
    let read = reader.take(limit + 1).read_until(b'\n', line)?;
    Ok(if read == 0 {
        Line::End
    } else if line.ends_with(b"\n") {
        Line::Whole
    } else if read as u64 > limit {
        line.clear();
        Line::TooLong
    } else {
        Line::Unended
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_device_is_refused_without_reading() {
        let error = read_to_string(Path::new("/dev/zero"), MAX_INPUT_BYTES).unwrap_err();
        assert_eq!(
            error.to_string(),
            "it is a character device, not a regular file"
        );
    }

    #[test]
    fn a_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_to_string(dir.path(), MAX_INPUT_BYTES).unwrap_err();
        assert!(
            matches!(
                error,
                InputError::NotRegular {
                    kind: "a directory"
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let error = read_to_string(&fifo, MAX_INPUT_BYTES).unwrap_err();
        assert_eq!(error.to_string(), "it is a FIFO, not a regular file");
    }

    #[test]
    fn lines_are_whole_unended_or_too_long() {
        let mut input: &[u8] = b"{}\n12345678\n{\"a\":1}";
        let mut line = Vec::new();
        let mut read = || next_line(&mut input, &mut line, 4).unwrap();
        assert_eq!(read(), Line::Whole);
        assert_eq!(read(), Line::TooLong);
        // The rest of the long line, then the last one.
        assert_eq!(read(), Line::Whole);
        assert_eq!(read(), Line::TooLong);
        assert_eq!(read(), Line::Unended);
        assert_eq!(read(), Line::End);
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b'a'; 2 * 1024 * 1024 + 1]).unwrap();
        let error = read_to_string(&path, 2 * 1024 * 1024).unwrap_err();
        assert_eq!(
            error.to_string(),
            "it is larger than 2 MiB, the most an input file may be"
        );
        assert_eq!(
            read_to_string(&path, 3 * 1024 * 1024).unwrap().len(),
            2 * 1024 * 1024 + 1
        );
    }
}
