// Decoding in the session's worker: PNGs by the browser's own decoder (createImageBitmap;
// lossless, so its pixels are the command line's), JPEGs in Rust as on the command line
// (decoders' JPEG pixels differ: browser-decoded, this test's gap was 0.017), then resized
// and cut in Rust. A head trained in the page and one trained by `graft train` on the same
// JPEGs answer alike on held-out JPEG, PNG, EXIF-rotated and 12-megapixel photos.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, openPage, DIST, closeBrowsers, GRAFT, FIXTURES } from './harness.mjs';
import { card, ready, rename, count, preview } from './teach-helpers.mjs';

const SLOW = 300_000;
// The bar for page against command line.
const GAP = 1e-3;

let server;
before(async () => { server = await serve(DIST, { '/fixtures/': FIXTURES }); });
after(async () => { await closeBrowsers(); await server?.close(); });

/**
 * Files made from a real fixture photo in the page (a canvas): for each `[x, y, size,
 * out, type, orientation]`, the square at (x, y) of `size` px scaled to `out` x `out`
 * (or 4000 x 3000 when `out` is 'large'), encoded as `type`; JPEGs with an `orientation`
 * get an EXIF block saying so (6: the camera was turned, show it turned 90 degrees).
 */
async function made(page, photo, specs, prefix) {
  const list = await page.evaluate(async ({ photo, specs }) => {
    const img = await createImageBitmap(await (await fetch(`/fixtures/${photo}`)).blob());
    // APP1 "Exif", a big-endian TIFF header and one IFD entry: Orientation (0x0112), SHORT.
    const exif = (o) => new Uint8Array([0xFF, 0xE1, 0, 34, 0x45, 0x78, 0x69, 0x66, 0, 0,
      0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0]);
    const out = [];
    for (const [x, y, size, side, type, orientation] of specs) {
      const [w, h] = side === 'large' ? [4000, 3000] : [side, side];
      const canvas = new OffscreenCanvas(w, h);
      canvas.getContext('2d').drawImage(img, x, y, size, size, 0, 0, w, h);
      let bytes = new Uint8Array(await (await canvas.convertToBlob({ type, quality: 0.9 })).arrayBuffer());
      if (orientation) bytes = new Uint8Array([...bytes.subarray(0, 2), ...exif(orientation), ...bytes.subarray(2)]);
      let bin = '';
      for (let j = 0; j < bytes.length; j += 0x8000) bin += String.fromCharCode(...bytes.subarray(j, j + 0x8000));
      out.push(btoa(bin));
    }
    return out;
  }, { photo, specs });
  return list.map((b64, i) => {
    const type = specs[i][4];
    const ext = type === 'image/png' ? 'png' : 'jpg';
    return { name: `${prefix}-${i}.${ext}`, mimeType: type, buffer: Buffer.from(b64, 'base64') };
  });
}

test('photos decoded in the worker train and predict as on the command line: JPEG, PNG, EXIF-rotated, 12 MP', async () => {
  const browser = await launch();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-decode-'));
  try {
    const s = await openPage(browser, server.origin);
    // Under `?trace` the worker logs each picture the browser decoded.
    const byBrowser = [];
    s.page.on('worker', (w) => w.on('console', (msg) => {
      const m = msg.text().match(/graft-decoder browser (\d+x\d+)/);
      if (m) byBrowser.push(m[1]);
    }));
    await s.page.goto(`${server.origin}/?device=cpu&trace`);
    await ready(s.page);
    const classes = [['cat', 'chelsea.png'], ['coffee', 'coffee.png']];
    const train = path.join(tmp, 'train');
    const held = [];
    for (const [i, [c, photo]] of classes.entries()) {
      await rename(s.page, `Class ${i + 1}`, c);
      // Training: JPEG crops of the photo's top half; held out: its bottom half as a JPEG,
      // a PNG, an EXIF-rotated JPEG, a 12-megapixel JPEG and a PNG large enough to be
      // reduced while decoding.
      const files = await made(s.page, photo, [0, 1, 2, 3].map((k) => [25 * k, 5 * k, 130, 224, 'image/jpeg']), `${c}-train`);
      await fs.mkdir(path.join(train, c), { recursive: true });
      for (const f of files) await fs.writeFile(path.join(train, c, f.name), f.buffer);
      await card(s.page, c).getByRole('button', { name: `Add images to ${c}` }).setInputFiles(files);
      await count(s.page, c, files.length);
      held.push(...await made(s.page, photo, [
        [30, 155, 140, 300, 'image/jpeg'], [60, 158, 140, 256, 'image/png'],
        [10, 151, 148, 320, 'image/jpeg', 6], [100, 150, 150, 'large', 'image/jpeg'],
        [20, 150, 150, 1200, 'image/png']], `${c}-held`));
    }
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#train-result', { hasText: /^Fitted to convergence/ }).waitFor({ timeout: SLOW });

    const model = path.join(tmp, 'cli.graft');
    execFileSync(GRAFT, ['train', train, '--out', model], { stdio: 'pipe' });
    const files = [];
    for (const f of held) {
      files.push(path.join(tmp, f.name));
      await fs.writeFile(files.at(-1), f.buffer);
    }
    const lines = execFileSync(GRAFT, ['predict', model, '--json', ...files], { encoding: 'utf8' })
      .trim().split('\n').map((l) => JSON.parse(l));
    const gaps = [];
    for (const [i, line] of lines.entries()) {
      const page = await preview(s.page, held[i]);
      const gap = Math.max(...classes.map(([c]) => Math.abs(line.probs[c] - page[c])));
      gaps.push(`${held[i].name} ${gap.toExponential(1)}`);
      assert.ok(gap <= GAP, `${held[i].name}: cli ${JSON.stringify(line.probs)}, page ${JSON.stringify(page)}`);
    }
    console.log(`decoded in the worker vs command line, largest probability gap per photo: ${gaps.join(', ')}`);
    // The held-out PNGs (two a class) went through the browser's decoder; the JPEGs did not.
    assert.deepEqual(byBrowser.sort(), ['1200x1200', '1200x1200', '256x256', '256x256']);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
