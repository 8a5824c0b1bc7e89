//! Tests of the compare session: the file list, the rows of both layouts, hunk and file steps, the
//! changed lines seen, and annotating the new side through the review's composer.

use vitrine_compare::display::Hunk;
use vitrine_compare::{Side, Status};
use vitrine_snapshot::store::DataDir;

use crate::state::compare::{CompareCmd, Middle, Row, RowKind, layouts};
use crate::state::{AppState, LoadCmd, Prefs, ReviewCmd};

fn write(root: &std::path::Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn numbered(n: usize, edit: impl Fn(usize) -> Option<String>) -> String {
    (0..n).map(|i| edit(i).unwrap_or_else(|| format!("int line_{i} = {i};\n"))).collect()
}

/// v2 on screen, compared with v1: `main.c` edited in two places, `old.h` renamed to `new.h` with an
/// edit, `gone.c` deleted, `added.c` added, `same.c` unchanged.
fn compared() -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    let header: String = (0..40).map(|i| format!("#define H{i} {i}\n")).collect();
    let header2 = header.replace("#define H7 7\n", "#define H7 70\n");
    let main1 = numbered(100, |_| None);
    let main2 = numbered(100, |i| match i {
        10 => Some("int line_10 = 11;\n".into()),
        60 => Some("int line_60 = 60;\nint extra = 1;\n".into()),
        _ => None,
    });
    write(&v1, &[("main.c", &main1), ("old.h", &header), ("gone.c", "int g;\n"), ("same.c", "int s;\n")]);
    write(&v2, &[("main.c", &main2), ("new.h", &header2), ("added.c", "int a;\n"), ("same.c", "int s;\n")]);
    let mut s = AppState::new(DataDir::at(dir.path().join("data")), Prefs::default());
    s.apply(LoadCmd::Open(v2));
    s.wait_loaded();
    s.apply(CompareCmd::Open(v1));
    s.compare.as_mut().unwrap().wait();
    (dir, s)
}

fn change_index(s: &AppState, path: &str) -> usize {
    s.compare.as_ref().unwrap().compared().unwrap().change_of(path).unwrap()
}

#[test]
fn the_list_names_each_changed_file_with_its_status() {
    let (_d, s) = compared();
    let c = s.compare.as_ref().unwrap();
    let list: Vec<(Status, &str, Option<u8>)> =
        c.compared().unwrap().diff.files.iter().map(|f| (f.status, f.path(), f.similarity)).collect();
    assert_eq!(
        list,
        [
            (Status::Added, "added.c", None),
            (Status::Deleted, "gone.c", None),
            (Status::Modified, "main.c", None),
            (Status::Renamed, "new.h", Some(97)),
        ]
    );
    assert!(matches!(c.summary, crate::state::compare::SummaryState::Ready(_)));
    assert_eq!(c.middle, Middle::Code, "the code view stays until a change is opened");
}

#[test]
fn rows_pair_the_lines_of_a_hunk_side_by_side_and_follow_each_other_inline() {
    // Lines 0..2 the same, line 2 replaced by two lines, then one more the same.
    let hunks = [Hunk { old: 2..3, new: 2..4 }];
    let (split, inline) = layouts(&hunks, 4, 5);
    let same = |o, n| Row { old: Some(o), new: Some(n), kind: RowKind::Same };
    assert_eq!(
        split.rows,
        [
            same(0, 0),
            same(1, 1),
            Row { old: Some(2), new: Some(2), kind: RowKind::Changed },
            Row { old: None, new: Some(3), kind: RowKind::Changed },
            same(3, 4),
        ]
    );
    assert_eq!(split.hunk_starts, [2]);
    assert_eq!(
        inline.rows,
        [
            same(0, 0),
            same(1, 1),
            Row { old: Some(2), new: Some(2), kind: RowKind::Removed },
            Row { old: Some(2), new: Some(2), kind: RowKind::Added },
            Row { old: None, new: Some(3), kind: RowKind::Added },
            same(3, 4),
        ]
    );
    assert_eq!(inline.hunk_starts, [2]);
}

#[test]
fn hunk_and_file_steps_move_through_the_diff() {
    let (_d, mut s) = compared();
    s.apply(CompareCmd::OpenChange(change_index(&s, "main.c")));
    let c = s.compare.as_ref().unwrap();
    assert_eq!(c.middle, Middle::Diff);
    let f = c.file.as_ref().unwrap();
    assert_eq!(f.split.hunk_starts, [10, 61], "line 10 edited, a line inserted after line 60");
    assert_eq!(f.cursor, 10, "the diff opens at its first hunk");
    s.apply(CompareCmd::StepHunk(true));
    assert_eq!(s.compare.as_ref().unwrap().file.as_ref().unwrap().cursor, 61);
    s.apply(CompareCmd::StepHunk(true));
    assert_eq!(s.compare.as_ref().unwrap().file.as_ref().unwrap().cursor, 61, "no hunk after the last");
    s.apply(CompareCmd::StepHunk(false));
    assert_eq!(s.compare.as_ref().unwrap().file.as_ref().unwrap().cursor, 10);
    // Inline, the second hunk starts one row later (the first hunk is a removed and an added row).
    s.apply(CompareCmd::SetInline(true));
    let f = s.compare.as_ref().unwrap().file.as_ref().unwrap();
    assert_eq!(f.inline.hunk_starts, [10, 62]);
    assert_eq!(f.cursor, 10, "the same place in the other layout");
    s.apply(CompareCmd::StepHunk(true));
    assert_eq!(s.compare.as_ref().unwrap().file.as_ref().unwrap().cursor, 62);
    s.apply(CompareCmd::StepFile(true));
    let f = s.compare.as_ref().unwrap().file.as_ref().unwrap();
    assert_eq!(f.info.path(), "new.h");
    assert_eq!(f.info.old_path.as_deref(), Some("old.h"));
    assert_eq!(f.hunks, [Hunk { old: 7..8, new: 7..8 }]);
    s.apply(CompareCmd::StepFile(true));
    assert_eq!(s.compare.as_ref().unwrap().file.as_ref().unwrap().info.path(), "new.h", "the last file");
    s.apply(CompareCmd::StepFile(false));
    assert_eq!(s.compare.as_ref().unwrap().file.as_ref().unwrap().info.path(), "main.c");
}

#[test]
fn changed_lines_count_as_seen_once_on_screen() {
    let (_d, mut s) = compared();
    let main = change_index(&s, "main.c");
    s.apply(CompareCmd::OpenChange(main));
    let c = s.compare.as_ref().unwrap();
    let change = c.compared().unwrap().diff.files[main].clone();
    assert_eq!(c.changed_seen(&change), Some(0.0));
    assert_eq!(c.changed_lines_seen(), (0, 4), "2 lines of main.c, 1 of new.h, 1 of added.c");
    // Rows 0..30 hold the first hunk (one changed line); rows 50..70 the second (one added line).
    s.apply(CompareCmd::Seen(0..30));
    let c = s.compare.as_ref().unwrap();
    assert_eq!(c.changed_seen(&change), Some(0.5));
    assert_eq!(c.changed_lines_seen(), (1, 4));
    s.apply(CompareCmd::Seen(50..70));
    s.apply(CompareCmd::Seen(55..75));
    let c = s.compare.as_ref().unwrap();
    assert_eq!(c.changed_seen(&change), Some(1.0));
    assert_eq!(c.changed_lines_seen(), (2, 4), "a line seen twice counts once");
}

#[test]
fn a_selection_on_the_new_side_opens_the_composer_on_the_new_snapshot() {
    let (_d, mut s) = compared();
    s.apply(CompareCmd::OpenChange(change_index(&s, "main.c")));
    s.apply(CompareCmd::Select { side: Side::New, line: 60, extend: false });
    s.apply(CompareCmd::Select { side: Side::New, line: 61, extend: true });
    s.apply(CompareCmd::Annotate);
    let composer = s.review.as_ref().unwrap().composer.clone().expect("the composer is open");
    assert_eq!((composer.path.as_str(), composer.first, composer.last), ("main.c", 61, 62));
    assert_eq!(s.compare.as_ref().unwrap().middle, Middle::Diff, "the diff stays on screen");
    s.apply(ReviewCmd::DiscardComposer);
    // A selection on the other side starts again from its click.
    s.apply(CompareCmd::Select { side: Side::Old, line: 3, extend: true });
    assert_eq!(s.compare.as_ref().unwrap().file.as_ref().unwrap().selected(), Some((Side::Old, 3, 3)));
}

#[test]
fn opening_a_place_from_the_summary_selects_its_line() {
    let (_d, mut s) = compared();
    s.apply(CompareCmd::OpenAt { path: "main.c".into(), line: Some((Side::New, 61)) });
    let f = s.compare.as_ref().unwrap().file.as_ref().unwrap();
    assert_eq!(f.info.path(), "main.c");
    assert_eq!(f.split.rows[f.cursor].new, Some(61));
    assert_eq!(f.selected(), Some((Side::New, 61, 61)));
    s.apply(CompareCmd::Close);
    assert!(s.compare.is_none());
}

#[test]
fn port_carries_the_old_reviews_threads_over_signed_and_shows_their_state() {
    let (dir, mut s) = compared();
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    let key = dir.path().join("alice");
    let signer = vitrine_record::Signer::generate("alice").unwrap();
    std::fs::write(&key, signer.to_openssh(Some("pw")).unwrap()).unwrap();
    let sign_in = |s: &mut AppState| {
        s.apply(ReviewCmd::ShowSignIn(true));
        s.apply(ReviewCmd::EditSignIn(crate::state::review::SignInForm {
            key_path: key.display().to_string(),
            principal: "alice@example.org".into(),
            role: "reviewer".into(),
        }));
        s.apply(ReviewCmd::SignIn(crate::state::review::Passphrase::new("pw")));
        assert_eq!(s.error, None);
    };
    // The review of the version before: a finding on the line v2 edits, one on a line v2 shifts.
    s.apply(LoadCmd::Open(v1.clone()));
    s.wait_loaded();
    sign_in(&mut s);
    for (first, last, body) in [(10, 10, "edited in v2"), (70, 71, "shifted in v2")] {
        s.apply(crate::state::NavCmd::OpenFile { path: b"main.c".to_vec(), line: Some(first) });
        s.apply(crate::state::NavCmd::CursorTo { line: last, extend: true });
        s.apply(ReviewCmd::Annotate);
        let mut c = s.review.as_ref().unwrap().composer.clone().unwrap();
        c.body = body.into();
        s.apply(ReviewCmd::EditComposer(c));
        s.apply(ReviewCmd::SubmitAnnotation);
        assert_eq!(s.error, None);
    }
    // The new version, compared with it: Port writes one signed anchor-port entry per thread.
    s.apply(LoadCmd::Open(v2));
    s.wait_loaded();
    s.apply(CompareCmd::Open(v1));
    s.wait_compared();
    s.apply(CompareCmd::Port);
    assert_eq!(
        s.compare.as_ref().unwrap().ported,
        Some(Err(crate::state::review::ReviewProblem::NotSignedIn.to_string())),
        "nothing is signed without a key"
    );
    sign_in(&mut s);
    s.apply(CompareCmd::Port);
    // The port runs on a thread of its own: `apply` returns at once, the result is not applied yet
    // (it is applied on a later poll, here by waiting for it), and the window shows its progress.
    let c = s.compare.as_ref().unwrap();
    assert_eq!(c.ported, None);
    assert!(c.porting().is_some() && c.running());
    s.apply(CompareCmd::Close);
    assert!(s.error.take().unwrap().contains("being ported"), "the port's result is not dropped");
    assert!(s.compare.is_some());
    s.wait_ported();
    assert!(s.compare.as_ref().unwrap().porting().is_none());
    let ported = s.compare.as_ref().unwrap().ported.clone().unwrap().unwrap();
    assert_eq!(ported, "2 threads carried over: 1 changed, 1 moved");
    let r = s.review.as_ref().unwrap();
    let ports: Vec<_> =
        r.entries.iter().filter(|v| v.entry.kind == vitrine_record::Kind::AnchorPort).collect();
    assert_eq!(ports.len(), 2);
    let shown: Vec<String> = ports.iter().map(|v| crate::state::ported::shown_body(&v.entry)).collect();
    assert!(
        shown.iter().any(|b| b.contains("Carried over: changed") && b.contains("lines 11–11")),
        "{shown:?}"
    );
    assert!(
        shown.iter().any(|b| b.contains("Carried over: moved") && b.contains("lines 71–72")),
        "{shown:?}"
    );
    // The moved thread points at the shifted lines of the new version.
    let moved =
        ports.iter().find(|v| v.entry.body.as_deref().unwrap_or_default().contains("\"moved\"")).unwrap();
    assert_eq!(moved.entry.target.as_ref().unwrap().lines, Some([72, 73]));
    // Again: nothing twice.
    s.apply(CompareCmd::Port);
    s.wait_ported();
    let again = s.compare.as_ref().unwrap().ported.clone().unwrap().unwrap();
    assert_eq!(again, "0 threads carried over; not carried over: 2 ported before");
}

#[test]
fn a_file_unchanged_since_a_review_mark_of_the_version_before_counts_as_reviewed() {
    let (dir, mut s) = compared();
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    let key = dir.path().join("alice");
    let signer = vitrine_record::Signer::generate("alice").unwrap();
    std::fs::write(&key, signer.to_openssh(Some("pw")).unwrap()).unwrap();
    s.apply(LoadCmd::Open(v1.clone()));
    s.wait_loaded();
    s.apply(ReviewCmd::ShowSignIn(true));
    s.apply(ReviewCmd::EditSignIn(crate::state::review::SignInForm {
        key_path: key.display().to_string(),
        principal: "alice@example.org".into(),
        role: "reviewer".into(),
    }));
    s.apply(ReviewCmd::SignIn(crate::state::review::Passphrase::new("pw")));
    // same.c stays as it is in v2; main.c changes.
    for path in ["same.c", "main.c"] {
        s.apply(crate::state::NavCmd::OpenFile { path: path.as_bytes().to_vec(), line: None });
        s.apply(ReviewCmd::MarkReviewed { anyway: true });
        assert_eq!(s.error, None);
    }
    s.apply(LoadCmd::Open(v2));
    s.wait_loaded();
    let reviewed = |s: &AppState, path: &str| {
        let i = s.tree.nodes.iter().position(|n| n.path == path.as_bytes()).unwrap();
        s.progress[i].reviewed == 1
    };
    assert!(!reviewed(&s, "same.c"), "the new version's own review has no mark");
    s.apply(CompareCmd::Open(v1));
    s.wait_compared();
    assert!(reviewed(&s, "same.c"), "same bytes as when it was marked reviewed");
    assert!(!reviewed(&s, "main.c"), "its bytes changed since");
    s.apply(CompareCmd::Close);
    assert!(!reviewed(&s, "same.c"));
}

#[test]
fn a_missing_version_before_is_an_error_in_the_list_not_a_crash() {
    let (dir, mut s) = compared();
    s.apply(CompareCmd::Open(dir.path().join("nowhere")));
    let c = s.compare.as_mut().unwrap();
    c.wait();
    match &c.phase {
        crate::state::compare::Phase::Failed(e) => assert!(e.contains("nowhere"), "{e}"),
        other => panic!("{other:?}"),
    }
}

/// Signs in with a new passphrase-protected key as `principal` (`role`) on the review on screen.
fn sign_in_as(s: &mut AppState, dir: &std::path::Path, principal: &str, role: &str) {
    let key = dir.join(principal);
    if !key.exists() {
        let signer = vitrine_record::Signer::generate(principal).unwrap();
        std::fs::write(&key, signer.to_openssh(Some("pw")).unwrap()).unwrap();
    }
    s.apply(ReviewCmd::ShowSignIn(true));
    s.apply(ReviewCmd::EditSignIn(crate::state::review::SignInForm {
        key_path: key.display().to_string(),
        principal: principal.into(),
        role: role.into(),
    }));
    s.apply(ReviewCmd::SignIn(crate::state::review::Passphrase::new("pw")));
    assert_eq!(s.error, None);
}

#[test]
fn annotating_the_old_side_signs_it_in_the_old_review_and_carries_it_over() {
    let (dir, mut s) = compared();
    sign_in_as(&mut s, dir.path(), "alice@example.org", "reviewer");
    s.apply(CompareCmd::OpenAt { path: "main.c".into(), line: Some((Side::Old, 10)) });
    // Line 11 of v1 ("int line_10 = 10;") was edited in v2: the reviewer notes what it was.
    assert_eq!(s.compare.as_ref().unwrap().file.as_ref().unwrap().selected(), Some((Side::Old, 10, 10)));
    s.apply(CompareCmd::Annotate);
    assert_eq!(s.error, None);
    let mut c = s.review.as_ref().unwrap().composer.clone().expect("the composer opens");
    let old = s.compare.as_ref().unwrap().compared().unwrap().old.clone();
    let old_tree = old.ids().tree_sha256.to_string();
    assert_eq!((c.path.as_str(), c.first, c.last), ("main.c", 11, 11));
    assert_eq!(c.before, Some(old.ids().tree_sha256));
    c.body = "v1 set it to 10; why 11 now?".into();
    s.apply(ReviewCmd::EditComposer(c));
    s.apply(ReviewCmd::SubmitAnnotation);
    assert_eq!(s.error, None);
    assert!(s.review.as_ref().unwrap().composer.is_none());

    // The old review holds the annotation, anchored to v1's blob and lines.
    let old_dir = s.data.review_dir(&old.ids().tree_sha256);
    let old_review = vitrine_record::Review::open(&old_dir, &old_tree).unwrap();
    let [annotation] = old_review.entries() else { panic!("{:?}", old_review.entries().len()) };
    let annotation = annotation.clone();
    assert_eq!(annotation.entry.snapshot, old_tree);
    let t = annotation.entry.target.as_ref().unwrap();
    let v1_main = old.read(old.file(b"main.c").unwrap()).unwrap();
    assert_eq!(t.blob, vitrine_record::entry::blob_id(&v1_main));
    assert_eq!(t.lines, Some([11, 11]));
    assert_eq!(
        vitrine_record::bundle::anchor_problem(annotation.entry.kind, t, &|_| Some(v1_main.clone())),
        None
    );
    drop(old_review);

    // The review on screen holds its port, selected, whose `from` resolves in v1.
    let r = s.review.as_ref().unwrap();
    let port = r.entries.iter().find(|v| v.entry.kind == vitrine_record::Kind::AnchorPort).expect("a port");
    assert_eq!(r.selected.as_deref(), Some(port.id.as_str()));
    let body = vitrine_record::port::PortBody::parse(port.entry.body.as_deref().unwrap()).unwrap();
    assert_eq!(body.annotation, annotation.id);
    assert_eq!(body.outcome, vitrine_record::port::Outcome::Changed);
    assert_eq!(body.text, "v1 set it to 10; why 11 now?");
    let read_v1 = |p: &[u8]| old.file(p).map(|e| old.read(e).unwrap());
    assert_eq!(vitrine_record::port::from_problem(&port.entry, &old_tree, &read_v1), None);
    assert_eq!(port.entry.target.as_ref().unwrap().lines, Some([11, 11]), "v2's edited line 11");

    // Porting the whole review later does not carry it twice.
    s.apply(CompareCmd::Port);
    s.wait_ported();
    let again = s.compare.as_ref().unwrap().ported.clone().unwrap().unwrap();
    assert_eq!(again, "0 threads carried over; not carried over: 1 ported before");
}

#[test]
fn a_reply_points_at_the_new_lines_selected_in_the_diff() {
    let (dir, mut s) = compared();
    sign_in_as(&mut s, dir.path(), "alice@example.org", "reviewer");
    s.apply(CompareCmd::OpenAt { path: "main.c".into(), line: Some((Side::Old, 60)) });
    s.apply(CompareCmd::Annotate);
    let mut c = s.review.as_ref().unwrap().composer.clone().unwrap();
    c.body = "unchecked".into();
    s.apply(ReviewCmd::EditComposer(c));
    s.apply(ReviewCmd::SubmitAnnotation);
    assert_eq!(s.error, None);
    let port = s.review.as_ref().unwrap().selected.clone().unwrap();
    // Nothing selected on the new side: refused, nothing signed.
    s.apply(ReviewCmd::EditReply("fixed in v2".into()));
    s.apply(CompareCmd::AnswerAt { parent: port.clone(), status: Some(vitrine_record::Status::Fixed) });
    assert!(s.error.take().unwrap().contains("select lines of the new version"));
    // New lines 61-62 (0-based 60-61) selected in the diff: the reply points at them.
    s.apply(CompareCmd::Select { side: Side::New, line: 60, extend: false });
    s.apply(CompareCmd::Select { side: Side::New, line: 61, extend: true });
    s.apply(CompareCmd::AnswerAt { parent: port.clone(), status: Some(vitrine_record::Status::Fixed) });
    assert_eq!(s.error, None);
    let r = s.review.as_ref().unwrap();
    let reply = r.entries.last().unwrap();
    assert_eq!(reply.entry.parent.as_deref(), Some(port.as_str()));
    assert_eq!(reply.entry.status, Some(vitrine_record::Status::Fixed));
    assert_eq!(reply.entry.body.as_deref(), Some("fixed in v2"));
    let t = reply.entry.target.as_ref().unwrap();
    assert_eq!((t.path.as_str(), t.lines), ("main.c", Some([61, 62])));
    let new = s.snapshot.clone().unwrap();
    let v2_main = new.read(new.file(b"main.c").unwrap()).unwrap();
    assert_eq!(vitrine_record::bundle::anchor_problem(reply.entry.kind, t, &|_| Some(v2_main.clone())), None);
    assert!(r.reply.is_empty(), "the reply box is emptied once signed");
}
