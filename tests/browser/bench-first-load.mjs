// Benchmark (not a test): the first load. Prints, as JSON, the bytes each of the app's files
// took on the wire (precompressed, scripts/precompress.mjs) and the time from opening the
// page to its first prediction (the ImageNet panel's answer for a photo), cold (a fresh
// profile: the weights are downloaded) and cached (a reload: the weights come from the
// cache), on the CPU path unless a device is named.
//   node tests/browser/bench-first-load.mjs [cpu|webgpu] [runs=3]
import path from 'node:path';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';

const device = process.argv[2] ?? 'cpu';
const runs = Number(process.argv[3] ?? 3);
const server = await serve(DIST);
const browser = await launch({ webgpu: device === 'webgpu' });
const listed = () => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
  .map(({ name, encodedBodySize, decodedBodySize }) => ({ name, encodedBodySize, decodedBodySize }));

/** Open (or reload) the page and show it a photo: ms until its top-5 is drawn. */
async function firstPrediction(page, open) {
  const started = Date.now();
  await open();
  await page.getByRole('button', { name: 'Choose a photo' }).setInputFiles(path.join(FIXTURES, 'chelsea.png'));
  await page.locator('#imagenet-top5 li').first().waitFor({ timeout: 120_000 });
  return Date.now() - started;
}

try {
  const cold = [];
  const cached = [];
  let files;
  for (let i = 0; i < runs; i++) {
    const s = await openPage(browser, server.origin);
    const url = `${server.origin}/?device=${device}`;
    cold.push(await firstPrediction(s.page, () => s.page.goto(url)));
    files = [...(await s.page.evaluate(listed)), ...(await Promise.all(s.page.workers().map((w) => w.evaluate(listed)))).flat()]
      .map((e) => ({ file: e.name.replace(/.*\//, '') || 'index.html', sent: e.encodedBodySize, size: e.decodedBodySize }));
    cached.push(await firstPrediction(s.page, () => s.page.reload()));
    await browser.close();
  }
  const app = files.filter((f) => !f.file.endsWith('.safetensors') && !f.file.endsWith('.json'));
  const mb = (n) => Math.round(n / 1e4) / 100;
  console.log(JSON.stringify({
    device,
    app_sent_mb: mb(app.reduce((a, f) => a + f.sent, 0)),
    app_size_mb: mb(app.reduce((a, f) => a + f.size, 0)),
    files,
    first_prediction_cold_ms: cold,
    first_prediction_cached_ms: cached,
  }));
} finally {
  await closeBrowsers();
  await server.close();
}
