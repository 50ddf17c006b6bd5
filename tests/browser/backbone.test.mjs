// The backbone in the page: weights download once (then the cache, then offline), the
// "what the backbone sees" panel names real photos right on WebGPU and on the CPU, bad
// files get a message, and ?bench reports its figures.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, openPage, closeBrowsers } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const photo = (name) => path.resolve(here, '../fixtures/images', name);
const reference = JSON.parse(await fs.readFile(path.resolve(here, '../reference/lite0_reference.json'), 'utf8'));
const WEIGHTS = '/generated/efficientnet_lite0.safetensors';
// SwiftShader compiles every kernel on the CPU the first time: generous, but bounded.
const SLOW = 300_000;
// Page probabilities against the numpy reference (f16 weights vs f64): measured < 0.002.
const PROB_TOL = 0.01;

let server;
before(async () => { server = await serve(); });
after(async () => { await closeBrowsers(); await server?.close(); });

function softmax(logits) {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

async function modelReady(page) {
  const status = page.locator('#model-status[data-state="ready"], #model-status[data-state="failed"]');
  await status.waitFor({ timeout: SLOW });
  assert.equal(await status.getAttribute('data-state'), 'ready', await status.textContent());
  return status.getAttribute('data-source');
}

/** Show `name` to the panel (file picker) and return its top-5 [{id, p}]. */
async function look(page, name) {
  const shown = page.locator('#see-file');
  const previous = (await shown.count()) ? await shown.textContent() : null;
  assert.notEqual(previous, name, 'show a different photo each time, or the wait proves nothing');
  await page.getByRole('button', { name: 'Choose a photo' }).setInputFiles(photo(name));
  await page.locator('#see-file', { hasText: name }).waitFor({ timeout: SLOW });
  return page.locator('#imagenet-top5 li').evaluateAll((lis) =>
    lis.map((li) => ({ id: Number(li.dataset.id), p: Number(li.dataset.p) })));
}

function assertMatchesReference(top, name) {
  const probs = softmax(reference.images[name].logits);
  for (const { id, p } of top) {
    assert.ok(Math.abs(p - probs[id]) < PROB_TOL, `${name} class ${id}: page ${p}, reference ${probs[id]}`);
  }
}

for (const [label, webgpu, query] of [['WebGPU', true, '?device=webgpu'], ['CPU', false, '?device=cpu']]) {
  test(`${label}: the page sees a tabby cat and an espresso, as the reference does`, async () => {
    const browser = await launch({ webgpu });
    try {
      const s = await openPage(browser, server.origin);
      await s.page.goto(`${server.origin}/${query}`);
      assert.equal(await modelReady(s.page), 'network');
      const cat = await look(s.page, 'chelsea.png');
      assert.ok(cat[0].id >= 281 && cat[0].id <= 285, JSON.stringify(cat));
      assertMatchesReference(cat, 'chelsea.png');
      const coffee = await look(s.page, 'coffee.png');
      assert.equal(coffee[0].id, 967);
      assertMatchesReference(coffee, 'coffee.png');
      assert.match(await s.page.locator('#see-time').textContent(), /Took \d+ ms/);
      assert.deepEqual(s.problems(), []);
    } finally {
      await browser.close();
    }
  });
}

// Issue 15's budget for the app itself (page and worker: wasm, JS, CSS, HTML), as sent:
// precompressed by scripts/precompress.mjs and served so by the static server.
const APP_BUDGET = 6e6;

test('the app arrives precompressed, under 6 MB in all', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu`);
    await modelReady(s.page);
    const app = (entries) => entries.filter((e) => !e.name.includes('/generated/') && !e.name.includes('/fixtures/'))
      .map((e) => ({ name: e.name.replace(/.*\//, '') || 'index.html', sent: e.encodedBodySize, size: e.decodedBodySize }));
    const listed = () => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
      .map(({ name, encodedBodySize, decodedBodySize }) => ({ name, encodedBodySize, decodedBodySize }));
    const files = app([
      ...(await s.page.evaluate(listed)),
      ...(await Promise.all(s.page.workers().map((w) => w.evaluate(listed)))).flat(),
    ]);
    const sent = files.reduce((a, f) => a + f.sent, 0);
    console.log(`first load of the app: ${(sent / 1e6).toFixed(2)} MB sent for ${(files.reduce((a, f) => a + f.size, 0) / 1e6).toFixed(2)} MB: ${JSON.stringify(files)}`);
    for (const wasm of ['graft-web_bg.wasm', 'graft-worker_bg.wasm']) {
      const f = files.find((e) => e.name === wasm);
      assert.ok(f && f.sent < f.size / 3, `${wasm} sent compressed: ${JSON.stringify(f)}`);
    }
    assert.ok(sent <= APP_BUDGET, `${sent} bytes`);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('weights come from the cache on reload, are fetched again when corrupt, and work offline', async () => {
  const own = await serve();
  const browser = await launch();
  try {
    const s = await openPage(browser, own.origin);
    const weightRequests = () => s.requests().filter((u) => u.endsWith(WEIGHTS)).length;
    await s.page.goto(`${own.origin}/?device=cpu`);
    assert.equal(await modelReady(s.page), 'network');
    assert.equal(weightRequests(), 1);

    await s.page.reload();
    assert.equal(await modelReady(s.page), 'cache');
    assert.equal(weightRequests(), 1, 'a reload must not download the weights again');

    // A truncated cached copy: detected by its checksum, downloaded again.
    await s.page.evaluate(async (url) => {
      const cache = await caches.open('graft-assets-v1');
      const good = new Uint8Array(await (await cache.match(url)).arrayBuffer());
      await cache.put(url, new Response(good.slice(0, 1000)));
    }, `${own.origin}${WEIGHTS}`);
    await s.page.reload();
    assert.equal(await modelReady(s.page), 'network');
    assert.equal(weightRequests(), 2);
    assert.equal((await look(s.page, 'coffee.png'))[0].id, 967);

    // Offline: the server is gone; the service worker serves the page, the cache the weights.
    await s.page.evaluate(() => navigator.serviceWorker.ready);
    await own.close();
    await s.page.reload();
    assert.equal(await modelReady(s.page), 'cache');
    assert.equal((await look(s.page, 'chelsea.png'))[0].id >= 281, true);
    const unexpected = s.problems().filter((p) => !p.includes('ERR_CONNECTION_REFUSED'));
    assert.deepEqual(unexpected, []);
  } finally {
    await browser.close();
    await own.close().catch(() => {});
  }
});

test('bad files get a message naming them, and the panel keeps working', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu`);
    await modelReady(s.page);
    const input = s.page.getByRole('button', { name: 'Choose a photo' });
    await input.setInputFiles({ name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) });
    await s.page.locator('#see-error', { hasText: 'empty.jpg' }).waitFor();
    assert.match(await s.page.locator('#see-error').textContent(), /empty/);
    await input.setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a photo') });
    await s.page.locator('#see-error', { hasText: 'notes.png' }).waitFor();
    assert.match(await s.page.locator('#see-error').textContent(), /not an image/);
    const bytes = await fs.readFile(photo('chelsea.png'));
    await input.setInputFiles({ name: 'cut.png', mimeType: 'image/png', buffer: bytes.subarray(0, bytes.length / 2) });
    await s.page.locator('#see-error', { hasText: 'cut.png' }).waitFor();
    assert.match(await s.page.locator('#see-error').textContent(), /corrupt or truncated/);
    // A drop, as a person would: the photo still gets its answer.
    await s.page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped-coffee.png', { type: 'image/png' }));
      const zone = document.querySelector('[role="group"][aria-label="Drop zone: Choose a photo"]');
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, (await fs.readFile(photo('coffee.png'))).toString('base64'));
    await s.page.locator('#see-file', { hasText: 'dropped-coffee.png' }).waitFor({ timeout: SLOW });
    assert.equal(await s.page.locator('#imagenet-top5 li').first().getAttribute('data-id'), '967');
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

// SwiftShader takes ~4 s an image: one warm-up and one timed image there.
for (const [label, webgpu, device, batch, iters] of [['WebGPU', true, 'webgpu', 1, 1], ['CPU', false, 'cpu', 2, 3]]) {
  test(`?bench writes its JSON for the ${label} path`, async () => {
    const browser = await launch({ webgpu });
    try {
      const s = await openPage(browser, server.origin);
      await s.page.goto(`${server.origin}/?bench&device=${device}&batch=${batch}&iters=${iters}`);
      const result = s.page.locator('#bench-result');
      await result.waitFor({ timeout: SLOW });
      assert.equal(await result.getAttribute('data-state'), 'done', await result.textContent());
      const json = JSON.parse(await result.textContent());
      assert.equal(json.device, device);
      assert.equal(json.batch, batch);
      assert.equal(json.iters, iters);
      assert.ok(json.ms_per_image > 0 && json.warmup_ms > 0, JSON.stringify(json));
      assert.deepEqual(s.problems(), []);
    } finally {
      await browser.close();
    }
  });
}
