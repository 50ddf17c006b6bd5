//! Zip archives, as much of the format as a project file needs (PKWARE's APPNOTE 6.3.x):
//! written with stored entries (the photos are JPEGs already), read with stored or deflated
//! ones (a project re-zipped by any tool), every size and checksum checked. Reading works
//! from the directory and each entry's bytes apart, so the page reads a large file by
//! slices instead of whole.

use std::io::Read;

/// Signatures (APPNOTE 4.3.7, 4.3.12, 4.3.16).
const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const LOCAL_LEN: usize = 30;
const CENTRAL_LEN: usize = 46;
const END_LEN: usize = 22;
/// The end record and the longest comment it may carry: the most of a file's tail to read.
pub const TAIL_MAX: u64 = (END_LEN + 0xFFFF) as u64;
/// Names are UTF-8 (general purpose flag bit 11); version 2.0 needed (stored, deflate).
const UTF8: u16 = 1 << 11;
const VERSION: u16 = 20;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArchiveError {
    #[error("it is not a zip archive (no end of its directory found)")]
    NotZip,
    #[error("it is damaged: {0}")]
    Damaged(String),
    #[error("it uses a zip feature graft does not read: {0}")]
    Unsupported(String),
    #[error("{name} is larger than {limit} bytes")]
    TooLarge { name: String, limit: u64 },
    #[error("it would be over 4 GB or 65 535 files, more than a zip without extensions holds")]
    Full,
}

fn damaged(what: &str) -> ArchiveError {
    ArchiveError::Damaged(what.to_string())
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, ArchiveError> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| damaged("a record is cut short"))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, ArchiveError> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| damaged("a record is cut short"))
}

/// One file in an archive, as its central directory describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    method: u16,
    crc: u32,
    pub packed: u64,
    pub size: u64,
    local_offset: u64,
}

/// Where the central directory is: `(offset, length, entries)`, from the file's last
/// `min(TAIL_MAX, len)` bytes `tail` (the file is `len` bytes long).
pub fn find_directory(tail: &[u8], len: u64) -> Result<(u64, u64, usize), ArchiveError> {
    let at = (0..=tail.len().saturating_sub(END_LEN))
        .rev()
        .find(|&i| u32_at(tail, i).ok() == Some(END))
        .ok_or(ArchiveError::NotZip)?;
    let (disk, entries) = (u16_at(tail, at + 4)?, u16_at(tail, at + 10)?);
    let (size, offset) = (u32_at(tail, at + 12)?, u32_at(tail, at + 16)?);
    if disk != 0 {
        return Err(ArchiveError::Unsupported(
            "archives split over several files".into(),
        ));
    }
    if offset == u32::MAX || entries == u16::MAX {
        return Err(ArchiveError::Unsupported("zip64 (over 4 GB)".into()));
    }
    if u64::from(offset) + u64::from(size) > len {
        return Err(damaged("its directory points past the end of the file"));
    }
    Ok((offset.into(), size.into(), entries.into()))
}

/// The entries of the central directory `dir` (which `find_directory` located).
pub fn read_directory(dir: &[u8], entries: usize) -> Result<Vec<Entry>, ArchiveError> {
    let mut list = Vec::with_capacity(entries.min(0xFFFF));
    let mut at = 0;
    for _ in 0..entries {
        if u32_at(dir, at)? != CENTRAL {
            return Err(damaged("its directory is not where its end record says"));
        }
        let flags = u16_at(dir, at + 8)?;
        let method = u16_at(dir, at + 10)?;
        let crc = u32_at(dir, at + 16)?;
        let (packed, size) = (u32_at(dir, at + 20)?, u32_at(dir, at + 24)?);
        let name_len = u16_at(dir, at + 28)? as usize;
        let rest = name_len + u16_at(dir, at + 30)? as usize + u16_at(dir, at + 32)? as usize;
        let local_offset = u32_at(dir, at + 42)?;
        let name = dir
            .get(at + CENTRAL_LEN..at + CENTRAL_LEN + name_len)
            .ok_or_else(|| damaged("a name is cut short"))?;
        if flags & 1 != 0 {
            return Err(ArchiveError::Unsupported("encrypted files".into()));
        }
        if [packed, size, local_offset].contains(&u32::MAX) {
            return Err(ArchiveError::Unsupported("zip64 (over 4 GB)".into()));
        }
        list.push(Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            crc,
            packed: packed.into(),
            size: size.into(),
            local_offset: local_offset.into(),
        });
        at += CENTRAL_LEN + rest;
    }
    Ok(list)
}

impl Entry {
    /// Where to read this entry's local header: `(offset, length)`.
    pub fn header_span(&self) -> (u64, u64) {
        (self.local_offset, LOCAL_LEN as u64)
    }

    /// Where its packed bytes are, given its local header's first 30 bytes.
    pub fn data_offset(&self, header: &[u8]) -> Result<u64, ArchiveError> {
        if u32_at(header, 0)? != LOCAL {
            return Err(damaged(&format!("{}: its header is missing", self.name)));
        }
        let skip = u64::from(u16_at(header, 26)?) + u64::from(u16_at(header, 28)?);
        Ok(self.local_offset + LOCAL_LEN as u64 + skip)
    }

    /// Its contents from its packed bytes `data`, refused over `limit` bytes (checked
    /// before and while inflating) or when its checksum does not match.
    pub fn unpack(&self, data: &[u8], limit: u64) -> Result<Vec<u8>, ArchiveError> {
        let too_large = || ArchiveError::TooLarge {
            name: self.name.clone(),
            limit,
        };
        if self.size > limit {
            return Err(too_large());
        }
        let bytes = match self.method {
            STORED => data.to_vec(),
            DEFLATED => {
                let mut out = Vec::with_capacity(self.size as usize);
                let reader = flate2::read::DeflateDecoder::new(data);
                (reader.take(limit + 1).read_to_end(&mut out))
                    .map_err(|e| damaged(&format!("{}: {e}", self.name)))?;
                if out.len() as u64 > limit {
                    return Err(too_large());
                }
                out
            }
            m => return Err(ArchiveError::Unsupported(format!("compression method {m}"))),
        };
        if bytes.len() as u64 != self.size || crc32fast::hash(&bytes) != self.crc {
            return Err(damaged(&format!(
                "{}: its contents do not match its checksum",
                self.name
            )));
        }
        Ok(bytes)
    }
}

/// An archive held in memory (the command line's way).
pub struct Archive<'a> {
    bytes: &'a [u8],
    pub entries: Vec<Entry>,
}

impl<'a> Archive<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Self, ArchiveError> {
        let len = bytes.len() as u64;
        let tail = &bytes[bytes.len().saturating_sub(TAIL_MAX as usize)..];
        let (offset, size, count) = find_directory(tail, len)?;
        let dir = &bytes[offset as usize..(offset + size) as usize];
        let entries = read_directory(dir, count)?;
        Ok(Self { bytes, entries })
    }

    /// The contents of entry `name` (`None`: no such entry), at most `limit` bytes.
    pub fn read(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ArchiveError> {
        let Some(entry) = self.entries.iter().find(|e| e.name == name) else {
            return Ok(None);
        };
        let header = self.slice(entry.header_span())?;
        let start = entry.data_offset(header)?;
        entry
            .unpack(self.slice((start, entry.packed))?, limit)
            .map(Some)
    }

    fn slice(&self, (offset, len): (u64, u64)) -> Result<&'a [u8], ArchiveError> {
        let end = offset
            .checked_add(len)
            .filter(|&e| e <= self.bytes.len() as u64);
        let end = end.ok_or_else(|| damaged("a file's bytes run past the end of the archive"))?;
        Ok(&self.bytes[offset as usize..end as usize])
    }
}

/// Writes an archive as parts to concatenate: each file's header and its bytes, then the
/// directory (`finish`). Every entry is stored: the photos are JPEGs already.
#[derive(Default)]
pub struct ZipWriter {
    directory: Vec<u8>,
    entries: usize,
    offset: u64,
}

impl ZipWriter {
    /// The local header to write before `data`, which is entry `name`.
    pub fn header(&mut self, name: &str, data: &[u8]) -> Result<Vec<u8>, ArchiveError> {
        let (crc, len) = (crc32fast::hash(data), data.len() as u64);
        let end = self.offset + (LOCAL_LEN + name.len()) as u64 + len;
        if self.entries >= 0xFFFF - 1 || end >= u64::from(u32::MAX) || name.len() > 0xFFFF {
            return Err(ArchiveError::Full);
        }
        // Version, flags, method, time and date (1980-01-01: no clock is read), checksum,
        // sizes, name length; the central record adds its own fields around the same ones.
        let common = |out: &mut Vec<u8>| {
            for v in [VERSION, UTF8, STORED, 0, 0x21] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for v in [crc, len as u32, len as u32] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        };
        let mut local = LOCAL.to_le_bytes().to_vec();
        common(&mut local);
        local.extend_from_slice(&0u16.to_le_bytes());
        local.extend_from_slice(name.as_bytes());
        let d = &mut self.directory;
        d.extend_from_slice(&CENTRAL.to_le_bytes());
        d.extend_from_slice(&VERSION.to_le_bytes());
        common(d);
        // Extra and comment lengths, disk, internal and external attributes, offset.
        d.extend_from_slice(&[0; 12]);
        d.extend_from_slice(&(self.offset as u32).to_le_bytes());
        d.extend_from_slice(name.as_bytes());
        self.entries += 1;
        self.offset = end;
        Ok(local)
    }

    /// The central directory and its end record: the archive's last part.
    pub fn finish(self) -> Vec<u8> {
        let mut out = self.directory;
        let size = out.len() as u32;
        out.extend_from_slice(&END.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        for _ in 0..2 {
            out.extend_from_slice(&(self.entries as u16).to_le_bytes());
        }
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(self.offset as u32).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ZipWriter::default();
        let mut out = Vec::new();
        for (name, data) in files {
            out.extend(w.header(name, data).unwrap());
            out.extend_from_slice(data);
        }
        out.extend(w.finish());
        out
    }

    #[test]
    fn what_is_written_reads_back() {
        let photo = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/images/coffee.png"
        ))
        .unwrap();
        let bytes = zip(&[("project.json", b"{}"), ("images/0/coffée.png", &photo)]);
        let a = Archive::open(&bytes).unwrap();
        assert_eq!(a.entries.len(), 2);
        assert_eq!(
            a.read("images/0/coffée.png", 1 << 30).unwrap().unwrap(),
            photo
        );
        assert_eq!(a.read("project.json", 10).unwrap().unwrap(), b"{}");
        assert_eq!(a.read("missing", 10).unwrap(), None);
        assert!(matches!(
            a.read("images/0/coffée.png", 100),
            Err(ArchiveError::TooLarge { .. })
        ));
    }

    /// A file another tool zipped (deflated, a data descriptor's flag, an extra field in its
    /// local header) reads too.
    #[test]
    fn deflated_entries_from_other_tools_read() {
        use std::io::Write;
        let text = b"brick grass gravel ".repeat(200);
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&text).unwrap();
        let packed = enc.finish().unwrap();
        let mut bytes = zip(&[("notes.txt", &packed)]);
        // Mark it deflated with the real checksum and size, in both headers, and give the
        // local header a 4-byte extra field.
        let (crc, size) = (crc32fast::hash(&text), text.len() as u32);
        let central = bytes.len() - END_LEN - (CENTRAL_LEN + 9);
        for at in [0, central] {
            let off = if at == 0 { 0 } else { 2 };
            bytes[at + off + 8..at + off + 10].copy_from_slice(&DEFLATED.to_le_bytes());
            bytes[at + off + 14..at + off + 18].copy_from_slice(&crc.to_le_bytes());
            bytes[at + off + 22..at + off + 26].copy_from_slice(&size.to_le_bytes());
        }
        bytes[28] = 4;
        bytes.splice(30 + 9..30 + 9, [0xca, 0xfe, 0, 0]);
        let dir_offset = (central + 4) as u32;
        let end = bytes.len() - END_LEN;
        bytes[end + 16..end + 20].copy_from_slice(&dir_offset.to_le_bytes());
        let a = Archive::open(&bytes).unwrap();
        assert_eq!(a.read("notes.txt", 1 << 20).unwrap().unwrap(), text);
        assert!(matches!(
            a.read("notes.txt", 100),
            Err(ArchiveError::TooLarge { .. })
        ));
    }

    #[test]
    fn damage_is_named() {
        let mut bytes = zip(&[("a.txt", b"hello")]);
        assert!(matches!(
            Archive::open(&bytes[..10]),
            Err(ArchiveError::NotZip)
        ));
        assert_eq!(Archive::open(b"").err(), Some(ArchiveError::NotZip));
        bytes[30 + 5] ^= 1;
        let a = Archive::open(&bytes).unwrap();
        assert!(matches!(
            a.read("a.txt", 100),
            Err(ArchiveError::Damaged(_))
        ));
        let end = bytes.len() - END_LEN;
        bytes[end + 16] = 0xff;
        assert!(matches!(
            Archive::open(&bytes),
            Err(ArchiveError::Damaged(_))
        ));
    }
}
