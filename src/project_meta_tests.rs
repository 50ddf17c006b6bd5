//! What is saved of a project, and what a reopen makes of it with the records it finds.

use super::*;
use crate::project::tests::sample;

fn names(c: &Class) -> Vec<&str> {
    c.samples.iter().map(|s| s.hash.as_str()).collect()
}

/// A tab closed while a folder came in: the meta written last lacks the photos answered
/// after it, whose records name their class; reopening adopts them (in id order, by class
/// id, name (a class the list lacks is made) or the tray) and deletes only what it must: records from before the folder
/// that no list holds, a deleted class's, a duplicate, and one saved before records named
/// their class.
#[test]
fn photos_saved_after_the_last_write_are_adopted_from_their_records() {
    let mut p = Project::starter();
    let (a, b) = (p.classes[0].id, p.classes[1].id);
    let old = sample(&mut p, "old");
    p.add_sample(a, old.clone()).unwrap();
    let removed = sample(&mut p, "removed");
    let first = p.next_sample;
    // Written as the folder starts: nothing of it answered yet.
    let meta = ProjectMeta::of(&p, Some(first));
    assert_eq!(meta.adopt_from, Some(first));
    let mut folder = Vec::new();
    for hash in ["x", "y", "z", "gone", "old", "tray", "legacy", "w", "new"] {
        folder.push(sample(&mut p, hash));
    }
    let [x, y, z, gone, dup, tray, legacy, w, new] = folder.try_into().unwrap();
    let records = vec![
        (w.clone(), Some(ClassRef::Id(a))),
        (old.clone(), Some(ClassRef::Id(a))),
        (removed.clone(), Some(ClassRef::Id(a))),
        (y.clone(), Some(ClassRef::Name(" Class 2 ".into()))),
        (x.clone(), Some(ClassRef::Id(a))),
        (z.clone(), Some(ClassRef::Id(a))),
        (gone.clone(), Some(ClassRef::Id(99))),
        (dup.clone(), Some(ClassRef::Id(a))),
        (tray.clone(), Some(ClassRef::Unlabelled)),
        (legacy.clone(), None),
        // The folder's class made after the last write: made again by its name.
        (new.clone(), Some(ClassRef::Name("cats".into()))),
    ];
    let (back, mut orphans) = meta.restore(records);
    assert_eq!(names(&back.classes[0]), ["old", "x", "z", "w"]);
    assert_eq!(names(&back.classes[1]), ["y"]);
    assert_eq!(back.classes[2].name, "cats");
    assert_eq!(names(&back.classes[2]), ["new"]);
    assert_eq!(back.unlabelled.ids(), vec![tray.id]);
    orphans.sort();
    assert_eq!(orphans, vec![removed.id, gone.id, dup.id, legacy.id]);
    assert_eq!(
        back.next_sample,
        new.id + 1,
        "new ids come after the adopted ones"
    );
    assert_eq!(back.class(b).map(|c| c.samples.len()), Some(1));
}

/// A meta saved before `adopt_from` existed adopts nothing, and one written with no folder
/// coming adopts only ids it never handed out.
#[test]
fn a_meta_without_adopt_from_adopts_nothing() {
    let mut p = Project::starter();
    let a = p.classes[0].id;
    let meta: ProjectMeta = serde_json::from_str(&format!(
        r#"{{"classes": [[{a}, "Class 1", []]], "next_class": 2, "next_sample": 0}}"#
    ))
    .unwrap();
    assert_eq!(meta.adopt_from, None);
    let s = sample(&mut p, "s");
    let (back, orphans) = meta.restore(vec![(s.clone(), Some(ClassRef::Id(a)))]);
    assert_eq!(back.sample_count(), 0);
    assert_eq!(orphans, vec![s.id]);

    p.add_sample(a, s.clone()).unwrap();
    let meta = ProjectMeta::of(&p, None);
    assert_eq!(meta.adopt_from, Some(s.id + 1));
    let t = sample(&mut p, "t");
    let (back, orphans) = meta.restore(vec![
        (s, Some(ClassRef::Id(a))),
        (t.clone(), Some(ClassRef::Id(a))),
    ]);
    assert_eq!(names(&back.classes[0]), ["s", "t"]);
    assert!(orphans.is_empty());
    // Pending ids below the next free one (two workers answer out of order) still count.
    assert_eq!(ProjectMeta::of(&back, Some(t.id)).adopt_from, Some(t.id));
}

/// Between two writes while a folder comes in: a photo of it removed from a class it still
/// has, or from the tray, is named for deletion; a moved photo, a deleted class's photos
/// (Undo) and photos from before the folder (orphans when next opened) are not.
#[test]
fn removed_photos_of_a_folder_are_named_and_a_deleted_class_keeps_its_records() {
    let mut p = Project::starter();
    let (a, b) = (p.classes[0].id, p.classes[1].id);
    let early = sample(&mut p, "early");
    p.add_sample(a, early.clone()).unwrap();
    let first = p.next_sample;
    let mut ids = Vec::new();
    for (class, hash) in [(a, "a1"), (a, "a2"), (a, "a3"), (b, "b1")] {
        let s = sample(&mut p, hash);
        ids.push(s.id);
        p.add_sample(class, s).unwrap();
    }
    let t = sample(&mut p, "t");
    p.add_unlabelled(t.clone()).unwrap();
    let before = ProjectMeta::of(&p, Some(first));
    p.remove_sample(ids[0]);
    p.remove_sample(early.id);
    p.move_sample(ids[1], b).unwrap();
    p.remove_sample(t.id);
    let now = |p: &Project| ProjectMeta::of(p, Some(first));
    assert_eq!(before.removed_in(&now(&p)), vec![ids[0], t.id]);
    p.remove_class(b);
    assert!(!before.removed_in(&now(&p)).contains(&ids[3]));
    assert!(before.removed_in(&ProjectMeta::of(&p, None)).is_empty());
}

/// Photos the list holds whose records did not come back (damaged, so deleted as
/// unreadable, or gone) are counted, in a class or the tray; records it does not list are
/// not.
#[test]
fn listed_photos_without_a_record_are_counted() {
    let mut p = Project::starter();
    let a = p.classes[0].id;
    let [x, y, z, t] = ["x", "y", "z", "t"].map(|h| sample(&mut p, h));
    for s in [&x, &y, &z] {
        p.add_sample(a, s.clone()).unwrap();
    }
    p.add_unlabelled(t.clone()).unwrap();
    let meta = ProjectMeta::of(&p, None);
    let extra = sample(&mut p, "extra");
    let records = vec![
        (x.clone(), Some(ClassRef::Id(a))),
        (extra, Some(ClassRef::Id(a))),
    ];
    assert_eq!(meta.missing(&records), [y.id, z.id, t.id]);
    assert_eq!(meta.missing(&[]), [x.id, y.id, z.id, t.id]);
}
