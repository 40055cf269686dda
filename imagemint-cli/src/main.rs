//! `imagemint`: the command-line face of imagemint-core.

mod args;

use std::collections::HashSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use clap::Parser;
use imagemint_core::{Format, ImageFormat, MaskModel, ModelSpec, Options, Output, Pipeline};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::args::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("imagemint: {}", describe(&e));
            ExitCode::from(2)
        }
    }
}

/// Where one input's output goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Target {
    Stdout,
    /// This exact file.
    File(PathBuf),
    /// This directory, named after the input with the output format's extension.
    Dir(PathBuf),
    /// Beside the input, with the output format's extension.
    Beside,
}

/// Runs every input; `Ok(false)` when some of them failed (each already reported).
fn run(cli: &Cli) -> Result<bool> {
    let mut options = cli.to_options()?;
    let stdin_count = cli.inputs.iter().filter(|p| is_dash(p)).count();
    if stdin_count > 1 {
        bail!("`-` (standard input) can be given once");
    }
    let many = cli.inputs.len() > 1;
    let target = match &cli.output {
        Some(p) if is_dash(p) => {
            if many {
                bail!("-o - (standard output) takes exactly one input");
            }
            Target::Stdout
        }
        Some(p) if many || p.is_dir() || ends_with_separator(p) => {
            std::fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))?;
            Target::Dir(p.clone())
        }
        Some(p) => {
            // `-o photo.webp` picks the format, unless the options already chose one;
            // a different choice is refused rather than written under a wrong name.
            if let Some(named) = extension_format(p) {
                match options.encode.format {
                    Format::Same => options.encode.format = named,
                    chosen if chosen != named => bail!(
                        "-o {} says {named}, but the output format is {chosen}",
                        p.display()
                    ),
                    _ => {}
                }
            }
            Target::File(p.clone())
        }
        None if stdin_count == 1 && !many => Target::Stdout,
        None if stdin_count == 1 => bail!("with several inputs, `-` needs -o DIR"),
        None => Target::Beside,
    };
    if target == Target::Stdout && std::io::stdout().is_terminal() {
        bail!("refusing to write image data to a terminal; use -o FILE or a pipe");
    }

    let pipeline = pipeline(cli, options)?;

    if let Some(jobs) = cli.jobs {
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs.max(1))
            .build_global()
            .context("cannot start worker threads")?;
    }

    let progress = (many && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(cli.inputs.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let reporter = Reporter {
        json: cli.json,
        to_stderr: target == Target::Stdout,
        progress: progress.clone(),
    };
    // Claimed output paths, so two inputs never write the same file; inputs start
    // claimed, so no output replaces another input (nor its own without --in-place).
    let inputs: HashSet<PathBuf> = cli.inputs.iter().filter_map(|p| resolved(p)).collect();
    let claimed = Mutex::new(HashSet::new());

    let failures = cli
        .inputs
        .par_iter()
        .map(|input| {
            let guard = Guard {
                inputs: &inputs,
                claimed: &claimed,
                in_place: cli.in_place,
            };
            let result = convert(input, &target, &pipeline, &guard);
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            match result {
                Ok((written, out)) => {
                    reporter.done(input, &written, &out);
                    0
                }
                Err(e) => {
                    reporter.failed(input, &e);
                    1
                }
            }
        })
        .sum::<usize>();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if failures > 0 && many {
        eprintln!("imagemint: {failures} of {} files failed", cli.inputs.len());
    }
    Ok(failures == 0)
}

/// What may be written: never an input (but its own with `--in-place`), never a path
/// another input already wrote.
struct Guard<'a> {
    inputs: &'a HashSet<PathBuf>,
    claimed: &'a Mutex<HashSet<PathBuf>>,
    in_place: bool,
}

impl Guard<'_> {
    fn claim(&self, input: &Path, output: &Path) -> Result<()> {
        let Some(key) = resolved(output) else {
            bail!("cannot resolve the output path {}", output.display());
        };
        if self.inputs.contains(&key) {
            let own = resolved(input).as_ref() == Some(&key);
            if !own {
                bail!(
                    "{} is another input; refusing to overwrite it",
                    output.display()
                );
            }
            if !self.in_place {
                bail!(
                    "{} would overwrite the input; pass --in-place to allow it, or choose -o",
                    output.display()
                );
            }
        }
        let mut claimed = self
            .claimed
            .lock()
            .map_err(|_| anyhow::anyhow!("internal lock poisoned"))?;
        if !claimed.insert(key) {
            bail!("{} is also the output of another input", output.display());
        }
        Ok(())
    }
}

/// Reads, processes and writes one input. Returns where it went, for the report.
fn convert(
    input: &Path,
    target: &Target,
    pipeline: &Pipeline,
    guard: &Guard<'_>,
) -> Result<(String, Output)> {
    let data = if is_dash(input) {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read standard input")?;
        buf
    } else {
        std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?
    };
    let out = pipeline.process(&data)?;
    let path = match target {
        Target::Stdout => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&out.data)
                .and_then(|()| stdout.flush())
                .context("cannot write to standard output")?;
            return Ok(("-".to_owned(), out));
        }
        Target::File(p) => p.clone(),
        Target::Dir(dir) => dir.join(output_name(input, out.format)),
        Target::Beside => input.with_file_name(output_name(input, out.format)),
    };
    guard.claim(input, &path)?;
    write_atomically(&path, &out.data)?;
    Ok((path.display().to_string(), out))
}

/// The pipeline for `options`, with the segmentation model loaded once for every input
/// when the mask stage is on.
fn pipeline(cli: &Cli, options: Options) -> Result<Pipeline> {
    let wants_model = options.mask.is_some();
    let pipeline = Pipeline::new(options)?;
    if !wants_model {
        return Ok(pipeline);
    }
    let spec = match cli.model_spec.as_deref() {
        None => ModelSpec::isnet_imgly(),
        Some(name) if name.ends_with(".json") => {
            let text =
                std::fs::read_to_string(name).with_context(|| format!("cannot read {name}"))?;
            imagemint_core::from_json(&text).with_context(|| name.to_string())?
        }
        Some(name) => {
            ModelSpec::named(name).context("--model-spec takes a name or a .json file")?
        }
    };
    let path = match &cli.model {
        Some(p) => p.clone(),
        None => default_model().ok_or_else(|| {
            anyhow::anyhow!(
                "background removal needs a model: run `bash scripts/fetch-model.sh`, or pass --model"
            )
        })?,
    };
    let spec = match cli.mask_size {
        Some(side) => spec.with_input_size(side, side),
        None => spec,
    };
    keep_freed_memory();
    let model = MaskModel::from_path(&path, spec).with_context(|| path.display().to_string())?;
    Ok(pipeline.with_model(Arc::new(model)))
}

/// glibc gives every freed block over 32 MB straight back to the kernel, so each of the
/// segmentation network's feature maps (up to 135 MB at 1024²) is page-faulted in afresh
/// on every image: about a fifth of the inference time on our benchmark machine
/// (benches/README.md). With the mask stage on, this program keeps freed memory for reuse
/// instead, at the price of a higher peak. The library leaves the allocator to the program.
///
/// A batch masks its images on rayon's threads, and glibc's per-thread arenas map anything
/// over their 64 MB heaps whatever `M_MMAP_MAX` says, so every thread shares the main
/// arena. Called before any of those threads exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only changes glibc's allocation policy and is safe to call at any
    // time; a refused setting leaves the default in place.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

/// The model `scripts/fetch-model.sh` puts in the cache, if it is there.
fn default_model() -> Option<PathBuf> {
    let dir = match std::env::var_os("IMAGEMINT_MODEL_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/imagemint/models"),
    };
    Some(dir.join("isnet-fp16.onnx")).filter(|p| p.is_file())
}

/// `input`'s file stem (or `stdin`) with `format`'s extension.
fn output_name(input: &Path, format: ImageFormat) -> PathBuf {
    let stem = if is_dash(input) {
        "stdin".into()
    } else {
        input.file_stem().unwrap_or_default().to_os_string()
    };
    let mut name = PathBuf::from(stem);
    name.set_extension(format.extension());
    name
}

/// Writes via a temporary file in the same directory, so a failure never leaves half a
/// file and an in-place rewrite never loses the original. An existing file keeps its
/// permissions (a private photo stays private), and a symlink keeps pointing at it.
fn write_atomically(path: &Path, data: &[u8]) -> Result<()> {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.imagemint-{}.tmp", std::process::id()));
    let existing = std::fs::metadata(&path).ok().map(|m| m.permissions());
    let written = std::fs::write(&tmp, data)
        .and_then(|()| existing.map_or(Ok(()), |p| std::fs::set_permissions(&tmp, p)))
        .and_then(|()| std::fs::rename(&tmp, &path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::anyhow!("cannot write {}: {e}", path.display())
    })
}

/// `p` as an absolute path with symlinks resolved; for a file that does not exist yet,
/// its resolved directory joined with its name.
fn resolved(p: &Path) -> Option<PathBuf> {
    if is_dash(p) {
        return None;
    }
    p.canonicalize().ok().or_else(|| {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.canonicalize().ok()?,
            _ => std::env::current_dir().ok()?,
        };
        Some(dir.join(p.file_name()?))
    })
}

fn is_dash(p: &Path) -> bool {
    p.as_os_str() == "-"
}

fn ends_with_separator(p: &Path) -> bool {
    p.as_os_str()
        .to_string_lossy()
        .ends_with(std::path::MAIN_SEPARATOR)
}

fn extension_format(p: &Path) -> Option<Format> {
    p.extension()?
        .to_str()?
        .parse()
        .ok()
        .filter(|f| *f != Format::Same)
}

/// Prints results: one human line per file, or one JSON object per line.
struct Reporter {
    json: bool,
    to_stderr: bool,
    progress: Option<ProgressBar>,
}

impl Reporter {
    fn done(&self, input: &Path, output: &str, out: &Output) {
        let r = &out.report;
        let line = if self.json {
            let input = input.to_string_lossy();
            serde_json::json!({ "input": input, "output": output, "report": r }).to_string()
        } else {
            format!(
                "{} → {output}  {} → {} ({:.1}%)  {}×{}  {:.0} ms",
                input.display(),
                human_bytes(r.input_bytes),
                human_bytes(r.output_bytes),
                r.ratio * 100.0,
                out.width,
                out.height,
                r.timings.total_ms
            )
        };
        self.print(&line, self.to_stderr || !self.json);
    }

    fn failed(&self, input: &Path, error: &anyhow::Error) {
        if self.json {
            let input = input.to_string_lossy();
            let line = serde_json::json!({ "input": input, "error": describe(error) });
            self.print(&line.to_string(), self.to_stderr);
        }
        self.print(
            &format!("imagemint: {}: {}", input.display(), describe(error)),
            true,
        );
    }

    fn print(&self, line: &str, stderr: bool) {
        match (&self.progress, stderr) {
            (Some(bar), true) => bar.println(line),
            (_, true) => eprintln!("{line}"),
            (_, false) => println!("{line}"),
        }
    }
}

/// The error and its causes on one line, skipping causes whose text a message already
/// repeats (imagemint's and the codecs' messages include their source).
fn describe(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

fn human_bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        _ => format!("{:.2} MB", n as f64 / 1e6),
    }
}
