//! Tests of `tasks.rs`.
use super::*;

#[test]
fn tasks_get_names_classes_and_labels_by_the_rules() {
    let mut t = Tasks::default();
    let a = t.add("healthy").unwrap();
    assert_eq!(t.first, "Task 1");
    assert_eq!(
        t.add(" healthy "),
        Err(TaskError::TaskNameTaken("healthy".into()))
    );
    assert_eq!(
        t.add("Task 1"),
        Err(TaskError::TaskNameTaken("Task 1".into()))
    );
    assert_eq!(t.add("  "), Err(TaskError::EmptyName));
    assert_eq!(t.fresh_name(), "Task 3");
    t.rename(None, "leaf").unwrap();
    assert_eq!(
        t.rename(None, "healthy"),
        Err(TaskError::TaskNameTaken("healthy".into()))
    );
    assert_eq!(
        t.rename(Some(a), "leaf"),
        Err(TaskError::TaskNameTaken("leaf".into()))
    );
    t.rename(Some(a), "healthy").unwrap();
    let sick = t.add_class(a, "sick").unwrap();
    assert_eq!(
        t.add_class(a, "sick"),
        Err(TaskError::ClassNameTaken("healthy".into(), "sick".into()))
    );
    t.label(a, 0, &[1, 2]).unwrap();
    t.label(a, sick, &[2, 3]).unwrap();
    assert_eq!(t.label(a, 99, &[4]), Err(TaskError::Gone));
    let task = t.task(a).unwrap();
    let all: HashSet<u64> = [1, 2, 3].into();
    assert_eq!(task.counts(&all), vec![1, 0, 2]);
    // Photo 3 was removed from the project: not counted, not saved.
    let kept: HashSet<u64> = [1, 2].into();
    assert_eq!(task.counts(&kept), vec![1, 0, 1]);
    assert_eq!(t.kept(&kept).task(a).unwrap().labels.len(), 2);
    let (names, labels) = task.labels_of(&[3, 1, 7]);
    assert_eq!(names, ["Yes", "No", "sick"]);
    assert_eq!(labels, [Some(2), Some(0), None]);
    t.remove_class(a, sick).unwrap();
    assert_eq!(t.task(a).unwrap().labels.len(), 1);
    assert_eq!(
        t.remove_class(a, 0),
        Err(TaskError::TooFewClasses("healthy".into()))
    );
    assert!(t.remove(a).is_some());
    assert_eq!(t.add_class(a, "x"), Err(TaskError::Gone));
}

#[test]
fn a_project_holds_at_most_max_tasks_and_a_saved_one_is_checked() {
    let mut t = Tasks::default();
    for i in 1..MAX_TASKS {
        t.add(&format!("t{i}")).unwrap();
    }
    assert_eq!(t.add("more"), Err(TaskError::TooManyTasks));
    let mut saved = t.clone();
    saved.others[1].name = saved.others[0].name.clone();
    saved.others[2].name = " ".into();
    saved.others[3].labels.insert(5, 77);
    saved.others[4].id = saved.others[3].id;
    saved.others[5].classes.pop();
    saved.next_task = 0;
    let mut checked = saved.checked();
    assert_eq!(checked.others.len(), MAX_TASKS - 5);
    assert!(checked.others.iter().all(|t| t.labels.is_empty()));
    // A task added next gets an id no task has.
    checked.others.pop();
    let id = checked.add("new").unwrap();
    assert_eq!(checked.others.iter().filter(|t| t.id == id).count(), 1);
}

#[test]
fn a_model_adds_the_tasks_and_classes_the_project_lacks() {
    let mut t = Tasks::default();
    let a = t.add("turned").unwrap();
    let model = vec![
        (
            "turned".to_string(),
            vec!["Yes".into(), "upside down".into()],
        ),
        ("light".to_string(), vec!["day".into(), "night".into()]),
    ];
    let said = t
        .apply(TaskAction::Adopt(Some("what".into()), model))
        .unwrap();
    assert_eq!(t.first, "Task 1", "a named first task keeps its name");
    let classes = |id| -> Vec<String> {
        t.task(id)
            .unwrap()
            .classes
            .iter()
            .map(|(_, n)| n.clone())
            .collect()
    };
    assert_eq!(classes(a), ["Yes", "No", "upside down"]);
    let light = t.others[1].id;
    assert_eq!(classes(light), ["day", "night"]);
    assert_eq!(said.len(), 2, "{said:?}");
}
