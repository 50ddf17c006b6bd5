// Benchmark (not a test): a photo library in the page. Builds, at run time, a folder of
// real-photo crops (default 10 000 in 50 classes, 300 of them 12-MP JPEGs; scale-folder.mjs),
// then adds it by "Add a folder of classes", trains, reloads and previews, and prints JSON:
// photos/s while embedding, the longest main-thread task, page heap, IndexedDB bytes, time
// to usable after the reload. Compare a pool of 1 worker with the default by the third
// argument.
//   node tests/browser/bench-scale.mjs [classes=50] [per class=200] [workers]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';
import { ready, crops } from './teach-helpers.mjs';
import { writeScaleFolder } from './scale-folder.mjs';
import { scalePath } from './scale-path.mjs';

const classes = Number(process.argv[2] ?? 50);
const perClass = Number(process.argv[3] ?? 200);
const workers = process.argv[4];
const HOUR = 3_600_000;
const server = await serve(DIST, { '/fixtures/': FIXTURES });
const browser = await launch();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-bench-scale-'));
try {
  const s = await openPage(browser, server.origin);
  await s.page.goto(`${server.origin}/?device=cpu${workers ? `&workers=${workers}` : ''}`);
  await ready(s.page);
  let started = Date.now();
  const dir = path.join(tmp, 'library');
  const folder = await writeScaleFolder(s.page, dir, { classes, perClass, large: Math.round(classes * perClass * 0.03) });
  const made_s = (Date.now() - started) / 1000;
  const [held] = await crops(s.page, 'astronaut', 'top', 1, 999, 'astronaut.png');
  const figures = await scalePath(s.page, dir, folder, held, HOUR);
  const workersUsed = await s.page.evaluate(() => navigator.hardwareConcurrency);
  console.log(JSON.stringify({ classes, per_class: perClass, workers: workers ? Number(workers) : `one a core (${workersUsed})`, folder_made_s: made_s, ...figures, problems: s.problems() }));
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
