// Embedding (issue 15): the example tutorial (dist/tutorial/) served from a second origin,
// the app from the first. Its two embed.js widgets read their preset beside the tutorial
// (handed over by embed.js: the app reads only its own origin), train, tell the host page
// (events on the element, and the page's own script that reacts to predictions) and keep
// projects apart; its plain iframe works with scripts off in the host page; messages from
// elsewhere, or of unknown shapes, are ignored; no request goes to any origin but the two.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, closeBrowsers, FIXTURES } from './harness.mjs';
import { crops } from './teach-helpers.mjs';

const SLOW = { timeout: 300_000 };
const TEXTURES = ['brick', 'grass', 'gravel'];

let app;
let host;
let dir;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-host-'));
  // The tutorial as its author would copy it: the addresses of graft made absolute.
  const page = await fs.readFile(path.join(DIST, 'tutorial/index.html'), 'utf8');
  app = await serve(DIST, { '/fixtures/': FIXTURES, '/other/': dir });
  const copied = page.replaceAll('"../', `"${app.origin}/`);
  assert.equal(copied.split(app.origin).length - 1, 3, 'the tutorial names graft three times');
  await fs.writeFile(path.join(dir, 'index.html'), copied);
  // A window of the app's own origin that is not the host: its messages must not count.
  await fs.writeFile(path.join(dir, 'stray.html'),
    '<script>parent.frames[0].postMessage({ graft: 1, type: "reset" }, "*");</script>');
  host = await serve(dir, { '/presets/': path.join(DIST, 'tutorial/presets'), '/fixtures/': FIXTURES });
  // Scripts off in the host page (its own policy); the widget's frame has its own.
  // With a second plain iframe whose preset is beside the host page: refused, with a message.
  await fs.writeFile(path.join(dir, 'noscript.html'), copied.replace('<head>',
    `<head><meta http-equiv="Content-Security-Policy" content="script-src 'none'">`).replace('</body>',
    `<iframe id="refused" src="${app.origin}/?embed&store=refused&preset=${host.origin}/presets/textures.json"></iframe></body>`));
});
after(async () => {
  await closeBrowsers();
  await app?.close();
  await host?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const counted = (frame, name, n) =>
  frame.locator(`section[aria-label="Class ${name}"] .count[data-count="${n}"]`).waitFor(SLOW);

test('the tutorial on another origin: presets beside it, events, a page that listens, a plain iframe with scripts off; stray messages ignored', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, host.origin, [app.origin]);

    // Scripts off in the host: the plain iframe's widget reads its preset beside graft and
    // trains; the embed.js widgets are not made.
    await s.page.goto(`${host.origin}/noscript.html`);
    const plain = s.page.frameLocator('iframe.widget');
    for (const c of ['cat', 'coffee', 'rocket']) await counted(plain, c, 6);
    assert.equal(await s.page.locator('graft-classifier iframe').count(), 0);
    await s.page.frameLocator('#refused').locator('#notices',
      { hasText: "on the embedding page's site" }).waitFor(SLOW);
    assert.equal(await plain.locator('.project-bar').count(), 0, 'compact: no project bar');
    await plain.getByRole('button', { name: 'Train', exact: true }).click();
    await plain.locator('#train-result').waitFor(SLOW);

    await s.page.addInitScript(() => {
      window.heard = [];
      for (const t of ['ready', 'progress', 'trained', 'prediction', 'error']) {
        document.addEventListener(`graft-${t}`, (e) => window.heard.push([e.target.id, t, e.detail]));
      }
    });
    await s.page.goto(`${host.origin}/`);
    const heard = (id, type, after = 0) => s.page.waitForFunction(([id, type, after]) =>
      window.heard.slice(after).find(([i, t]) => i === id && t === type)?.[2], [id, type, after], SLOW)
      .then((h) => h.jsonValue());
    const textures = s.page.frameLocator('#textures iframe');
    await heard('textures', 'ready');
    for (const c of TEXTURES) await counted(textures, c, 8);
    const height = await s.page.locator('#textures iframe').evaluate((f) => f.getBoundingClientRect().height);
    assert.ok(height > 480, `the iframe took its content's height: ${height}`);

    // Stray messages: from another window of the app's origin, and of unknown shapes.
    await s.page.evaluate(() => {
      const frame = document.querySelector('#textures iframe');
      frame.contentWindow.postMessage({ graft: 2, type: 'reset' }, '*');
      frame.contentWindow.postMessage({ type: 'reset' }, '*');
      frame.contentWindow.postMessage({ graft: 1, type: 'fetched', id: 0, bytes: new ArrayBuffer(8) }, '*');
      frame.contentWindow.postMessage('reset', '*');
      const stray = document.createElement('iframe');
      stray.src = new URL('/other/stray.html', frame.src).href;
      document.body.appendChild(stray);
      return new Promise((r) => { stray.onload = r; });
    });
    await s.page.waitForTimeout(500);
    for (const c of TEXTURES) await counted(textures, c, 8);

    // Train from the host's side, then ask for a held-out crop (bottom half: never trained on).
    await s.page.evaluate(() => document.getElementById('textures').train());
    const trained = await heard('textures', 'trained');
    assert.deepEqual(trained.classes, TEXTURES);
    const [grass] = await crops(s.page, 'grass', 'bottom', 1, 61);
    await s.page.evaluate(async (b64) => {
      const blob = new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' });
      await document.getElementById('textures').predict(blob);
    }, grass.buffer.toString('base64'));
    const prediction = await heard('textures', 'prediction');
    assert.equal(prediction.label, 'grass', JSON.stringify(prediction));
    assert.ok(Math.abs(Object.values(prediction.probabilities).reduce((x, y) => x + y, 0) - 1) < 1e-4);
    // An ImageBitmap too (embed.js hands it over as a PNG): the same photo, the same answer.
    const n = await s.page.evaluate(() => window.heard.length);
    await s.page.evaluate(async (b64) => {
      const blob = new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' });
      await document.getElementById('textures').predict(await createImageBitmap(blob));
    }, grass.buffer.toString('base64'));
    const again = await heard('textures', 'prediction', n);
    assert.equal(again.label, 'grass');
    assert.ok(Math.abs(again.probabilities.grass - prediction.probabilities.grass) < 1e-6);

    // The page that listens: its script turns the third widget's events into a sentence.
    await s.page.locator('#reacting').scrollIntoViewIfNeeded();
    await heard('reacting', 'ready');
    const reacting = s.page.frameLocator('#reacting iframe');
    for (const c of TEXTURES) await counted(reacting, c, 8);
    await s.page.evaluate(() => document.getElementById('reacting').train());
    await s.page.locator('#verdict', { hasText: 'Trained on brick, grass, gravel' }).waitFor(SLOW);
    const [gravel] = await crops(s.page, 'gravel', 'bottom', 1, 71);
    await s.page.locator('#try').setInputFiles(gravel);
    await s.page.locator('#verdict', { hasText: 'That looks like gravel' }).waitFor(SLOW);

    // Its own project: emptied, and the first widget's photos stay.
    await s.page.evaluate(() => document.getElementById('reacting').reset());
    await reacting.locator('section[aria-label="Class brick"]').waitFor({ state: 'detached', ...SLOW });
    for (const c of TEXTURES) await counted(textures, c, 8);
    // The plain iframe kept what it was taught with scripts off (its own project).
    await s.page.frameLocator('iframe.widget').locator('#model-classes', { hasText: 'cat, coffee, rocket' }).waitFor(SLOW);

    assert.deepEqual(await s.page.evaluate(() => window.heard.filter(([, t]) => t === 'error')), []);
    // The scripts-off page's refusals of its own inline scripts are what it asked for.
    assert.deepEqual(s.problems().filter((p) => !p.includes('Content Security Policy')), []);
  } finally {
    await browser.close();
  }
});
