// Benchmark (not a test): where the page's own thread spends its time while a folder of
// small real-photo crops is added (Chromium's per-category durations, and optionally a
// CPU profile's heaviest functions: build with GRAFT_NAMES=1 to keep wasm names).
//   node tests/browser/profile-add.mjs [classes=10] [per class=30] [workers] [profile]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';
import { ready } from './teach-helpers.mjs';
import { writeScaleFolder } from './scale-folder.mjs';

const classes = Number(process.argv[2] ?? 10);
const perClass = Number(process.argv[3] ?? 30);
const workers = process.argv[4];
const profile = process.argv[5] === 'profile';
const server = await serve(DIST, { '/fixtures/': FIXTURES });
const browser = await launch();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-profile-add-'));
try {
  const s = await openPage(browser, server.origin);
  await s.page.goto(`${server.origin}/?device=cpu${workers ? `&workers=${workers}` : ''}`);
  await ready(s.page);
  const dir = path.join(tmp, 'library');
  const { counts } = await writeScaleFolder(s.page, dir, { classes, perClass });
  const total = counts.reduce((a, b) => a + b, 0);
  const cdp = await s.page.context().newCDPSession(s.page);
  await cdp.send('Performance.enable');
  const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  if (profile) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
  }
  const before = await metrics();
  const started = Date.now();
  await s.page.getByRole('button', { name: 'Add a folder of classes' }).setInputFiles(dir);
  await s.page.waitForFunction((n) => {
    const shown = [...document.querySelectorAll('section.class-card .count')]
      .reduce((sum, c) => sum + Number(c.dataset.count ?? 0), 0);
    return shown === n;
  }, total, { timeout: 600_000, polling: 100 });
  const seconds = (Date.now() - started) / 1000;
  const after = await metrics();
  const per = (k) => Math.round(((after[k] - before[k]) / total) * 1e4) / 10;
  const out = { photos: total, seconds, photos_per_s: Math.round((total / seconds) * 10) / 10, ms_a_photo: {} };
  for (const k of ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration']) out.ms_a_photo[k] = per(k);
  if (profile) {
    const { profile: p } = await cdp.send('Profiler.stop');
    const self = new Map();
    const dt = p.timeDeltas;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    p.samples.forEach((id, i) => {
      const n = byId.get(id);
      const key = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    out.top_self_ms = [...self.entries()].filter(([k]) => !k.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${Math.round(v)} ${k}`);
  }
  console.log(JSON.stringify(out, null, 1));
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
