// Benchmark (not a test): the time to add N 12-megapixel JPEGs to a class (decode, embed,
// keep), made at run time from the fixture photos (each a different crop, upscaled to
// 4000 x 3000), and where that time goes: decoding and preparing (resize, kept copy), the
// backbone, and storage, as the session's worker reports them under `?trace`. Prints JSON.
//   node tests/browser/bench-add.mjs [N=100] [cpu|webgpu] [workers: the pool's size, 1 to 4;
//   by default one a core]
// With GRAFT_DIST pointing at another build's dist/, it times that build (no split then).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';

const n = Number(process.argv[2] ?? 100);
const device = process.argv[3] ?? 'cpu';
const workers = process.argv[4];
const server = await serve(DIST, { '/fixtures/': FIXTURES });
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-bench-add-'));
const browser = await launch({ webgpu: device === 'webgpu' });
try {
  // The photos, made in a page of their own and written as files.
  const maker = await openPage(browser, server.origin);
  await maker.page.goto(`${server.origin}/fixtures/chelsea.png`);
  const files = [];
  for (let start = 0; start < n; start += 10) {
    const list = await maker.page.evaluate(async ({ start, count }) => {
      const names = ['chelsea.png', 'coffee.png', 'astronaut.png', 'rocket.jpg', 'motorcycle_left.png'];
      const out = [];
      for (let i = start; i < start + count; i++) {
        const img = await createImageBitmap(await (await fetch(`/fixtures/${names[i % names.length]}`)).blob());
        const inset = 2 + (i % 37);
        const canvas = new OffscreenCanvas(4000, 3000);
        canvas.getContext('2d').drawImage(img, inset, inset, img.width - 2 * inset, img.height - 2 * inset, 0, 0, 4000, 3000);
        const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
        let bin = '';
        for (let j = 0; j < bytes.length; j += 0x8000) bin += String.fromCharCode(...bytes.subarray(j, j + 0x8000));
        out.push(btoa(bin));
      }
      return out;
    }, { start, count: Math.min(10, n - start) });
    for (const b64 of list) {
      files.push(path.join(tmp, `large-${files.length}.jpg`));
      await fs.writeFile(files.at(-1), Buffer.from(b64, 'base64'));
    }
  }
  await maker.page.close();

  const s = await openPage(browser, server.origin);
  const split = [];
  s.page.on('worker', (w) => w.on('console', (msg) => {
    const m = msg.text().match(/graft-timing (\{.*\})/);
    if (m) split.push(JSON.parse(m[1]));
  }));
  await s.page.goto(`${server.origin}/?device=${device}&trace${workers ? `&workers=${workers}` : ''}`);
  await s.page.locator('#model-status[data-state="ready"]').waitFor({ timeout: 900_000 });
  await s.page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => e.duration))).observe({ type: 'longtask' });
  });
  const started = Date.now();
  await s.page.getByRole('region', { name: 'Class Class 1' }).getByRole('button', { name: 'Add images to Class 1' })
    .setInputFiles(files);
  await s.page.getByRole('region', { name: 'Class Class 1' }).locator(`.count[data-count="${n}"]`).waitFor({ timeout: 3_600_000 });
  const seconds = (Date.now() - started) / 1000;
  const tasks = await s.page.evaluate(() => window.longTasks);
  const mean = (k) => split.length ? Math.round(split.reduce((a, t) => a + t[k], 0) / split.length) : null;
  console.log(JSON.stringify({
    photos: n, device, workers: workers ? Number(workers) : 'one a core', megapixels: 12, seconds: Math.round(seconds * 10) / 10,
    photos_per_s: Math.round((n / seconds) * 100) / 100,
    ms_per_photo: { decode_and_prepare: mean('decode_ms'), backbone: mean('backbone_ms'), store: mean('store_ms') },
    main_thread_tasks_over_50ms: tasks.length, longest_task_ms: Math.round(Math.max(0, ...tasks)),
  }));
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
