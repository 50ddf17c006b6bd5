// The map of the photos and the labels that look wrong (issue 18), in the page: with no
// photos it says why there is none; then three textures' crops and one gravel crop put in
// brick on purpose. The map shows every photo in
// its class's colour; hovering names one and a click opens its card; the zoom redraws; the
// gravel crop heads the suspects and "Move to gravel" fixes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';
import { crops, card, ready, nameClasses, count } from './teach-helpers.mjs';

const CLASSES = ['brick', 'grass', 'gravel'];
const PER_CLASS = 6;

let server;
before(async () => { server = await serve(DIST, { '/fixtures/': FIXTURES }); });
after(async () => { await closeBrowsers(); await server?.close(); });

/** The canvas's pixels as `rgb` strings, counted. */
const colours = (page) => page.locator('#map-canvas').evaluate((c) => {
  const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  const seen = {};
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 255) seen[`${data[i]},${data[i + 1]},${data[i + 2]}`] = (seen[`${data[i]},${data[i + 1]},${data[i + 2]}`] ?? 0) + 1;
  }
  return seen;
});

test('the map shows every photo by class; hover names one, a click opens its card; a flipped photo is suspect and moved', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&store=map`);
    await ready(s.page);
    await nameClasses(s.page, CLASSES);
    // No photos yet: the map says why there is none.
    await s.page.locator('#map-panel summary').click();
    await s.page.getByRole('button', { name: 'Draw the map', exact: true }).click();
    await s.page.locator('#map-error', { hasText: 'the map needs at least two photos with a class' }).waitFor();
    for (const [i, c] of CLASSES.entries()) {
      await card(s.page, c).getByRole('button', { name: `Add images to ${c}` }).setInputFiles(await crops(s.page, c, 'top', PER_CLASS, 71 + i));
      await count(s.page, c, PER_CLASS);
    }
    const [odd] = await crops(s.page, 'gravel', 'top', 1, 97);
    await card(s.page, 'brick').getByRole('button', { name: 'Add images to brick' }).setInputFiles([{ ...odd, name: 'odd-one.png' }]);
    await count(s.page, 'brick', PER_CLASS + 1);

    await s.page.getByRole('button', { name: 'Draw the map', exact: true }).click();
    const canvas = s.page.locator(`#map-canvas[data-points="${3 * PER_CLASS + 1}"]`);
    await canvas.waitFor();
    // Each class's colour (matplotlib's tab10: blue, orange, green) is drawn.
    const seen = await colours(s.page);
    for (const rgb of ['31,119,180', '255,127,14', '44,160,44']) assert.ok(seen[rgb] > 10, `${rgb}: ${JSON.stringify(seen).slice(0, 300)}`);

    // Hover over the canvas until a photo is named, then click it: its card opens.
    const box = await canvas.boundingBox();
    let named = null;
    for (let y = 5; y < box.height && !named; y += 6) {
      for (let x = 5; x < box.width && !named; x += 6) {
        await s.page.mouse.move(box.x + x, box.y + y);
        if (await s.page.locator('#map-tip').count()) named = await s.page.locator('#map-tip span').textContent();
      }
    }
    assert.ok(named, 'no photo was named under the pointer');
    const [, cls] = named.match(/ in (\w+)/);
    await s.page.mouse.down();
    await s.page.mouse.up();
    assert.equal(await s.page.evaluate(() => document.activeElement?.getAttribute('aria-label')), `Class ${cls}`);

    // Zooming in draws the points further apart: the picture changes.
    const before = await canvas.evaluate((c) => c.toDataURL());
    await s.page.getByRole('button', { name: 'Zoom in' }).click();
    await s.page.waitForFunction((b) => document.querySelector('#map-canvas').toDataURL() !== b, before);

    // The gravel crop filed under brick heads the suspects; moving it fixes it.
    const first = s.page.locator('#suspects li').first();
    assert.equal(await first.getAttribute('data-name'), 'odd-one.png');
    assert.equal(await first.getAttribute('data-suggested'), 'gravel');
    await first.getByRole('button', { name: 'Move to gravel' }).click();
    await count(s.page, 'gravel', PER_CLASS + 1);
    await count(s.page, 'brick', PER_CLASS);
    await s.page.locator('#suspects li[data-name="odd-one.png"]').waitFor({ state: 'detached' });
    await s.page.locator('#map-stale').waitFor();
    // Any other suspect can be kept as labelled: it leaves the list.
    const others = await s.page.locator('#suspects li').count();
    if (others > 0) {
      const name = await s.page.locator('#suspects li').first().getAttribute('data-name');
      await s.page.locator('#suspects li').first().getByRole('button', { name: /^Keep / }).click();
      await s.page.locator(`#suspects li[data-name="${name}"]`).waitFor({ state: 'detached' });
    }
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});
