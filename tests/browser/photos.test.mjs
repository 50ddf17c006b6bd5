// Large photos: phone-sized JPEGs are decoded, embedded, reduced and copied in the
// session's worker, while it trains, so adding them does not hold the page's thread; a
// worker that stops is started afresh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, openPage, DIST, closeBrowsers, FIXTURES } from './harness.mjs';
import { card, ready, count, crops, enter } from './teach-helpers.mjs';

// Photos added, half while a head trains and half while the last block is fine-tuned. With
// each photo decoded, reduced and copied on the page's thread, every photo was one task of
// 180-450 ms here; with only the embedding there, 51-88 ms; with all of it in the session's
// worker, the page has no task over 50 ms, the Long Tasks API's threshold (docs/benchmarks.md).
const PHOTOS = 40;
const SLOW = 300_000;

let server;
before(async () => { server = await serve(DIST, { '/fixtures/': FIXTURES }); });
after(async () => { await closeBrowsers(); await server?.close(); });

/**
 * `n` 12-megapixel (4000 x 3000) JPEGs in `dir`: real photos from the fixtures, each a
 * different crop upscaled (so no two are duplicates), made in a page of their own and
 * handed over as files, so that the page under test does none of this work.
 */
async function largePhotos(browser, n, dir) {
  const maker = await openPage(browser, server.origin);
  await maker.page.goto(`${server.origin}/fixtures/chelsea.png`);
  const list = await maker.page.evaluate(async (n) => {
    const files = ['chelsea.png', 'coffee.png', 'astronaut.png', 'rocket.jpg'];
    const out = [];
    for (let i = 0; i < n; i++) {
      const img = await createImageBitmap(await (await fetch(`/fixtures/${files[i % files.length]}`)).blob());
      const canvas = new OffscreenCanvas(4000, 3000);
      const inset = 4 + 3 * i;
      canvas.getContext('2d').drawImage(img, inset, inset, img.width - 2 * inset, img.height - 2 * inset, 0, 0, 4000, 3000);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
      let bin = '';
      for (let j = 0; j < bytes.length; j += 0x8000) bin += String.fromCharCode(...bytes.subarray(j, j + 0x8000));
      out.push({ name: `large-${i}.jpg`, b64: btoa(bin) });
    }
    return out;
  }, n);
  const paths = [];
  for (const { name, b64 } of list) {
    paths.push(path.join(dir, name));
    await fs.writeFile(paths.at(-1), Buffer.from(b64, 'base64'));
  }
  return paths;
}

/** Every main-thread task over 50 ms from now on (Long Tasks API), and each key's delay. */
async function watchTheThread(page) {
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration)))
      .observe({ type: 'longtask' });
    window.keyDelays = [];
    document.addEventListener('keydown', (e) => window.keyDelays.push(performance.now() - e.timeStamp), true);
  });
}

test('40 photos of 12 MP added while the page trains a head, then fine-tunes a block: no main-thread task over 50 ms, typing shows at once', async () => {
  const browser = await launch();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-large-'));
  try {
    const photos = await largePhotos(browser, PHOTOS, tmp);
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu`);
    await ready(s.page);
    await s.page.getByRole('button', { name: 'Add a class' }).click();
    // 10 a class: one run, not cross-validation's folds (which draw no curves).
    for (const [i, [c, photo]] of [['Class 1', 'brick'], ['Class 2', 'grass'], ['Class 3', 'gravel']].entries()) {
      await card(s.page, c).getByRole('button', { name: `Add images to ${c}` })
        .setInputFiles(await crops(s.page, photo, 'top', 10, 30 + i));
      await count(s.page, c, 10);
    }
    await s.page.locator('summary', { hasText: 'Settings' }).click();
    await s.page.getByLabel('Solver', { exact: true }).selectOption('adam');
    // Runs long enough to add the photos during them, no validation (nothing stops them early).
    await enter(s.page, 'Steps', '100000');
    await enter(s.page, 'Validation %', '0');
    const train = s.page.getByRole('button', { name: 'Train', exact: true });
    const stop = s.page.getByRole('button', { name: 'Stop' });
    // The run's epochs have begun (after the rows a fine-tuning run makes first).
    const epochs = s.page.locator('section.train p', { hasText: /^(Training up to|Epoch) \d/ });
    // An epoch has finished, so that Stop keeps it (the pool may add the photos sooner).
    const finished = s.page.locator('section.train p', { hasText: /^Epoch \d+ of/ });
    const add = (files) => card(s.page, 'Class 3').getByRole('button', { name: 'Add images to Class 3' }).setInputFiles(files);
    await watchTheThread(s.page);
    const started = Date.now();

    // A head, with photos added meanwhile, and a class name typed.
    await train.click();
    await epochs.waitFor({ timeout: SLOW });
    await add(photos.slice(0, PHOTOS / 2));
    // The bar says how fast photos go in, and how long the rest will take.
    await s.page.locator('#embed-progress', { hasText: /of 20 \(\d+\.\d a second on [2-4] workers, about \d+ s left\)/ }).waitFor({ timeout: SLOW });
    const name = card(s.page, 'Class 3').getByRole('textbox', { name: 'Class name' });
    await name.click();
    await name.press('End');
    // Slowly, so photos land in this card (and redraw it) between the keys.
    await name.pressSequentially(' typed', { delay: 150 });
    assert.equal(await name.inputValue(), 'Class 3 typed');
    await name.fill('Class 3');
    await count(s.page, 'Class 3', 10 + PHOTOS / 2);
    await finished.waitFor({ timeout: SLOW });
    await stop.click();
    await s.page.locator('#train-result', { hasText: /^Stopped after \d+ epochs/ }).waitFor({ timeout: SLOW });

    // The last block fine-tuned, with the other photos added meanwhile.
    await enter(s.page, 'Blocks to fine-tune', '1');
    await train.click();
    await epochs.waitFor({ timeout: SLOW });
    await add(photos.slice(PHOTOS / 2));
    await count(s.page, 'Class 3', 10 + PHOTOS);
    await finished.waitFor({ timeout: SLOW });
    await stop.click();
    await s.page.locator('#train-result', { hasText: /^Stopped after \d+ epochs/ }).waitFor({ timeout: SLOW });

    const seconds = (Date.now() - started) / 1000;
    const tasks = await s.page.evaluate(() => window.longTasks);
    const keys = await s.page.evaluate(() => window.keyDelays);
    const longest = Math.max(0, ...tasks);
    console.log(`${PHOTOS} photos of 12 MP added during training in ${seconds.toFixed(1)} s; main-thread tasks over 50 ms: ${tasks.length} (longest ${longest.toFixed(0)} ms); key delays up to ${Math.max(...keys).toFixed(1)} ms`);
    assert.deepEqual(tasks, [], 'no main-thread task over 50 ms');
    assert.ok(keys.length >= 6 && Math.max(...keys) < 50, JSON.stringify(keys));
    // Each kept copy is the reduced one (shorter side 256), shown as its thumbnail.
    const sizes = await card(s.page, 'Class 3').locator('img').evaluateAll((imgs) =>
      Promise.all(imgs.map(async (i) => { await i.decode(); return [i.naturalWidth, i.naturalHeight]; })));
    // A card shows its first 48: the 10 crops, then the large photos'.
    assert.deepEqual(sizes.slice(10), Array(48 - 10).fill([341, 256]));
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

test('a worker that stops is started afresh, and the page says so: the photos after it are added', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu`);
    await ready(s.page);
    // The run's epochs have begun (after the rows a fine-tuning run makes first).
    const epochs = s.page.locator('section.train p', { hasText: /^(Training up to|Epoch) \d/ });
    const add = (files) => card(s.page, 'Class 1').getByRole('button', { name: 'Add images to Class 1' }).setInputFiles(files);
    const [first, second] = await crops(s.page, 'brick', 'top', 2, 5);
    await add([first]);
    await count(s.page, 'Class 1', 1);
    // An uncaught error in the worker, as a crash would raise: the page drops that worker.
    const [worker] = s.page.workers();
    assert.ok(worker, 'the photo was prepared in a worker');
    const closed = new Promise((resolve) => worker.once('close', resolve));
    await worker.evaluate(() => { setTimeout(() => { throw new Error('simulated crash'); }); });
    await closed;
    // The page says so, and what it had is kept.
    await s.page.locator('#notices li', { hasText: "the session's worker stopped (" }).waitFor();
    await count(s.page, 'Class 1', 1);
    await add([second]);
    await count(s.page, 'Class 1', 2);
    assert.equal(s.page.workers().length, 1, 'a new worker');
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('a folder goes to a pool of workers; a helper that stops names each photo it had, the rest are added, and it embeds again', async () => {
  const browser = await launch();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-pool-'));
  try {
    const photos = await largePhotos(browser, 12, tmp);
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&workers=2`);
    await ready(s.page);
    const add = (files) => card(s.page, 'Class 1').getByRole('button', { name: 'Add images to Class 1' }).setInputFiles(files);
    const started = s.page.waitForEvent('worker');
    await add(photos.slice(0, 10));
    const helper = await started;
    // The helper has its backbone and is given photos.
    await s.page.locator('#embed-progress', { hasText: 'on 2 workers' }).waitFor({ timeout: SLOW });
    const closed = new Promise((resolve) => helper.once('close', resolve));
    await helper.evaluate(() => { setTimeout(() => { throw new Error('simulated crash'); }); });
    await closed;
    await s.page.locator('#embed-progress').waitFor({ state: 'detached', timeout: SLOW });
    const added = Number(await card(s.page, 'Class 1').locator('.count').getAttribute('data-count'));
    // Several photos for one reason are a count that opens into their names.
    for (const summary of await s.page.locator('#notices details summary').all()) await summary.click();
    const notices = await s.page.locator('#notices').allTextContents();
    const lost = photos.slice(0, 10).map((p) => path.basename(p)).filter((n) => notices.join('\n').includes(n));
    console.log(`helper stopped: ${added} photos added, ${lost.length} named as not added (${lost.join(', ')})`);
    assert.equal(added + lost.length, 10, notices.join('\n'));
    // The pool is whole again: the last two go in, on both workers again.
    await add(photos.slice(10));
    await count(s.page, 'Class 1', added + 2);
    assert.equal(s.page.workers().length, 2);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
