//! The project file written and read back on real photos, and each way a file can be bad.

use super::*;

fn photo(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/images/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}

fn write(w: ProjectWriter, images: &[(usize, &str, bool, Vec<u8>)]) -> Vec<u8> {
    let mut w = w;
    let mut out = Vec::new();
    for (class, name, validation, bytes) in images {
        out.extend(w.image(*class, name, *validation, bytes).unwrap());
        out.extend_from_slice(bytes);
    }
    out.extend(w.finish().unwrap());
    out
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_project_reads_back_whole() {
    let mut config = TrainConfig::default();
    config.set("penalty_c", 3.0).unwrap();
    let mut w = ProjectWriter::new(
        "Textures",
        &names(&["brick", "grass"]),
        Some(config.clone()),
    );
    let model = b"not checked here: the session checks a model".to_vec();
    let mut model_part = w.model(&model).unwrap();
    model_part.extend_from_slice(&model);
    let images = [
        (0, "brick.png", false, photo("brick.png")),
        (1, "../grass: a/b.png", true, photo("grass.png")),
    ];
    let mut bytes = model_part;
    bytes.extend(write(w, &images));
    let file = ProjectFile::open(&bytes).unwrap();
    let m = &file.manifest;
    assert_eq!((m.title.as_str(), m.version), ("Textures", VERSION));
    assert_eq!(m.settings.as_ref(), Some(&config));
    assert_eq!(m.classes[1].images[0].name, "../grass: a/b.png");
    assert_eq!(
        m.classes[1].images[0].file,
        "images/1/00000-.._grass_ a_b.png"
    );
    assert!(m.classes[1].images[0].validation && !m.classes[0].images[0].validation);
    for (class, _, _, bytes) in &images {
        let entry = &m.classes[*class].images[0].file;
        assert_eq!(&file.image(entry).unwrap(), bytes);
    }
    assert_eq!(file.model().unwrap(), Some(model));
}

/// The Unlabelled tray travels in its own folder; a file without one (every file before
/// the tray) reads as an empty tray, and a tray image sharing a class image's entry is
/// refused.
#[test]
fn the_unlabelled_tray_travels_too() {
    let mut w = ProjectWriter::new("Tray", &names(&["brick", "grass"]), None);
    let loose = photo("gravel.png");
    let mut bytes = w.unlabelled("gravel.png", &loose).unwrap();
    bytes.extend_from_slice(&loose);
    bytes.extend(write(w, &[(0, "brick.png", false, photo("brick.png"))]));
    let file = ProjectFile::open(&bytes).unwrap();
    let tray = &file.manifest.unlabelled;
    assert_eq!(tray.len(), 1);
    assert_eq!(tray[0].file, "images/unlabelled/00000-gravel.png");
    assert_eq!(file.image(&tray[0].file).unwrap(), loose);

    let w = ProjectWriter::new("No tray", &names(&["brick", "grass"]), None);
    let plain = write(w, &[(0, "brick.png", false, photo("brick.png"))]);
    let file = ProjectFile::open(&plain).unwrap();
    assert!(file.manifest.unlabelled.is_empty());
    let json = String::from_utf8(
        file.archive
            .read(MANIFEST, MANIFEST_LIMIT)
            .unwrap()
            .unwrap(),
    );
    assert!(!json.unwrap().contains("unlabelled"));

    let mut shared = file.manifest.clone();
    shared.unlabelled = vec![shared.classes[0].images[0].clone()];
    assert!(shared.shared_entry().is_some());
}

#[test]
fn bad_files_are_named() {
    let not_zip = ProjectFile::open(b"brick, grass").err().unwrap();
    assert!(
        not_zip.to_string().contains("not a zip archive"),
        "{not_zip}"
    );

    let two = names(&["brick", "grass"]);
    let mut zip = crate::archive::ZipWriter::default();
    let mut bytes = zip.header("other.txt", b"x").unwrap();
    bytes.push(b'x');
    bytes.extend(zip.finish());
    assert_eq!(
        ProjectFile::open(&bytes).err(),
        Some(ProjectFileError::NoManifest)
    );

    // A manifest of a newer version, of one class, and one naming an image twice.
    let with = |edit: &dyn Fn(&mut Manifest)| {
        let mut w = ProjectWriter::new("", &two, None);
        edit(&mut w.manifest);
        ProjectFile::open(&write(w, &[])).err()
    };
    assert_eq!(with(&|m| m.version = 2), Some(ProjectFileError::Newer(2)));
    let one = with(&|m| {
        m.classes.pop();
    });
    assert!(matches!(one, Some(ProjectFileError::Classes(_))));
    let twice = with(&|m| {
        for c in &mut m.classes {
            c.images.push(ImageEntry {
                name: "a.png".into(),
                file: "images/0/a.png".into(),
                validation: false,
                tasks: Default::default(),
            });
        }
    });
    assert!(matches!(twice, Some(ProjectFileError::Manifest(e)) if e.contains("named twice")));

    // An image the manifest names but the archive lacks: named, and the rest still read.
    let mut w = ProjectWriter::new("", &two, None);
    w.manifest.classes[0].images.push(ImageEntry {
        name: "gone.png".into(),
        file: "images/0/gone.png".into(),
        validation: false,
        tasks: Default::default(),
    });
    let bytes = write(w, &[(1, "grass.png", false, photo("grass.png"))]);
    let file = ProjectFile::open(&bytes).unwrap();
    assert_eq!(
        file.image("images/0/gone.png").err().unwrap(),
        "missing from the project file"
    );
    assert!(file.image(&file.manifest.classes[1].images[0].file).is_ok());
}

/// Further tasks travel with the project: each image's class in them; a label naming a
/// task or class the file does not declare, or two tasks of one name, is refused.
#[test]
fn further_tasks_read_back_and_bad_ones_are_refused() {
    let two = names(&["brick", "grass"]);
    let labelled = |w: &mut ProjectWriter, class: &str| {
        let labels = [("rough".to_string(), class.to_string())].into();
        w.label_last(0, labels);
    };
    let mut w = ProjectWriter::new("", &two, None);
    let rough = TaskEntry {
        name: "rough".into(),
        classes: names(&["Yes", "No"]),
    };
    w.tasks("texture", vec![rough.clone()]);
    let brick = photo("brick.png");
    let mut out = w.image(0, "brick.png", false, &brick).unwrap();
    out.extend_from_slice(&brick);
    labelled(&mut w, "Yes");
    out.extend(w.finish().unwrap());
    let file = ProjectFile::open(&out).unwrap();
    assert_eq!(file.manifest.first_task, "texture");
    assert_eq!(file.manifest.tasks, vec![rough.clone()]);
    assert_eq!(file.manifest.classes[0].images[0].tasks["rough"], "Yes");

    let with = |edit: &dyn Fn(&mut ProjectWriter)| {
        let mut w = ProjectWriter::new("", &two, None);
        w.tasks("texture", vec![rough.clone()]);
        let mut out = w.image(0, "brick.png", false, &brick).unwrap();
        out.extend_from_slice(&brick);
        edit(&mut w);
        out.extend(w.finish().unwrap());
        match ProjectFile::open(&out).err() {
            Some(ProjectFileError::Classes(why)) => why,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(
        with(&|w| labelled(w, "Maybe")),
        "brick.png: task 'rough' has no class 'Maybe'"
    );
    let twice = with(&|w| w.manifest.tasks.push(w.manifest.tasks[0].clone()));
    assert_eq!(twice, "task name 'rough' is empty or given twice");
    let first = with(&|w| w.manifest.first_task = "rough".into());
    assert_eq!(first, "task name 'rough' is empty or given twice");
}
