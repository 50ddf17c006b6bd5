// Benchmark (not a test): how fast the page's thread reads a reopened project's samples back
// from IndexedDB, by how it asks. A worker first saves N records of a sample's sizes (name,
// hash, a 1 280-float embedding; keyed by id); the page then reads them all, each way in
// turn, and prints the wall time, the page's longest task (Long Tasks API, over 50 ms) and
// the time spent in the result getters (where Chromium deserialises the values). The values
// are not photos: only their sizes matter here.
//   node tests/browser/bench-idb-read.mjs [N=10000] [rounds=3]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, closeBrowsers } from './harness.mjs';

const n = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 3);

const WORKER = `onmessage = async ({ data: { n } }) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('bench', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('samples');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  for (let i = 0; i < n; i += 100) {
    const tx = db.transaction(['samples'], 'readwrite');
    for (let j = i; j < Math.min(n, i + 100); j++) {
      const embedding = new Float32Array(1280).map(() => Math.random());
      tx.objectStore('samples').put({ name: 'photo-' + j + '.jpg', hash: (j * 2654435761).toString(16).padStart(64, '0'), embedding }, j);
    }
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  }
  postMessage('saved');
};`;

// Runs in the page: each way of reading, timed.
const READ = async ({ way, page }) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('bench', 1);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const done = (req) => new Promise((resolve, reject) => { req.onsuccess = () => resolve(req); req.onerror = () => reject(req.error); });
  let getters = 0;
  const result = (req) => { const t = performance.now(); const r = req.result; getters += performance.now() - t; return r; };
  let longest = 0;
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) longest = Math.max(longest, e.duration); });
  observer.observe({ type: 'longtask' });
  const started = performance.now();
  let count = 0;
  // What store.rs does with each record: its fields read, the embedding copied out.
  const take = (keys, values) => {
    const sink = new Float32Array(1280);
    for (let i = 0; i < values.length; i++) { sink.set(values[i].embedding); count += values[i].name.length > 0 && keys[i] >= 0 ? 1 : 0; }
  };
  // Pages of keys in [lo, hi) (either open-ended when null), the thread free between pages;
  // `together` asks for a page's keys and values at once (as web/store.rs does).
  const span = async (lo, hi, together) => {
    let low = lo === null ? null : [lo, false];
    for (;;) {
      const s = db.transaction(['samples'], 'readonly').objectStore('samples');
      const query = low === null ? (hi === null ? undefined : IDBKeyRange.upperBound(hi, true))
        : hi === null ? IDBKeyRange.lowerBound(low[0], low[1]) : IDBKeyRange.bound(low[0], hi, low[1], true);
      let keys, values;
      if (together) {
        const [k, v] = await Promise.all([done(s.getAllKeys(query, page)), done(s.getAll(query, page))]);
        keys = result(k); values = result(v);
      } else {
        keys = result(await done(s.getAllKeys(query, page)));
        values = result(await done(s.getAll(query, page)));
      }
      take(keys, values);
      if (keys.length < page) return;
      low = [keys[keys.length - 1], true];
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  // Spans split at evenly spaced keys (the page splits at the middle id its meta lists).
  const spans = Number(/(\d+) spans?/.exec(way)?.[1] ?? 1);
  const n = (await done(db.transaction(['samples']).objectStore('samples').count())).result;
  const cuts = [null, ...[...Array(spans - 1).keys()].map((i) => Math.round(((i + 1) * n) / spans)), null];
  await Promise.all(cuts.slice(1).map((hi, i) => span(cuts[i], hi, way !== 'keys, then values')));
  const wall = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 100));
  observer.disconnect();
  db.close();
  return { read: count, wall_ms: Math.round(wall), result_getters_ms: Math.round(getters), longest_task_ms: Math.round(longest) };
};

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-bench-idb-read-'));
await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html><title>bench-idb-read</title>');
await fs.writeFile(path.join(dir, 'worker.js'), WORKER);
const server = await serve(dir);
const browser = await launch();
try {
  const { page } = await openPage(browser, server.origin);
  await page.goto(`${server.origin}/`);
  await page.evaluate((n) => new Promise((resolve, reject) => {
    const w = new Worker('/worker.js');
    w.onmessage = () => { w.terminate(); resolve(); };
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage({ n });
  }), n);
  const ways = [['keys, then values', 200], ['1 span, keys and values at once', 200], ['1 span, keys and values at once', 400], ['1 span, keys and values at once', 1000], ['2 spans, keys and values at once', 400], ['4 spans, keys and values at once', 400]];
  for (let round = 0; round < rounds; round++) {
    for (const [way, size] of ways) {
      const out = await page.evaluate(READ, { way, page: size });
      console.log(JSON.stringify({ records: n, round, way, a_page: size, ...out }));
    }
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(dir, { recursive: true, force: true });
}
