// The demo page: reads the settings and the picked files, sends each file to the Worker
// and shows the original beside the result. Files never leave this tab.

const settings = document.querySelector("#settings");
const drop = document.querySelector("#drop");
const picker = document.querySelector("#files");
const results = document.querySelector("#results");
const status = document.querySelector("#status");
const cardTemplate = document.querySelector("#card");

const extensions = { jpeg: "jpg", png: "png", webp: "webp", avif: "avif", gif: "gif", bmp: "bmp", tiff: "tiff" };
const lossy = new Set(["jpeg", "webp", "avif", "same"]);

/** Every image on the page: its file, its card and the job it waits for. */
const items = [];
let worker; // started on the first job; replaced after a failure
let nextJob = 1;
const pending = new Map(); // job id → item

let model; // { bytes, spec } of the picked model file, sent to every Worker

function startWorker() {
  const started = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  started.onmessage = ({ data }) => finish(data);
  if (model) started.postMessage({ model });
  // A Worker that cannot start (e.g. its script is missing) ends up here: its jobs fail
  // and the next job tries a fresh one.
  started.onerror = (event) => {
    event.preventDefault();
    started.terminate();
    worker = undefined;
    const message = `the image worker failed: ${event.message || "it could not start"}`;
    for (const [id, item] of pending) finish({ id, ok: false, error: { message } }, item);
  };
  return started;
}

/** After a trap (which may leave the module broken): a fresh Worker redoes the other jobs. */
function replaceWorker() {
  worker?.terminate();
  worker = undefined;
  const waiting = [...pending.values()];
  pending.clear();
  waiting.forEach(convert);
}

/** The settings form as core's options (the same JSON the `imagemint` command reads). */
function options() {
  const form = new FormData(settings);
  const format = form.get("format");
  const width = Number(form.get("width")) || undefined;
  const height = Number(form.get("height")) || undefined;
  const encode = { format, metadata: form.get("metadata") };
  if (lossy.has(format)) encode.quality = Number(form.get("quality"));
  const transform = width || height ? { resize: { width, height, fit: form.get("fit") } } : {};
  if (!form.get("removeBackground")) return { transform, encode };
  const output = { cutout: "cutout", maskOnly: "maskOnly", white: { background: "#ffffff" } }[form.get("maskOutput")];
  return { transform, mask: { output }, encode };
}

/** Sends the picked model file to the Worker; every image is converted again after. */
let modelPicks = 0;
async function pickModel() {
  const pick = ++modelPicks;
  const file = settings.elements.model.files[0];
  const picked = file && { bytes: await file.arrayBuffer(), spec: settings.elements.spec.value };
  if (pick !== modelPicks) return; // a later pick, read faster, already won
  model = picked;
  worker?.postMessage({ model });
}

const kB = (bytes) =>
  bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(2)} MB`;

function addFiles(files) {
  for (const file of files) {
    const card = cardTemplate.content.firstElementChild.cloneNode(true);
    card.querySelector(".name").textContent = file.name;
    const original = card.querySelector(".original");
    const img = original.querySelector("img");
    img.onerror = () => {
      img.hidden = true; // e.g. TIFF, which browsers do not show
    };
    img.src = URL.createObjectURL(file);
    original.querySelector("figcaption").textContent = `original · ${kB(file.size)}`;
    results.append(card);
    const item = { file, card, bytes: file.arrayBuffer(), job: 0, url: undefined };
    items.push(item);
    convert(item);
  }
}

async function convert(item) {
  const id = nextJob++;
  pending.delete(item.job); // a later run (settings changed) makes the earlier answer stale
  item.job = id;
  item.card.dataset.state = "working";
  pending.set(id, item);
  showStatus();
  const opts = options();
  const bytes = await item.bytes;
  if (item.job !== id) return;
  worker ??= startWorker();
  worker.postMessage({ id, bytes, options: opts });
}

function finish(message, item = pending.get(message.id)) {
  pending.delete(message.id);
  // A trap may leave the module broken, whichever job hit it (even a stale one).
  if (message.error?.fatal) replaceWorker();
  showStatus();
  if (!item || item.job !== message.id) return;
  const { card, file } = item;
  const error = card.querySelector(".error");
  const link = card.querySelector(".download");
  if (item.url) URL.revokeObjectURL(item.url);
  item.url = undefined;
  if (!message.ok) {
    card.dataset.state = "error";
    error.textContent = `Could not convert ${file.name}: ${message.error.message}`;
    link.hidden = true;
    return;
  }
  const { data, format, width, height, report } = message;
  const [inWidth, inHeight] = report.inputDimensions;
  card.querySelector(".original figcaption").textContent =
    `original · ${report.inputFormat.toUpperCase()} · ${inWidth}×${inHeight} · ${kB(file.size)}`;
  const blob = new Blob([data], { type: `image/${format}` });
  item.url = URL.createObjectURL(blob);
  const percent = (100 * data.length) / file.size;
  card.querySelector(".result img").src = item.url;
  card.querySelector(".result figcaption").textContent =
    `${format.toUpperCase()} · ${width}×${height} · ${kB(data.length)} · ` +
    `${percent.toFixed(1)}% of the original · ${Math.round(report.timings.totalMs)} ms`;
  error.textContent = "";
  link.href = item.url;
  link.download = `${file.name.replace(/\.[^.]*$/, "")}.${extensions[format]}`;
  link.textContent = `Download ${link.download}`;
  link.hidden = false;
  card.dataset.state = "done";
}

function showStatus() {
  status.textContent = pending.size ? `Working on ${pending.size} image(s)…` : items.length ? "Done." : "";
}

// Settings apply to every image on the page, as soon as they change.
let timer;
settings.addEventListener("input", async (event) => {
  const { quality, qualityShown, format } = settings.elements;
  qualityShown.value = quality.value;
  quality.disabled = !lossy.has(format.value); // PNG is lossless
  clearTimeout(timer);
  if (event.target.name === "model" || event.target.name === "spec") await pickModel();
  clearTimeout(timer); // another change may have set it while the model was read
  timer = setTimeout(() => items.forEach(convert), 300);
});
settings.addEventListener("submit", (event) => event.preventDefault());

picker.addEventListener("change", () => {
  addFiles(picker.files);
  picker.value = ""; // picking the same file again is a new image
});
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  addFiles(event.dataTransfer.files);
});

