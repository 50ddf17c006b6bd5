//! What the page has to tell: messages, and files not added grouped by reason, each file
//! named once, so that a folder with thousands of bad files gives a list that stays usable
//! (a count a reason, the names behind it).

use std::rc::Rc;

/// Reasons kept at most (the oldest go first); every name of a kept reason is kept.
const MAX_GROUPS: usize = 24;

/// A reason and the files it applies to (none: a message about no file).
#[derive(Clone, Debug, PartialEq)]
pub struct NoticeGroup {
    pub reason: String,
    /// Shared with earlier states: adding a name copies no others (`Rc::make_mut` on a
    /// group the last state no longer holds).
    pub names: Rc<Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Notices {
    pub groups: Vec<NoticeGroup>,
}

impl Notices {
    /// A message about no file; told again, it moves to the end (the newest).
    pub fn message(&mut self, text: String) {
        self.groups
            .retain(|g| !(g.names.is_empty() && g.reason == text));
        self.push(text, Vec::new());
    }

    /// `name` was not added, for `reason`; a name already given for that reason is not
    /// given again.
    pub fn file(&mut self, name: String, reason: String) {
        match self.groups.iter_mut().find(|g| g.reason == reason) {
            Some(group) if group.names.contains(&name) => {}
            Some(group) => Rc::make_mut(&mut group.names).push(name),
            None => self.push(reason, vec![name]),
        }
    }

    fn push(&mut self, reason: String, names: Vec<String>) {
        self.groups.push(NoticeGroup {
            reason,
            names: Rc::new(names),
        });
        let extra = self.groups.len().saturating_sub(MAX_GROUPS);
        self.groups.drain(..extra);
    }

    pub fn clear(&mut self) {
        self.groups.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Each notice in words: a message, `name: reason`, or `n files: reason` (tests, logs).
    pub fn lines(&self) -> Vec<String> {
        (self.groups.iter())
            .map(|g| match g.names.as_slice() {
                [] => g.reason.clone(),
                [name] => format!("{name}: {}", g.reason),
                names => format!("{} files: {}", names.len(), g.reason),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three thousand bad files of two kinds are two lines, every file named once in them;
    /// a message told twice is one line, the newest.
    #[test]
    fn files_are_grouped_by_reason_and_named_once() {
        let mut n = Notices::default();
        n.message("The GPU stopped responding".into());
        for i in 0..3000 {
            let reason = if i % 3 == 0 {
                "empty file"
            } else {
                "not an image"
            };
            n.file(format!("f{i}.jpg"), reason.into());
        }
        n.file("f1.jpg".into(), "not an image".into());
        n.file("solo.png".into(), "already in 'Class 1'".into());
        n.message("The GPU stopped responding".into());
        assert_eq!(
            n.lines(),
            [
                "1000 files: empty file",
                "2000 files: not an image",
                "solo.png: already in 'Class 1'",
                "The GPU stopped responding",
            ]
        );
        assert_eq!(n.groups[1].names[0], "f1.jpg");
        for i in 0..MAX_GROUPS {
            n.message(format!("message {i}"));
        }
        assert_eq!(n.groups.len(), MAX_GROUPS);
        assert_eq!(n.lines()[0], "message 0", "the oldest went first");
        n.clear();
        assert!(n.is_empty());
    }
}
