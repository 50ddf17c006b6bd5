// Benchmark (not a test): where the page's own thread spends its time while a folder of
// small real-photo crops is added (Chromium's per-category durations, and optionally a
// CPU profile's heaviest functions: build with GRAFT_NAMES=1 to keep wasm names; or a
// trace's main-thread events by name, their own time, which names the browser's own work).
//   [GRAFT_DIST_B=dist GRAFT_ROUNDS=n GRAFT_LARGE=n] node tests/browser/profile-add.mjs [classes=10] [per class=30] [workers] [profile|trace]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';
import { ready } from './teach-helpers.mjs';
import { writeScaleFolder } from './scale-folder.mjs';
import { heaviestFunctions, pageThreadSpans } from './devtools.mjs';
import { cpuByThread } from './chromium-cpu.mjs';

const classes = Number(process.argv[2] ?? 10);
const perClass = Number(process.argv[3] ?? 30);
const workers = process.argv[4];
const profile = process.argv[5] === 'profile';
const trace = process.argv[5] === 'trace';
// GRAFT_DIST_B=<a second build's dist> (and GRAFT_ROUNDS=n, 1 by default): the folder is
// made once, then added to a fresh page of each build in turn (A, B, A, B, ...), so that
// two builds are compared on one machine at one time.
const builds = process.env.GRAFT_DIST_B ? [DIST, process.env.GRAFT_DIST_B] : [DIST];
const rounds = Number(process.env.GRAFT_ROUNDS ?? 1);
// Served through a link that each run points at the build it is to load.
const live = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'graft-profile-dist-')), 'dist');
await fs.symlink(path.resolve(builds[0]), live);
const server = await serve(live, { '/fixtures/': FIXTURES });
const browser = await launch();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-profile-add-'));
// GRAFT_QUERY=a=b&c=d: more of the page's address (`store=none`: nothing saved).
const address = `${server.origin}/?device=cpu${workers ? `&workers=${workers}` : ''}${process.env.GRAFT_QUERY ? `&${process.env.GRAFT_QUERY}` : ''}`;
try {
  // GRAFT_FOLDER=dir: the folder is made there once and kept, and used as it is by later
  // runs (making 10 000 crops takes minutes).
  const dir = process.env.GRAFT_FOLDER ?? path.join(tmp, 'library');
  const total = await photosIn(dir) || await makeFolder(dir);
  for (let run = 0; run < rounds * builds.length; run++) {
    await fs.rm(live);
    await fs.symlink(path.resolve(builds[run % builds.length]), live);
    const out = await addFolder(dir, total);
    if (builds.length > 1) out.build = builds[run % builds.length];
    console.log(JSON.stringify(out, null, 1));
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}

/** Make the folder of crops in `dir`: how many photos it has. */
async function makeFolder(dir) {
  const maker = await openPage(browser, server.origin);
  await maker.page.goto(`${server.origin}/?store=none`);
  // GRAFT_LARGE=n: n of the photos 12-MP JPEGs, as in bench-scale.mjs (3 % of them there).
  const { counts } = await writeScaleFolder(maker.page, dir, { classes, perClass, large: Number(process.env.GRAFT_LARGE ?? 0) });
  await maker.page.context().close();
  return counts.reduce((a, b) => a + b, 0);
}

/** The photos of a folder made before (0 if there is none). */
async function photosIn(dir) {
  const classes = await fs.readdir(dir).catch(() => []);
  const counts = await Promise.all(classes.map(async (c) => (await fs.readdir(path.join(dir, c))).length));
  return counts.reduce((a, b) => a + b, 0);
}

/** Add the folder `dir` (`total` photos) to a fresh page (its own IndexedDB): the figures. */
async function addFolder(dir, total) {
  const s = await openPage(browser, server.origin);
  await s.page.goto(address);
  await ready(s.page);
  const cdp = await s.page.context().newCDPSession(s.page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  let complete;
  if (trace) {
    complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Tracing.start', {
      transferMode: 'ReturnAsStream',
      traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink', 'v8', 'ipc', 'mojom'] },
    });
  }
  const cpuBefore = await cpuByThread();
  const before = await metrics();
  const started = Date.now();
  await s.page.getByRole('button', { name: 'Add a folder of classes' }).setInputFiles(dir);
  await s.page.waitForFunction((n) => {
    const shown = [...document.querySelectorAll('section.class-card .count')]
      .reduce((sum, c) => sum + Number(c.dataset.count ?? 0), 0);
    return shown === n;
  }, total, { timeout: 1_800_000, polling: 100 }).catch(async (e) => {
    // Say what the page showed: the photos counted and its notices.
    const seen = await s.page.evaluate(() => ({
      shown: [...document.querySelectorAll('section.class-card .count')].reduce((sum, c) => sum + Number(c.dataset.count ?? 0), 0),
      notices: document.querySelector('#notices')?.textContent?.slice(0, 2000),
    }));
    throw new Error(`${e.message}: ${JSON.stringify(seen)}`);
  });
  const seconds = (Date.now() - started) / 1000;
  const after = await metrics();
  const cpuAfter = await cpuByThread();
  const per = (k) => Math.round(((after[k] - before[k]) / total) * 1e4) / 10;
  const out = { photos: total, seconds, photos_per_s: Math.round((total / seconds) * 10) / 10, ms_a_photo: {} };
  for (const k of ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration']) out.ms_a_photo[k] = per(k);
  // Every Chromium process's threads, CPU ms a photo by process type and thread name.
  const used = new Map();
  for (const [key, ms] of cpuAfter) {
    const d = ms - (cpuBefore.get(key) ?? 0);
    const name = key.split(' ').slice(1).join(' ');
    if (d > 0) used.set(name, (used.get(name) ?? 0) + d);
  }
  out.cpu_ms_a_photo = [...used.entries()].sort((a, b) => b[1] - a[1]).filter(([, v]) => v / total >= 0.2)
    .map(([k, v]) => `${Math.round((v / total) * 10) / 10} ${k}`);
  if (profile) out.top_self_ms = heaviestFunctions((await cdp.send('Profiler.stop')).profile);
  if (trace) out.main_thread_self_ms_a_photo = await traceSelf(cdp, complete, total);
  await s.page.context().close();
  return out;
}

/** The trace's complete events on the page's main thread, by name: each one's own time (its
 * duration less its children's), in ms a photo, the heaviest first. */
async function traceSelf(cdp, complete, photos) {
  const spans = await pageThreadSpans(cdp, complete);
  const self = new Map();
  const seen = new Map();
  const stack = [];
  for (const e of spans) {
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
    const parent = stack.at(-1);
    if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - e.dur);
    self.set(e.name, (self.get(e.name) ?? 0) + e.dur);
    seen.set(e.name, (seen.get(e.name) ?? 0) + 1);
    stack.push(e);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)
    .map(([k, v]) => `${Math.round(v / photos / 10) / 100} ms ${k} (${Math.round((seen.get(k) / photos) * 10) / 10} a photo)`);
}
