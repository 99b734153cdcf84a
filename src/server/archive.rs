//! A finished job's files as one POSIX tar (ustar) archive, written while
//! it is sent: each file's header (the `tar` crate's), its bytes and the
//! padding to whole 512-byte blocks, then two zero blocks. Sent as it is
//! read, with a length known before the first byte: no temporary file, no
//! archive in memory.

use std::io;
use std::path::PathBuf;

use axum::body::Body;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::io::ReaderStream;

const BLOCK: u64 = 512;
/// The bytes the writer may run ahead of the client: the memory an
/// archive download holds, whatever the size of the job.
const BUFFER: usize = 64 * 1024;
/// The largest size an 11-digit octal field holds: 8 GiB − 1.
const MAX_SIZE: u64 = 0o77_777_777_777;

/// One file of the archive, with its header.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its path inside the archive (`/`-separated, relative).
    pub name: String,
    /// Where it is on disk.
    pub path: PathBuf,
    pub size: u64,
    header: [u8; BLOCK as usize],
}

impl Entry {
    /// A regular file of `size` bytes modified at `mtime` (seconds since
    /// the epoch), with its ustar header: mode 0644, owned by uid 0. An
    /// error names the file when its name or size does not fit the format,
    /// so that it is found before the first byte is sent.
    pub fn new(name: String, path: PathBuf, size: u64, mtime: u64) -> Result<Self, String> {
        if size > MAX_SIZE || mtime > MAX_SIZE {
            return Err(format!("'{name}' is too large for a tar archive"));
        }
        let mut header = tar::Header::new_ustar();
        header
            .set_path(&name)
            .map_err(|_| format!("'{name}' is too long a path for a tar archive"))?;
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(size);
        header.set_mtime(mtime);
        header.set_cksum();
        let header = *header.as_bytes();
        Ok(Self {
            name,
            path,
            size,
            header,
        })
    }
}

/// The archive's length in bytes: what `Content-Length` announces.
pub fn length(entries: &[Entry]) -> u64 {
    let body: u64 = entries
        .iter()
        .map(|e| BLOCK + e.size.div_ceil(BLOCK) * BLOCK)
        .sum();
    body + 2 * BLOCK
}

/// The archive of `entries` as a response body. A file that changed size
/// since it was measured ends the body early, so the client sees a
/// download shorter than announced (an error) rather than a wrong archive.
pub fn body(entries: Vec<Entry>) -> Body {
    let (mut writer, reader) = tokio::io::duplex(BUFFER);
    tokio::spawn(async move {
        if let Err(error) = write(&mut writer, &entries).await {
            tracing::warn!(%error, "archive cut short");
        }
    });
    Body::from_stream(ReaderStream::new(reader))
}

async fn write(out: &mut (impl AsyncWrite + Unpin), entries: &[Entry]) -> io::Result<()> {
    let zeros = [0u8; 2 * BLOCK as usize];
    for entry in entries {
        out.write_all(&entry.header).await?;
        let file = open(entry).await?;
        let sent = tokio::io::copy(&mut file.take(entry.size), out).await?;
        if sent != entry.size {
            return Err(io::Error::other(format!(
                "{} shrank while it was sent",
                entry.path.display()
            )));
        }
        let padding = (entry.size.div_ceil(BLOCK) * BLOCK - entry.size) as usize;
        out.write_all(&zeros[..padding]).await?;
    }
    out.write_all(&zeros).await?;
    out.shutdown().await
}

/// Opens the file itself, never a symbolic link put in its place since it
/// was checked.
async fn open(entry: &Entry) -> io::Result<impl AsyncRead + Unpin> {
    let mut options = tokio::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    options.custom_flags(libc::O_NOFOLLOW);
    options.open(&entry.path).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, size: u64) -> Result<Entry, String> {
        Entry::new(name.into(), PathBuf::new(), size, 1_700_000_000)
    }

    fn header(entry: Result<Entry, String>) -> Result<[u8; BLOCK as usize], String> {
        entry.map(|e| e.header)
    }

    #[test]
    fn a_header_holds_name_size_and_a_checksum_tar_accepts() {
        let block = header(entry("commerce/manifest.json", 1000)).unwrap();
        assert_eq!(&block[..22], b"commerce/manifest.json");
        assert_eq!(&block[124..136], b"00000001750\0");
        assert_eq!(&block[257..263], b"ustar\0");
        // The checksum: the sum of the bytes with its own field as spaces.
        let mut blank = block;
        blank[148..156].fill(b' ');
        let sum: u32 = blank.iter().map(|&b| u32::from(b)).sum();
        let field = std::str::from_utf8(&block[148..156]).unwrap();
        let digits = field.trim_matches(|c: char| c == '\0' || c == ' ');
        assert_eq!(u32::from_str_radix(digits, 8).unwrap(), sum);
    }

    #[test]
    fn long_paths_split_at_a_slash_into_prefix_and_name() {
        let long = format!("{}/{}", "d".repeat(120), "f".repeat(90));
        let block = header(entry(&long, 0)).unwrap();
        assert_eq!(&block[..90], "f".repeat(90).as_bytes());
        assert_eq!(&block[345..465], "d".repeat(120).as_bytes());
        let unsplittable = "x".repeat(101);
        assert!(
            header(entry(&unsplittable, 0))
                .unwrap_err()
                .contains("too long")
        );
        assert!(
            header(entry("big", MAX_SIZE + 1))
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn the_length_counts_headers_padding_and_the_end() {
        let entries = [entry("a", 0), entry("b", 1), entry("c", 512)].map(Result::unwrap);
        assert_eq!(length(&entries), 512 + (512 + 512) + (512 + 512) + 1024);
        assert_eq!(length(&[]), 1024);
    }
}
