// Where the model looks (issue 18), in the page: trained on crops of the cat and the
// coffee, a photo holding both (the cat at the top right, the coffee at the bottom left) is
// previewed; the map over it is hottest where the picked class is, another class can be
// picked, and the opacity follows the slider; a card's photo can be looked at too. On the CPU path: on SwiftShader the same
// took 100 s (12 photos at ~8 s each); the map on WebGPU, through a fine-tuned block, is
// in training.test.mjs, and Burn's map against the CPU path's in tests/explain_cli.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, DIST, FIXTURES, closeBrowsers } from './harness.mjs';
import { crops, card, ready, nameClasses, count, preview, enter } from './teach-helpers.mjs';

const SLOW = 300_000;
const CLASSES = [['cat', 'chelsea.png'], ['coffee', 'coffee.png']];

let server;
before(async () => { server = await serve(DIST, { '/fixtures/': FIXTURES }); });
after(async () => { await closeBrowsers(); await server?.close(); });

/** A 448 x 448 PNG: each photo resized to a 224 square, the cat top right, the coffee bottom left. */
async function twoPhotos(page) {
  const b64 = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(448, 448);
    const g = canvas.getContext('2d');
    g.fillStyle = 'rgb(128,128,128)';
    g.fillRect(0, 0, 448, 448);
    for (const [file, x, y] of [['chelsea.png', 224, 0], ['coffee.png', 0, 224]]) {
      const img = await createImageBitmap(await (await fetch(`/fixtures/${file}`)).blob());
      g.drawImage(img, x, y, 224, 224);
    }
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return btoa(bin);
  });
  return { name: 'both.png', mimeType: 'image/png', buffer: Buffer.from(b64, 'base64') };
}

/** How hot the shown map is in its top-right and bottom-left quarters: jet's red minus blue. */
async function corners(page) {
  return page.locator('#look img.heat').evaluate(async (img) => {
    await img.decode();
    const canvas = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const { data, width, height } = g.getImageData(0, 0, canvas.width, canvas.height);
    const heat = (x0, y0) => {
      let sum = 0;
      for (let y = y0; y < y0 + height / 2; y++) {
        for (let x = x0; x < x0 + width / 2; x++) sum += data[(y * width + x) * 4] - data[(y * width + x) * 4 + 2];
      }
      return sum / (width * height / 4);
    };
    return { topRight: heat(width / 2, 0), bottomLeft: heat(0, height / 2) };
  });
}

test('the preview shows where the model looks, for any class', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&store=look`);
    await ready(s.page);
    await nameClasses(s.page, CLASSES.map(([c]) => c));
    for (const [i, [c, file]] of CLASSES.entries()) {
      const files = await crops(s.page, c, 'top', 6, 61 + i, file);
      await card(s.page, c).getByRole('button', { name: `Add images to ${c}` }).setInputFiles(files);
      await count(s.page, c, 6);
      // One class of photos answers nothing, so its photos' look buttons are hidden (drawn,
      // and shown by CSS once a model or the prototypes answer); with two they are shown.
      const looks = card(s.page, CLASSES[0][0]).getByRole('button', { name: /^Where the model looks in / });
      if (i === 0) assert.equal(await looks.count(), 0);
      else await looks.first().waitFor();
    }
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#model-classes', { hasText: 'cat, coffee' }).waitFor({ timeout: SLOW });
    const both = await twoPhotos(s.page);
    await preview(s.page, both);

    // A linear head: the exact map (CAM), for the likeliest class at first.
    const look = s.page.locator('#look[data-kind="CAM"]');
    await look.waitFor({ timeout: SLOW });
    const first = await look.getAttribute('data-class');
    const sides = {};
    for (const c of [first, first === 'cat' ? 'coffee' : 'cat']) {
      await look.getByLabel('The class whose map is shown').selectOption(c);
      await s.page.locator(`#look[data-class="${c}"]`).waitFor();
      sides[c] = await corners(s.page);
    }
    // The cat's map is hotter where the cat is than where the coffee is, and the coffee's
    // the other way round (a transposed or mirrored map would swap them).
    assert.ok(sides.cat.topRight > sides.cat.bottomLeft + 50, JSON.stringify(sides));
    assert.ok(sides.coffee.bottomLeft > sides.coffee.topRight + 50, JSON.stringify(sides));

    await look.getByLabel("The map's opacity").fill('80');
    assert.match(await s.page.locator('#look img.heat').getAttribute('style'), /opacity: 0\.80/);

    // A photo in a card: previewed from its kept copy, with its map.
    await card(s.page, 'coffee').getByRole('button', { name: 'Where the model looks in coffee-top-0.png' }).click();
    await s.page.locator('#preview-file', { hasText: /^coffee-top-0\.png$/ }).waitFor({ timeout: SLOW });
    await s.page.locator('#look img.heat').waitFor({ timeout: SLOW });

    // A head with a hidden layer: Grad-CAM, drawn again for the new model.
    await s.page.locator('summary', { hasText: 'Settings' }).click();
    await s.page.getByLabel('Solver', { exact: true }).selectOption('adam');
    await enter(s.page, 'Hidden units', '32');
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#train-result[data-epochs]').waitFor({ timeout: SLOW });
    await preview(s.page, both);
    const grad = s.page.locator('#look[data-kind="Grad-CAM"]');
    await grad.waitFor({ timeout: SLOW });
    await grad.getByLabel('The class whose map is shown').selectOption('cat');
    await s.page.locator('#look[data-kind="Grad-CAM"][data-class="cat"]').waitFor();
    const cat = await corners(s.page);
    const probsNow = await s.page.locator('#preview-probs li').evaluateAll((lis) => lis.map((li) => [li.dataset.class, li.dataset.p]));
    console.log('grad-cam', JSON.stringify(cat), JSON.stringify(probsNow), await s.page.locator('#preview-file').textContent());
    assert.ok(cat.topRight > cat.bottomLeft + 50, JSON.stringify(cat));
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});
