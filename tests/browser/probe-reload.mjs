// Benchmark (not a test): where the time goes when a project of photos is reopened. Adds a
// folder of real-photo crops (CLASSES x PER), then reloads and prints, in ms from the
// reload: the load event, the first class card drawn, every count drawn, Train enabled, the
// backbone ready; and the page's resources that took longest to fetch. With `profile`, the
// page's CPU profile from the reload to Train enabled: its heaviest functions by own time
// (build with GRAFT_NAMES=1 to keep wasm names); with `trace`, the page's thread's tasks over
// 20 ms in that time, each with when it began and its heaviest events by own time.
// GRAFT_DIST_B=<a second build's dist>: the reloads alternate the two builds (A, B, A, ...;
// the same saved project, six reloads), to compare them on one machine at one time.
//   node tests/browser/probe-reload.mjs [classes=10] [per class=100] [profile]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';
import { ready } from './teach-helpers.mjs';
import { writeScaleFolder } from './scale-folder.mjs';
import { heaviestFunctions, pageThreadSpans } from './devtools.mjs';

const classes = Number(process.argv[2] ?? 10);
const perClass = Number(process.argv[3] ?? 100);
const profile = process.argv[4] === 'profile';
const trace = process.argv[4] === 'trace';
// Served through a link that each reload points at the build it is to load.
const builds = process.env.GRAFT_DIST_B ? [DIST, process.env.GRAFT_DIST_B] : [DIST];
const live = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'graft-probe-dist-')), 'dist');
await fs.symlink(path.resolve(builds[0]), live);
const server = await serve(live, { '/fixtures/': FIXTURES });
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
  for (let round = 0; round < 3 * builds.length; round++) {
    const build = round % builds.length;
    await fs.rm(live);
    await fs.symlink(path.resolve(builds[build]), live);
    // A session made before the reload follows the page's target across it.
    const cdp = profile || trace ? await s.page.context().newCDPSession(s.page) : null;
    let complete;
    if (trace) {
      complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
      await cdp.send('Tracing.start', {
        transferMode: 'ReturnAsStream',
        traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink', 'v8'] },
      });
    }
    if (profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
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
    const heaviest = profile ? heaviestFunctions((await cdp.send('Profiler.stop')).profile) : undefined;
    const long_tasks = trace ? await longTasks(cdp, complete) : undefined;
    if (cdp) await cdp.detach();
    await reloaded;
    await ready(s.page);
    at.backbone_ready = Date.now() - started;
    const resources = await s.page.evaluate(() => performance.getEntriesByType('resource')
      .map((r) => [r.name.split('/').pop(), Math.round(r.startTime), Math.round(r.duration), r.transferSize])
      .sort((a, b) => b[2] - a[2]).slice(0, 6));
    const nav = await s.page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0]; return { dom_content_loaded: Math.round(n.domContentLoadedEventEnd), load: Math.round(n.loadEventEnd) }; });
    console.log(JSON.stringify({ photos: total, round, build: 'AB'[build], ms_from_reload: at, navigation_ms: nav, slowest_resources: resources, heaviest, long_tasks }));
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.rm(path.dirname(live), { recursive: true, force: true });
}

/** The trace's tasks over 20 ms on the page's thread: ms from the trace's start (about the
 * reload), length, and their three heaviest events by own time. */
async function longTasks(cdp, complete) {
  const spans = await pageThreadSpans(cdp, complete);
  const t0 = Math.min(...spans.map((e) => e.ts));
  const out = [];
  let task = null;
  const stack = [];
  for (const e of spans) {
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
    if (!stack.length) task = { at: Math.round((e.ts - t0) / 1000), ms: Math.round(e.dur / 1000), self: new Map() };
    if (!stack.length && e.dur >= 20_000) out.push(task);
    const parent = stack.at(-1);
    if (parent) task.self.set(parent.name, (task.self.get(parent.name) ?? 0) - e.dur);
    task.self.set(e.name, (task.self.get(e.name) ?? 0) + e.dur);
    stack.push(e);
  }
  return out.map((t) => `${t.at} +${t.ms} ms: ` + [...t.self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3)
    .map(([k, v]) => `${k} ${Math.round(v / 1000)}`).join(', '));
}
