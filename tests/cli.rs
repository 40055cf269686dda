//! The `imagemint` command, run as a user would.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

fn imagemint() -> Command {
    Command::cargo_bin("imagemint").unwrap()
}

/// A temporary directory holding copies of `names` from the fixtures.
fn workdir(names: &[&str]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        std::fs::copy(fixture(name), dir.path().join(name)).unwrap();
    }
    dir
}

fn dimensions(path: &Path) -> (u32, u32) {
    image::image_dimensions(path).unwrap()
}

#[test]
fn help_shows_examples() {
    imagemint()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:").and(predicate::str::contains("--resize")));
}

#[test]
fn converts_beside_the_input_and_reports() {
    let dir = workdir(&["rocket.jpg"]);
    imagemint()
        .current_dir(dir.path())
        .args(["rocket.jpg", "--format", "webp", "--resize", "320x"])
        .assert()
        .success()
        .stderr(predicate::str::contains("rocket.jpg → rocket.webp"));
    let out = dir.path().join("rocket.webp");
    assert!(std::fs::read(&out).unwrap().starts_with(b"RIFF"));
    assert_eq!(dimensions(&out), (320, 214));
}

#[test]
fn output_extension_picks_the_format() {
    let dir = workdir(&["chelsea.png"]);
    imagemint()
        .current_dir(dir.path())
        .args(["chelsea.png", "-o", "small.jpg", "-q", "60"])
        .assert()
        .success();
    let data = std::fs::read(dir.path().join("small.jpg")).unwrap();
    assert_eq!(&data[..2], [0xFF, 0xD8]);
}

#[test]
fn many_inputs_run_into_a_directory_and_one_failure_does_not_stop_the_rest() {
    let dir = workdir(&["rocket.jpg", "chelsea.png", "logo-cutout.png"]);
    std::fs::write(
        dir.path().join("broken.png"),
        b"\x89PNG\r\n\x1a\nnot really",
    )
    .unwrap();
    imagemint()
        .current_dir(dir.path())
        .args([
            "rocket.jpg",
            "broken.png",
            "chelsea.png",
            "logo-cutout.png",
            "-f",
            "avif",
            "-o",
            "out/",
        ])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("imagemint: broken.png: cannot decode PNG")
                .and(predicate::str::contains("1 of 4 files failed")),
        );
    for name in ["rocket.avif", "chelsea.avif", "logo-cutout.avif"] {
        let data = std::fs::read(dir.path().join("out").join(name)).unwrap();
        assert_eq!(&data[4..8], b"ftyp", "{name}");
    }
    assert!(!dir.path().join("out/broken.avif").exists());
}

#[test]
fn never_overwrites_an_input_unless_in_place() {
    let dir = workdir(&["rocket.jpg"]);
    let original = std::fs::read(dir.path().join("rocket.jpg")).unwrap();
    imagemint()
        .current_dir(dir.path())
        .args(["rocket.jpg", "-q", "40"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("would overwrite the input"));
    assert_eq!(
        std::fs::read(dir.path().join("rocket.jpg")).unwrap(),
        original
    );

    imagemint()
        .current_dir(dir.path())
        .args(["rocket.jpg", "-q", "40", "--in-place"])
        .assert()
        .success();
    let rewritten = std::fs::read(dir.path().join("rocket.jpg")).unwrap();
    assert!(
        rewritten.len() < original.len(),
        "q40 should be smaller than the original"
    );
    assert_eq!(&rewritten[..2], [0xFF, 0xD8]);
}

#[test]
fn no_output_ever_replaces_another_input() {
    let dir = workdir(&["chelsea.png", "chelsea-lossy.webp"]);
    std::fs::rename(
        dir.path().join("chelsea-lossy.webp"),
        dir.path().join("chelsea.webp"),
    )
    .unwrap();
    let before = std::fs::read(dir.path().join("chelsea.webp")).unwrap();
    // chelsea.png → chelsea.webp is the other input; chelsea.webp → itself needs --in-place.
    imagemint()
        .current_dir(dir.path())
        .args(["chelsea.png", "chelsea.webp", "-f", "webp", "--in-place"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("chelsea.webp is another input"));
    // With --in-place only its own rewrite happened, never chelsea.png's.
    let after = std::fs::read(dir.path().join("chelsea.webp")).unwrap();
    let image = image::load_from_memory(&after).unwrap();
    assert_eq!((image.width(), image.height()), (451, 300));
    assert_ne!(before, after, "chelsea.webp was recompressed in place");

    let dir = workdir(&["chelsea.png", "chelsea-lossy.webp"]);
    std::fs::rename(
        dir.path().join("chelsea-lossy.webp"),
        dir.path().join("chelsea.webp"),
    )
    .unwrap();
    imagemint()
        .current_dir(dir.path())
        .args(["chelsea.png", "chelsea.webp", "-f", "webp", "-o", "."])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("is another input")
                .and(predicate::str::contains("would overwrite the input")),
        );
    assert_eq!(
        std::fs::read(dir.path().join("chelsea.webp")).unwrap(),
        before
    );
}

#[test]
fn output_name_and_format_must_agree() {
    let dir = workdir(&["rocket.jpg"]);
    // A preset without a format leaves it to -o's extension.
    imagemint()
        .current_dir(dir.path())
        .args([
            "rocket.jpg",
            "--preset",
            "max-compression",
            "-o",
            "small.webp",
        ])
        .assert()
        .success();
    assert!(
        std::fs::read(dir.path().join("small.webp"))
            .unwrap()
            .starts_with(b"RIFF")
    );
    imagemint()
        .current_dir(dir.path())
        .args(["rocket.jpg", "--format", "png", "-o", "x.webp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "x.webp says webp, but the output format is png",
        ));
    assert!(!dir.path().join("x.webp").exists());
}

#[cfg(unix)]
#[test]
fn in_place_keeps_the_file_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workdir(&["rocket.jpg"]);
    let photo = dir.path().join("rocket.jpg");
    std::fs::set_permissions(&photo, std::fs::Permissions::from_mode(0o600)).unwrap();
    imagemint()
        .current_dir(dir.path())
        .args(["rocket.jpg", "-q", "50", "--in-place"])
        .assert()
        .success();
    let mode = std::fs::metadata(&photo).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn reads_stdin_and_writes_stdout() {
    let input = std::fs::read(fixture("chelsea.gif")).unwrap();
    let out = imagemint()
        .args(["-", "--format", "png", "--resize", "x100"])
        .write_stdin(input)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(out.starts_with(b"\x89PNG"));
    let image = image::load_from_memory(&out).unwrap();
    assert_eq!((image.width(), image.height()), (150, 100));
}

#[test]
fn json_reports_are_one_object_per_line() {
    let dir = workdir(&["rocket.jpg", "chelsea.png"]);
    let out = imagemint()
        .current_dir(dir.path())
        .args([
            "rocket.jpg",
            "chelsea.png",
            "--json",
            "-f",
            "webp",
            "--metadata",
            "strip",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for line in lines {
        let written = dir.path().join(line["output"].as_str().unwrap());
        let size = std::fs::metadata(written).unwrap().len();
        assert_eq!(line["report"]["outputBytes"], size);
        assert_eq!(line["report"]["outputFormat"], "webp");
        assert!(line["report"]["timings"]["totalMs"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn options_file_reaches_every_core_option() {
    let dir = workdir(&["rocket.jpg"]);
    std::fs::write(
        dir.path().join("opts.json"),
        r#"{"encode": {"format": "png"}, "transform": {"rotate": 90, "resize": {"height": 100}}}"#,
    )
    .unwrap();
    imagemint()
        .current_dir(dir.path())
        .args(["rocket.jpg", "--options", "opts.json", "-o", "out.png"])
        .assert()
        .success();
    // Rotated to 427×640, then 100 high.
    assert_eq!(dimensions(&dir.path().join("out.png")), (67, 100));

    std::fs::write(dir.path().join("bad.json"), r#"{"encode": {"qualty": 5}}"#).unwrap();
    imagemint()
        .current_dir(dir.path())
        .args(["rocket.jpg", "--options", "bad.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`encode.qualty`"));
}

#[test]
fn bad_flags_are_refused_with_the_choices() {
    imagemint()
        .args(["x.jpg", "--format", "gif"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("webp"));
    imagemint()
        .args(["x.jpg", "--resize", "axb"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a size"));
    imagemint()
        .args(["x.jpg", "--fit", "cover"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("need --resize"));
    let dir = workdir(&["rocket.jpg"]);
    imagemint()
        .current_dir(dir.path())
        .args(["rocket.jpg", "-o", "x.webp", "--crop", "5000x10+0+0"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("transform.crop"));
}

#[test]
fn removes_backgrounds_with_one_model_for_many_files() {
    // Uses the model scripts/fetch-model.sh puts in the cache (scripts/test.sh fetches it).
    let dir = workdir(&["astronaut.png", "chelsea.png"]);
    imagemint()
        .current_dir(dir.path())
        .args([
            "astronaut.png",
            "chelsea.png",
            "--remove-bg",
            "-f",
            "png",
            "-o",
            "cut/",
            "--json",
        ])
        .assert()
        .success();
    for name in ["astronaut.png", "chelsea.png"] {
        let image = image::open(dir.path().join("cut").join(name))
            .unwrap()
            .to_rgba8();
        assert_eq!(
            image.get_pixel(2, 2)[3],
            0,
            "{name}: corner should be cut away"
        );
        let subject = image.pixels().filter(|p| p[3] > 200).count();
        assert!(subject > 20_000, "{name}: only {subject} subject pixels");
    }
    imagemint()
        .current_dir(dir.path())
        .args([
            "chelsea.png",
            "--replace-bg",
            "#0000ff",
            "--crop-to-subject",
            "10",
            "--mask-size",
            "512",
            "-o",
            "blue.jpg",
        ])
        .assert()
        .success();
    let (w, h) = dimensions(&dir.path().join("blue.jpg"));
    assert!(w < 451 || h < 300, "crop to subject: {w}×{h}");
}

#[test]
fn background_removal_errors_are_clear() {
    let dir = workdir(&["chelsea.png"]);
    imagemint()
        .current_dir(dir.path())
        .args(["chelsea.png", "--remove-bg", "--model", "nope.onnx"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.onnx").and(predicate::str::contains("cannot read")));
    std::fs::write(dir.path().join("junk.onnx"), b"not a model").unwrap();
    imagemint()
        .current_dir(dir.path())
        .args([
            "chelsea.png",
            "--remove-bg",
            "--model",
            "junk.onnx",
            "-o",
            "x.png",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a readable ONNX model"));
    imagemint()
        .current_dir(dir.path())
        .args(["chelsea.png", "--mask-only", "--blur-bg", "5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("choose one of"));
    imagemint()
        .current_dir(dir.path())
        .args(["chelsea.png", "--remove-bg", "--model-spec", "nonsense"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown model spec"));
    // The default model (scripts/fetch-model.sh) cannot run at a size that breaks its
    // internal resizes.
    imagemint()
        .current_dir(dir.path())
        .args([
            "chelsea.png",
            "--remove-bg",
            "--mask-size",
            "600",
            "-o",
            "x.png",
        ])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("would not be whole")
                .and(predicate::str::contains("a multiple of 32")),
        );
}

#[test]
fn missing_input_is_one_clear_line() {
    imagemint()
        .args(["no-such-file.jpg", "-f", "png"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read no-such-file.jpg"));
}
