// Embedding (issue 15): a host page on a second origin holds two widgets made by embed.js
// from presets of real photo crops beside the app (on its origin). Each loads its preset into a
// project of its own, trains, and tells the host (events on the element); the host's
// predict() gets a prediction event; messages from elsewhere, or of unknown shapes, are
// ignored; no request goes to any origin but the two.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, closeBrowsers, FIXTURES } from './harness.mjs';
import { crops } from './teach-helpers.mjs';

let app;
let host;
let dir;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-host-'));
  // The host's page is written by the test; the server wants one to start.
  await fs.writeFile(path.join(dir, 'index.html'), '<!doctype html><link rel="icon" href="data:,">');
  app = await serve(DIST, { '/fixtures/': FIXTURES, '/other/': dir });
  host = await serve(dir, { '/fixtures/': FIXTURES });
});
after(async () => {
  await closeBrowsers();
  await app?.close();
  await host?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A preset of `n` crops a class, written under the folder the app serves at /other/. */
async function writePreset(page, file, classes, n, seed) {
  const list = [];
  for (const [i, c] of classes.entries()) {
    const made = await crops(page, c, 'top', n, seed + i);
    await fs.mkdir(path.join(dir, 'presets', c), { recursive: true });
    for (const f of made) await fs.writeFile(path.join(dir, 'presets', c, f.name), f.buffer);
    list.push({ name: c, images: made.map((f) => `${c}/${f.name}`) });
  }
  await fs.writeFile(path.join(dir, 'presets', file), JSON.stringify({ classes: list }));
}

test('two widgets on another origin load their presets apart, train, and tell the host; stray messages are ignored', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, host.origin, [app.origin]);
    await s.page.goto(`${host.origin}/`);
    await writePreset(s.page, 'textures.json', ['brick', 'grass', 'gravel'], 3, 41);
    await writePreset(s.page, 'two.json', ['coffee', 'chelsea'], 2, 51);
    const [held] = await crops(s.page, 'grass', 'bottom', 1, 61);
    await fs.writeFile(path.join(dir, 'held.png'), held.buffer);
    // A window of the app's own origin that is not the host: its messages must not count.
    await fs.writeFile(path.join(dir, 'stray.html'),
      '<script>parent.frames[0].postMessage({ graft: 1, type: "reset" }, "*");</script>');
    await fs.writeFile(path.join(dir, 'index.html'), `<!doctype html><html><head><link rel="icon" href="data:,"></head><body>
      <graft-classifier id="a" preset="${app.origin}/other/presets/textures.json" device="cpu" eager></graft-classifier>
      <graft-classifier id="b" preset="${app.origin}/other/presets/two.json" device="cpu" eager compact></graft-classifier>
      <script>
        window.heard = [];
        for (const el of document.querySelectorAll('graft-classifier')) {
          for (const t of ['ready', 'progress', 'trained', 'prediction', 'error']) {
            el.addEventListener('graft-' + t, (e) => heard.push([el.id, t, e.detail]));
          }
        }
      </script>
      <script src="${app.origin}/embed.js"></script></body></html>`);
    await s.page.goto(`${host.origin}/`);
    const heard = (id, type) => s.page.waitForFunction(([id, type]) =>
      window.heard.find(([i, t]) => i === id && t === type)?.[2], [id, type], { timeout: 300_000 })
      .then((h) => h.jsonValue());
    await heard('a', 'ready');
    await heard('b', 'ready');
    const a = s.page.frameLocator('#a iframe');
    const b = s.page.frameLocator('#b iframe');
    for (const c of ['brick', 'grass', 'gravel']) await a.locator(`section[aria-label="Class ${c}"] .count[data-count="3"]`).waitFor();
    for (const c of ['coffee', 'chelsea']) await b.locator(`section[aria-label="Class ${c}"] .count[data-count="2"]`).waitFor();
    // Compact: no project bar; each widget sized to its content.
    assert.equal(await b.locator('.project-bar').count(), 0);
    assert.equal(await a.locator('.project-bar').count(), 1);
    const height = await s.page.locator('#a iframe').evaluate((f) => f.getBoundingClientRect().height);
    assert.ok(height > 480, `the iframe took its content's height: ${height}`);

    // Stray messages: from another window of the app's origin, and of unknown shapes.
    await s.page.evaluate(() => {
      const frame = document.querySelector('#a iframe');
      frame.contentWindow.postMessage({ graft: 2, type: 'reset' }, '*');
      frame.contentWindow.postMessage({ type: 'reset' }, '*');
      frame.contentWindow.postMessage('reset', '*');
      const stray = document.createElement('iframe');
      stray.src = frame.src.replace(/\/\?.*/, '/other/stray.html');
      document.body.appendChild(stray);
      return new Promise((r) => { stray.onload = r; });
    });
    await s.page.waitForTimeout(500);
    for (const c of ['brick', 'grass', 'gravel']) await a.locator(`section[aria-label="Class ${c}"] .count[data-count="3"]`).waitFor();

    // Train from the host's side; then ask for a prediction of a held-out crop.
    await s.page.evaluate(() => document.getElementById('a').train());
    const trained = await heard('a', 'trained');
    assert.deepEqual(trained.classes, ['brick', 'grass', 'gravel']);
    await s.page.evaluate(async () => {
      const blob = await (await fetch('/held.png')).blob();
      await document.getElementById('a').predict(blob);
    });
    const prediction = await heard('a', 'prediction');
    assert.equal(prediction.label, 'grass', JSON.stringify(prediction));
    assert.ok(Math.abs(Object.values(prediction.probabilities).reduce((x, y) => x + y, 0) - 1) < 1e-4);
    // An ImageBitmap too (embed.js hands it over as a PNG): the same photo, the same answer.
    const before = await s.page.evaluate(() => window.heard.length);
    await s.page.evaluate(async () => {
      const bitmap = await createImageBitmap(await (await fetch('/held.png')).blob());
      await document.getElementById('a').predict(bitmap);
    });
    const again = await s.page.waitForFunction((n) => window.heard.slice(n).find(([i, t]) => i === 'a' && t === 'prediction')?.[2],
      before, { timeout: 60_000 }).then((h) => h.jsonValue());
    assert.equal(again.label, 'grass');
    assert.ok(Math.abs(again.probabilities.grass - prediction.probabilities.grass) < 1e-6);
    assert.equal((await s.page.evaluate(() => window.heard.filter(([, t]) => t === 'error'))).length, 0);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});
