// Shared by the Chromium tests: a static server (the one-line server the README gives)
// and a headless Chromium driven by playwright-core.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { root } from "./helpers.js";

/** Screenshots and other files a person may want to look at after a run. */
export const artifacts = process.env.IMAGEMINT_ARTIFACTS ?? join(root, "test-artifacts");

/** `python3 -m http.server` on a free port, serving `dir`. */
export async function serve(dir) {
  const server = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], {
    // Its request log goes to stderr: unread, a full pipe would stall the server.
    stdio: ["ignore", "pipe", "ignore"],
  });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    server.on("exit", (code) => reject(new Error(`http.server exited (${code}): ${out}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, close: () => server.kill() };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // Also keeps Chromium itself from calling home, so every request seen is the page's.
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/**
 * A fresh context whose every request (page, Worker, fetches) is recorded, and whose
 * console errors and uncaught exceptions fail the test.
 */
export async function openContext(browser) {
  const context = await browser.newContext({ acceptDownloads: true });
  const requests = [];
  context.on("request", (request) => requests.push(request));
  const problems = [];
  context.on("weberror", (error) => problems.push(`uncaught: ${error.error()}`));
  context.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  return { context, requests, problems };
}

export function screenshotPath(name) {
  mkdirSync(artifacts, { recursive: true });
  return join(artifacts, name);
}
