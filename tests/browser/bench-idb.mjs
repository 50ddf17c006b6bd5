// Benchmark (not a test): what an IndexedDB transaction costs Chromium, by how many photos it
// saves. A dedicated worker saves N records as the session's worker does (a sample's record,
// its 1 280-float embedding, and a ~20 KB kept copy, into two stores), one transaction for
// every B of them; the CPU time of Chromium's browser process and the renderer (from /proc)
// is divided by N. The records' values are not photos: only their sizes matter here.
// A durability ('default', 'relaxed' or 'strict') may be named for each run after its B.
//   node tests/browser/bench-idb.mjs [N=800] [B[:durability],...=1,2,4,1,2,4]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, closeBrowsers } from './harness.mjs';
import { chromiumCpu as cpu } from './chromium-cpu.mjs';

const n = Number(process.argv[2] ?? 800);
const batches = (process.argv[3] ?? '1,2,4,1,2,4').split(',').map((run) => {
  const [b, durability = 'default'] = run.split(':');
  return { b: Number(b), durability };
});

const WORKER = `onmessage = async ({ data: { n, b, name, durability } }) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => { open.result.createObjectStore('samples'); open.result.createObjectStore('copies'); };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const started = performance.now();
  for (let i = 0; i < n; i += b) {
    const tx = db.transaction(['samples', 'copies'], 'readwrite', { durability });
    for (let j = i; j < Math.min(n, i + b); j++) {
      const embedding = new Float32Array(1280).map(() => Math.random());
      const copy = new Uint8Array(20000).map(() => (Math.random() * 256) | 0);
      tx.objectStore('samples').put({ name: 'photo-' + j, hash: String(j), embedding }, j);
      tx.objectStore('copies').put(copy, j);
    }
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  }
  postMessage(performance.now() - started);
};`;

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-bench-idb-'));
await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html><title>bench-idb</title>');
await fs.writeFile(path.join(dir, 'worker.js'), WORKER);
const server = await serve(dir);
const browser = await launch();
try {
  const { page } = await openPage(browser, server.origin);
  await page.goto(`${server.origin}/`);
  for (const [run, { b, durability }] of batches.entries()) {
    const before = await cpu();
    const ms = await page.evaluate(({ n, b, name, durability }) => new Promise((resolve, reject) => {
      const w = new Worker('/worker.js');
      w.onmessage = (e) => { w.terminate(); resolve(e.data); };
      w.onerror = (e) => reject(new Error(e.message));
      w.postMessage({ n, b, name, durability });
    }), { n, b, name: `db-${run}`, durability });
    const after = await cpu();
    const per = (k) => Math.round(((after[k] - before[k]) / n) * 100) / 100;
    console.log(JSON.stringify({ photos: n, a_transaction: b, durability, wall_ms_a_photo: Math.round((ms / n) * 100) / 100,
      browser_process_cpu_ms_a_photo: per('browser'), renderer_cpu_ms_a_photo: per('renderer') }));
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(dir, { recursive: true, force: true });
}
