// A tutorial's project by address (issue 15): `?preset=URL` fills the page from a preset of
// real photo crops (its own store, apart from the app's project), and a preset on another
// origin or a malformed one, or a bad project file, is refused with a message, nothing
// changed and no request leaving the page's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { serve, launch, openPage, DIST, closeBrowsers, FIXTURES } from './harness.mjs';
import { crops, card, ready, count, setting } from './teach-helpers.mjs';

const CLASSES = ['brick', 'grass', 'gravel'];

/** A zip of one stored file (APPNOTE's layout; CRC-32 by zlib), for a hand-made project file. */
function zip(name, text) {
  const data = Buffer.from(text);
  const crc = zlib.crc32(data);
  // A record: its signature, then [offset, bytes (2 or 4), value] fields, the rest zero.
  const record = (sig, size, fields) => {
    const b = Buffer.alloc(size);
    b.writeUInt32LE(sig, 0);
    for (const [at, bytes, v] of fields) (bytes === 2 ? b.writeUInt16LE(v, at) : b.writeUInt32LE(v, at));
    return b;
  };
  const len = data.length;
  const local = record(0x04034b50, 30, [[4, 2, 20], [14, 4, crc], [18, 4, len], [22, 4, len], [26, 2, name.length]]);
  const central = record(0x02014b50, 46,
    [[4, 2, 20], [6, 2, 20], [16, 4, crc], [20, 4, len], [24, 4, len], [28, 2, name.length]]);
  const end = record(0x06054b50, 22, [[8, 2, 1], [10, 2, 1], [12, 4, 46 + name.length], [16, 4, 30 + name.length + len]]);
  return Buffer.concat([local, Buffer.from(name), data, central, Buffer.from(name), end]);
}
let server;
let presets;
before(async () => {
  presets = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-presets-'));
  server = await serve(DIST, { '/fixtures/': FIXTURES, '/presets/': presets });
});
after(async () => {
  await closeBrowsers();
  await server?.close();
  await fs.rm(presets, { recursive: true, force: true });
});

test('?preset= fills a project of its own from real photos, which trains; foreign and malformed presets are refused', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu`);
    await ready(s.page);
    // The preset: three classes of crops (under images/, named relative to the preset),
    // a setting, and an image that is not there.
    const classes = [];
    for (const [i, c] of CLASSES.entries()) {
      const made = await crops(s.page, c, 'top', 3, 31 + i);
      await fs.mkdir(path.join(presets, 'images', c), { recursive: true });
      for (const f of made) await fs.writeFile(path.join(presets, 'images', c, f.name), f.buffer);
      classes.push({ name: c, images: made.map((f) => `images/${c}/${f.name}`) });
    }
    classes[0].images.push('images/brick/gone.png');
    const preset = { title: 'Textures', classes, settings: { penalty_c: 3 } };
    await fs.writeFile(path.join(presets, 'textures.json'), JSON.stringify(preset));

    await s.page.goto(`${server.origin}/?device=cpu&preset=/presets/textures.json`);
    for (const c of CLASSES) await count(s.page, c, 3);
    await s.page.locator('#notices', { hasText: 'images/brick/gone.png' }).waitFor();
    await s.page.locator('summary', { hasText: 'Settings' }).click();
    assert.equal(await setting(s.page, 'Penalty C').inputValue(), '3');
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#train-result').waitFor();

    // The app without the preset keeps its own project: the preset's photos are not in it.
    await s.page.goto(`${server.origin}/?device=cpu`);
    await ready(s.page);
    await card(s.page, 'Class 1').waitFor();
    assert.equal(await s.page.locator('.thumb').count(), 0);
    // Back at the preset, the reader's project is kept (trained, with its photos).
    await s.page.goto(`${server.origin}/?device=cpu&preset=/presets/textures.json`);
    for (const c of CLASSES) await count(s.page, c, 3);
    await s.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor();
    // A damaged project file, and one of a newer version, opened over it: named, and
    // nothing of the project here is changed.
    s.page.on('dialog', (d) => d.accept());
    const open = s.page.getByRole('button', { name: 'Open project' });
    await open.setInputFiles({ name: 'cut.zip', mimeType: 'application/zip', buffer: Buffer.from('PK\x03\x04 cut short') });
    await s.page.locator('#notices', { hasText: 'cut.zip: This is not a graft project file' }).waitFor();
    const newer = zip('graft-project.json', JSON.stringify({ format: 'graft-project', version: 9, classes: [] }));
    await open.setInputFiles({ name: 'newer.zip', mimeType: 'application/zip', buffer: newer });
    await s.page.locator('#notices', { hasText: 'made by a newer graft' }).waitFor();
    for (const c of CLASSES) await count(s.page, c, 3);

    // Another origin (another port) is refused before any request; so is a malformed preset.
    const foreign = 'http://127.0.0.1:9/presets/textures.json';
    await s.page.goto(`${server.origin}/?device=cpu&store=other&preset=${encodeURIComponent(foreign)}`);
    await s.page.locator('#notices', { hasText: 'graft reads presets only from its own site' }).waitFor();
    await fs.writeFile(path.join(presets, 'bad.json'), '{"classes": [{"name": "only one"}]}');
    await s.page.goto(`${server.origin}/?device=cpu&preset=/presets/bad.json`);
    await s.page.locator('#notices', { hasText: 'The preset could not be opened' }).waitFor();
    assert.match(await s.page.locator('#notices').textContent(), /1 classes/);
    // The missing image's 404, and the console's line for it, are the only problems.
    const notFound = s.problems().filter((p) => p.includes('404'));
    assert.equal(notFound.length, 2, JSON.stringify(notFound));
    assert.ok(notFound.some((p) => p.includes('gone.png')));
    assert.deepEqual(s.problems().filter((p) => !p.includes('404')), []);
  } finally {
    await browser.close();
  }
});
