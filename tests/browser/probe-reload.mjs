// Benchmark (not a test): where the time goes when a project of photos is reopened. Adds a
// folder of real-photo crops (CLASSES x PER), then reloads and prints, in ms from the
// reload: the load event, the first class card drawn, every count drawn, Train enabled, the
// backbone ready; and the page's resources that took longest to fetch.
//   node tests/browser/probe-reload.mjs [classes=10] [per class=100]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';
import { ready } from './teach-helpers.mjs';
import { writeScaleFolder } from './scale-folder.mjs';

const classes = Number(process.argv[2] ?? 10);
const perClass = Number(process.argv[3] ?? 100);
const server = await serve(DIST, { '/fixtures/': FIXTURES });
const browser = await launch();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-probe-reload-'));
try {
  const s = await openPage(browser, server.origin);
  await s.page.goto(`${server.origin}/?device=cpu`);
  await ready(s.page);
  const dir = path.join(tmp, 'library');
  const { counts } = await writeScaleFolder(s.page, dir, { classes, perClass });
  const total = counts.reduce((a, b) => a + b, 0);
  await s.page.getByRole('button', { name: 'Add a folder of classes' }).setInputFiles(dir);
  await s.page.waitForFunction((n) => [...document.querySelectorAll('section.class-card .count')]
    .reduce((sum, c) => sum + Number(c.dataset.count ?? 0), 0) === n, total, { timeout: 900_000, polling: 100 });
  for (let round = 0; round < 3; round++) {
    const started = Date.now();
    const at = {};
    const reloaded = s.page.reload().then(() => { at.load_event = Date.now() - started; });
    await s.page.waitForFunction(() => document.querySelector('section.class-card'), null, { timeout: 60_000, polling: 20 });
    at.first_card = Date.now() - started;
    await s.page.waitForFunction((n) => [...document.querySelectorAll('section.class-card .count')]
      .reduce((sum, c) => sum + Number(c.dataset.count ?? 0), 0) === n, total, { timeout: 60_000, polling: 20 });
    at.all_counted = Date.now() - started;
    await s.page.locator('button:text-is("Train"):enabled').waitFor({ timeout: 60_000 });
    at.train_enabled = Date.now() - started;
    await reloaded;
    await ready(s.page);
    at.backbone_ready = Date.now() - started;
    const resources = await s.page.evaluate(() => performance.getEntriesByType('resource')
      .map((r) => [r.name.split('/').pop(), Math.round(r.startTime), Math.round(r.duration), r.transferSize])
      .sort((a, b) => b[2] - a[2]).slice(0, 6));
    const nav = await s.page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0]; return { dom_content_loaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) }; });
    console.log(JSON.stringify({ photos: total, round, ms_from_reload: at, navigation_ms: nav, slowest_resources: resources }));
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
