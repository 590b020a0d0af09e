//! Writing stored mail out in the controller's format (agreement art. 11.4: "in the
//! format the controller asks"): a zip of `.eml` files, an mbox (mboxrd quoting), or a
//! Maildir. Every file written is private (mode 0600) and reported with its SHA-256.

use super::OpsError;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The formats an export can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A Maildir: `cur/`, `new/`, `tmp/`, one file per message in `new/`.
    Maildir,
    /// One mbox file (mboxrd: `From ` lines quoted with `>`), LF line ends.
    Mbox,
    /// A zip of one `.eml` file per message, stored as they are.
    EmlZip,
}

impl Format {
    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Maildir => "maildir",
            Format::Mbox => "mbox",
            Format::EmlZip => "eml-zip",
        }
    }

    /// The name of what it writes inside an export folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Maildir => "Maildir",
            Format::Mbox => "mail.mbox",
            Format::EmlZip => "mail.zip",
        }
    }
}

/// One message to write.
#[derive(Clone, Debug)]
pub struct Item {
    /// Its file name in a zip or Maildir (`<place>-<queue id>.eml`).
    pub name: String,
    /// The message as stored.
    pub bytes: Vec<u8>,
    /// When it was stored (Unix seconds), for the mbox `From ` line.
    pub time: u64,
}

/// A file an export wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// Its path, relative to the export folder.
    pub path: String,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

fn private_file(path: &Path) -> Result<std::fs::File, OpsError> {
    mxr_durable::open_private(path, false).map_err(|e| OpsError::Io(path.to_owned(), e))
}

/// Writes one whole file privately and durably; reports it relative to `root`.
pub fn write_file(root: &Path, relative: &str, bytes: &[u8]) -> Result<Written, OpsError> {
    let path = root.join(relative);
    let mut f = private_file(&path)?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| OpsError::Io(path.clone(), e))?;
    Ok(Written { path: relative.to_owned(), sha256: super::sha256_hex(bytes), bytes: bytes.len() as u64 })
}

/// Writes `items` in `format` into the folder `root`; returns what it wrote.
pub fn write(format: Format, items: &[Item], root: &Path) -> Result<Vec<Written>, OpsError> {
    match format {
        Format::EmlZip => Ok(vec![write_file(root, format.file_name(), &zip_of(items, &root.join("mail.zip"))?)?]),
        Format::Mbox => Ok(vec![write_file(root, format.file_name(), &mbox_of(items))?]),
        Format::Maildir => {
            for sub in ["cur", "new", "tmp"] {
                let d: PathBuf = root.join("Maildir").join(sub);
                mxr_durable::private_dir(&d).map_err(|e| OpsError::Io(d.clone(), e))?;
            }
            items.iter().map(|i| write_file(root, &format!("Maildir/new/{}", i.name), &i.bytes)).collect()
        }
    }
}

/// A stored (uncompressed) zip of the items.
pub fn zip_of(items: &[Item], path: &Path) -> Result<Vec<u8>, OpsError> {
    let err = |e| OpsError::Archive(path.to_owned(), e);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o600);
    for item in items {
        zip.start_file(item.name.as_str(), options).map_err(err)?;
        zip.write_all(&item.bytes).map_err(|e| OpsError::Io(path.to_owned(), e))?;
    }
    Ok(zip.finish().map_err(err)?.into_inner())
}

/// An mboxrd of the items: a `From ` line per message, LF line ends, and every line
/// that is `>*From ` quoted with one more `>`.
pub fn mbox_of(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        out.extend_from_slice(format!("From MAILER-DAEMON {}\n", asctime(item.time)).as_bytes());
        let text = item.bytes.strip_suffix(b"\r\n").unwrap_or(&item.bytes);
        for line in text.split(|b| *b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().position(|b| *b != b'>').is_some_and(|i| line[i..].starts_with(b"From ")) {
                out.push(b'>');
            }
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

/// `Thu Jan  1 00:00:00 1970` for a Unix time (UTC), as mbox `From ` lines have it.
fn asctime(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let iso = mxr_mail::date::rfc3339(secs); // YYYY-MM-DDTHH:MM:SSZ
    let month: usize = iso[5..7].parse().unwrap_or(1);
    let day: u32 = iso[8..10].parse().unwrap_or(1);
    format!("{} {} {day:>2} {} {}", DAYS[(secs / 86_400 % 7) as usize], MONTHS[month - 1], &iso[11..19], &iso[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mboxrd_quotes_from_lines_and_zips_read_back() {
        let items = [
            Item { name: "a.eml".into(), bytes: b"Subject: a\r\n\r\nFrom here\r\n>From there\r\n".to_vec(), time: 0 },
            Item { name: "b.eml".into(), bytes: b"Subject: b\r\n\r\nx\r\n".to_vec(), time: 1_717_588_800 },
        ];
        let mbox = String::from_utf8(mbox_of(&items)).unwrap();
        assert_eq!(
            mbox,
            "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: a\n\n>From here\n>>From there\n\n\
             From MAILER-DAEMON Wed Jun  5 12:00:00 2024\nSubject: b\n\nx\n\n"
        );
        let bytes = zip_of(&items, Path::new("t.zip")).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut read = Vec::new();
        std::io::Read::read_to_end(&mut z.by_name("b.eml").unwrap(), &mut read).unwrap();
        assert_eq!(read, items[1].bytes);
    }
}
