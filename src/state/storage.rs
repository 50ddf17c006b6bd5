//! What the browser says of this origin's storage, in the state: how much is used, and
//! whether it is kept when the disk runs low (`web::storage` reads it).

/// Above this many photos the page asks the browser for persistent storage: a project that
/// took a while to gather should not be cleared when the disk runs low (issue 14).
pub const PERSIST_ABOVE: usize = 300;

/// What this origin stores and may store (bytes), and whether the browser keeps it when
/// space runs low (`None`: it does not say).
#[derive(Clone, Debug, PartialEq)]
pub struct StorageUse {
    pub used: f64,
    pub quota: f64,
    pub persisted: Option<bool>,
}

impl StorageUse {
    /// "312 MB of 2.1 GB used".
    pub fn describe(&self) -> String {
        format!("{} of {} used", size(self.used), size(self.quota))
    }
}

/// Bytes in the largest unit that keeps the figure at or above 1 (decimal units, as
/// browsers and disks count), to two significant figures past 10.
fn size(bytes: f64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    match (unit, value < 10.0) {
        (0, _) => format!("{value:.0} bytes"),
        (_, true) => format!("{value:.1} {}", units[unit]),
        (_, false) => format!("{value:.0} {}", units[unit]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Figures read as a person writes them.
    #[test]
    fn sizes_read_as_people_write_them() {
        let use_of = |used, quota| StorageUse {
            used,
            quota,
            persisted: None,
        };
        assert_eq!(use_of(312e6, 2.1e9).describe(), "312 MB of 2.1 GB used");
        assert_eq!(use_of(0.0, 999.0).describe(), "0 bytes of 999 bytes used");
        assert_eq!(use_of(1234.0, 5e12).describe(), "1.2 kB of 5.0 TB used");
        assert_eq!(use_of(45.6e6, 3e15).describe(), "46 MB of 3000 TB used");
    }
}
