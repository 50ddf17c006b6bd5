// Benchmark (not a test): the command line on a photo library. Builds, at run time, the same
// folder of real-photo crops as bench-scale.mjs (scale-folder.mjs; 3% of them 12-MP JPEGs),
// then times `graft embed` and `graft train` on it under GNU time, and prints JSON: images/s,
// seconds, and peak resident memory, at each size asked (memory should stay flat: the CLI
// keeps embeddings, never decoded images). Needs the CLI built (`cargo build --bin graft`).
//   node tests/browser/bench-cli-scale.mjs [classes=50] [per class, one or more=20,200]
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, GRAFT, closeBrowsers } from './harness.mjs';
import { writeScaleFolder } from './scale-folder.mjs';

const classes = Number(process.argv[2] ?? 50);
const sizes = (process.argv[3] ?? '20,200').split(',').map(Number);

/** Run `args` under GNU time: { code, seconds, peak_mb, out (stdout bytes), err (last lines) }. */
function timed(args) {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'graft-time %e %M', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = 0;
    let err = '';
    let shown = 0;
    child.stdout.on('data', (d) => { out += d.length; });
    child.stderr.on('data', (d) => {
      err += d;
      // Progress lines as they come (whole lines only), for long runs.
      const end = err.lastIndexOf('\n') + 1;
      for (const line of err.slice(shown, end).split('\n')) if (line.startsWith('graft:')) console.error(line);
      shown = Math.max(shown, end);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const [, seconds, kb] = err.match(/graft-time ([\d.]+) (\d+)/) ?? [];
      resolve({ code, seconds: Number(seconds), peak_mb: Math.round(Number(kb) / 1024), out, err: err.split('\n').slice(-4).join(' | ') });
    });
  });
}

const server = await serve(DIST, { '/fixtures/': FIXTURES });
const browser = await launch();
const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-bench-cli-'));
try {
  const s = await openPage(browser, server.origin);
  await s.page.goto(`${server.origin}/fixtures/chelsea.png`);
  for (const perClass of sizes) {
    const dir = path.join(tmp, `library-${perClass}`);
    const { counts } = await writeScaleFolder(s.page, dir, { classes, perClass, large: Math.round(classes * perClass * 0.03) });
    const images = counts.reduce((a, b) => a + b, 0);
    const files = (await fs.readdir(dir, { recursive: true })).filter((f) => f.endsWith('.jpg')).map((f) => path.join(dir, f));
    const embed = await timed([GRAFT, 'embed', ...files]);
    const train = await timed([GRAFT, 'train', dir, '--out', path.join(tmp, `model-${perClass}.graft`), '--json']);
    for (const [what, r] of [['embed', embed], ['train', train]]) {
      if (r.code !== 0) throw new Error(`graft ${what} failed (${r.code}): ${r.err}`);
    }
    console.log(JSON.stringify({
      classes,
      images,
      cores: os.availableParallelism(),
      embed: { seconds: embed.seconds, images_per_s: Math.round((images / embed.seconds) * 10) / 10, peak_mb: embed.peak_mb },
      train: { seconds: train.seconds, images_per_s: Math.round((images / train.seconds) * 10) / 10, peak_mb: train.peak_mb },
    }));
    await fs.rm(dir, { recursive: true, force: true });
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
