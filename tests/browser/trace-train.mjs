// Diagnosis, not a test: which main-thread work makes the longest task when a run starts
// and ends on a project of N photos. Adds a folder (scale-folder.mjs), then traces Train
// with Chromium's timeline and prints, for each task over 50 ms, its slowest events.
// With `profile`, a CPU profile of the page's thread too (build with GRAFT_NAMES=1 to keep
// wasm names): the functions each such task was in.
//   node tests/browser/trace-train.mjs [classes=50] [per class=60] [profile]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';
import { ready } from './teach-helpers.mjs';
import { writeScaleFolder } from './scale-folder.mjs';
import { heaviestIn } from './devtools.mjs';

const classes = Number(process.argv[2] ?? 50);
const perClass = Number(process.argv[3] ?? 60);
const profile = process.argv[4] === 'profile';
const server = await serve(DIST, { '/fixtures/': FIXTURES });
const browser = await launch();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-trace-'));
try {
  const s = await openPage(browser, server.origin);
  await s.page.goto(`${server.origin}/?device=cpu`);
  await ready(s.page);
  const dir = path.join(tmp, 'library');
  const { counts } = await writeScaleFolder(s.page, dir, { classes, perClass, large: 0 });
  for (const starter of ['Class 1', 'Class 2']) await s.page.getByRole('button', { name: `Delete class ${starter}` }).click();
  await s.page.getByRole('button', { name: 'Add a folder of classes' }).setInputFiles(dir);
  const total = counts.reduce((a, b) => a + b, 0);
  await s.page.waitForFunction((n) => [...document.querySelectorAll('.count')].reduce((a, c) => a + Number(c.dataset.count ?? 0), 0) >= n, total, { timeout: 3_600_000, polling: 1000 });
  // Scrolled to Train first, as a person would be: the scroll's layout is not the run's.
  await s.page.getByRole('button', { name: 'Train', exact: true }).scrollIntoViewIfNeeded();
  await s.page.waitForTimeout(3000);
  const cdp = await s.page.context().newCDPSession(s.page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,v8,v8.execute,disabled-by-default-devtools.timeline,disabled-by-default-v8.gc', transferMode: 'ReportEvents' });
  // A CSS query: Playwright's role engine walks the whole page on its thread (118 ms at
  // 10 000 photos), which would be traced as the click's task.
  await s.page.locator('button.primary:text-is("Train")').click();
  await s.page.locator('#train-result').waitFor({ timeout: 3_600_000 });
  await s.page.waitForTimeout(2000);
  const cpu = profile ? (await cdp.send('Profiler.stop')).profile : null;
  await cdp.send('Tracing.end');
  await done;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X');
  const tasks = onMain.filter((e) => e.name === 'RunTask' && e.dur > 50_000).sort((a, b) => b.dur - a.dur);
  console.log(`${total} photos; main-thread tasks over 50 ms: ${tasks.length}`);
  for (const t of tasks.slice(0, 5)) {
    const inside = onMain.filter((e) => e !== t && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= t.ts + t.dur);
    const byName = {};
    for (const e of inside) byName[e.name] = (byName[e.name] ?? 0) + (e.dur ?? 0);
    const top = Object.entries(byName).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([n, d]) => `${n} ${(d / 1000).toFixed(1)} ms`);
    console.log(`task ${(t.dur / 1000).toFixed(1)} ms at +${((t.ts - tasks[0].ts) / 1000).toFixed(0)} ms: ${top.join(', ')}`);
    if (cpu) {
      const { own, inside } = heaviestIn(cpu, t.ts, t.ts + t.dur);
      console.log(`  own time: ${own.join(', ')}\n  inside: ${inside.join(', ')}`);
    }
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
