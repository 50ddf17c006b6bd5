// Benchmark (not a test): what reading a picked folder's files in a worker costs Chromium,
// a file at a time (the page posts each `File`, as `web/pool.rs` does, two in flight) or K
// at a time (the page posts one `Blob` of K files and their sizes; the worker reads it
// once and cuts it). The CPU time of the browser process and the renderer (from /proc) is
// divided by the files read; the worker only reads, so this is Chromium's cost alone.
//   node tests/browser/bench-files.mjs DIR [K,K,...=1,16,1,16]   (K = 1: a file a message)
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, closeBrowsers } from './harness.mjs';
import { chromiumCpu as cpu } from './chromium-cpu.mjs';

const dir = process.argv[2];
const runs = (process.argv[3] ?? '1,16,1,16').split(',').map(Number);
if (!dir) throw new Error('usage: node bench-files.mjs DIR [K,K,...]');

const WORKER = `onmessage = async ({ data: { blob, sizes } }) => {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let at = 0, sum = 0;
  for (const size of sizes) { sum += bytes[at] ?? 0; at += size; }
  postMessage({ files: sizes.length, sum, whole: at === bytes.length });
};`;

const PAGE = `<!doctype html><title>bench-files</title>
<input type="file" id="pick" webkitdirectory multiple>`;

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-bench-files-'));
await fs.writeFile(path.join(tmp, 'index.html'), PAGE);
await fs.writeFile(path.join(tmp, 'worker.js'), WORKER);
const server = await serve(tmp);
const browser = await launch();
try {
  const { page } = await openPage(browser, server.origin);
  await page.goto(`${server.origin}/`);
  for (const k of runs) {
    // New File objects each run: a File's snapshot (size, time), once taken, is kept.
    await page.locator('#pick').setInputFiles(dir);
    const before = await cpu();
    const out = await page.evaluate((k) => new Promise((resolve, reject) => {
      const files = [...document.querySelector('#pick').files];
      const w = new Worker('/worker.js');
      const started = performance.now();
      let next = 0, done = 0, whole = true;
      const send = () => {
        if (next >= files.length) return;
        const part = files.slice(next, next + k);
        next += part.length;
        // One file goes as itself (its snapshot is taken as it is posted); K as one Blob.
        const blob = k === 1 ? part[0] : new Blob(part);
        w.postMessage({ blob, sizes: part.map((f) => f.size) });
      };
      w.onmessage = ({ data }) => {
        done += data.files;
        whole &&= data.whole;
        if (done === files.length) {
          w.terminate();
          resolve({ files: done, ms: performance.now() - started, whole });
        } else send();
      };
      w.onerror = (e) => reject(new Error(e.message));
      send();
      send();
    }), k);
    const after = await cpu();
    const per = (key) => Math.round(((after[key] - before[key]) / out.files) * 100) / 100;
    console.log(JSON.stringify({
      files: out.files, a_message: k, all_read: out.whole, wall_ms_a_file: Math.round((out.ms / out.files) * 100) / 100,
      browser_process_cpu_ms_a_file: per('browser'), renderer_cpu_ms_a_file: per('renderer'),
    }));
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
