// Training settings, augmentation, honest validation and the metrics, in headless Chromium on real photo
// crops: a value out of range is refused at its field; a run holds out a stratified share,
// draws its curves, and reports per-class results and a confusion matrix whose cells open
// the images behind them; the settings survive a reload and Reset restores the defaults.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, openPage, DIST } from './harness.mjs';
import { crops, card, ready, rename, count } from './teach-helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '../fixtures/images');
const SLOW = 300_000;
const CLASSES = ['brick', 'grass', 'gravel'];

let server;
before(async () => { server = await serve(DIST, { '/fixtures/': FIXTURES }); });
after(async () => { await server?.close(); });

const setting = (page, label) => page.getByRole('spinbutton', { name: label, exact: true });

async function enter(page, label, text) {
  await setting(page, label).fill(text);
  await setting(page, label).press('Tab'); // the change event
}

test('settings are checked at the field; validation, curves, per-class results and the confusion matrix', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu`);
    await ready(s.page);
    await rename(s.page, 'Class 1', 'brick');
    await rename(s.page, 'Class 2', 'grass');
    await s.page.getByRole('button', { name: 'Add a class' }).click();
    await rename(s.page, 'Class 3', 'gravel');
    for (const [i, c] of CLASSES.entries()) {
      await card(s.page, c).getByRole('button', { name: `Add images to ${c}` })
        .setInputFiles(await crops(s.page, c, 'top', 6, 70 + i));
    }
    for (const c of CLASSES) await count(s.page, c, 6);

    await s.page.locator('summary', { hasText: 'Settings' }).click();
    const train = s.page.getByRole('button', { name: 'Train', exact: true });
    await enter(s.page, 'Learning rate', '5');
    const why = s.page.locator('#error-learning_rate');
    assert.equal(await why.textContent(), 'Learning rate must be from 0.00001 to 1');
    assert.equal(await setting(s.page, 'Learning rate').getAttribute('aria-invalid'), 'true');
    assert.ok(await train.isDisabled(), 'Train waits for the setting to be fixed');
    await enter(s.page, 'Learning rate', '0.002');
    await why.waitFor({ state: 'detached' });
    await enter(s.page, 'Epochs', '30');
    // 34 % of 6 is 2.04: two images of each class are held out.
    await enter(s.page, 'Validation %', '34');
    await enter(s.page, 'Patience', '0');
    // Two augmented views of each of the 12 training images, embedded before the first epoch.
    await enter(s.page, 'Augmented views', '2');
    assert.ok(await train.isEnabled());

    await train.click();
    const result = s.page.locator('#train-result', { hasText: /^Trained after 30 epochs/ });
    await result.waitFor({ timeout: SLOW });
    assert.match(await result.textContent(), /kept epoch \d+ \(lowest validation loss/);
    assert.equal(await result.getAttribute('data-rows'), '36', '12 images + 24 views');
    assert.equal(await result.getAttribute('data-held-out'), '6');
    const drawn = await s.page.locator('#train-curves svg').evaluateAll((svgs) => svgs.map((v) => Number(v.dataset.points)));
    assert.deepEqual(drawn, [30, 30], 'a loss and an accuracy curve, a point per epoch');

    // Per-class results on the 6 held-out images.
    const rows = await s.page.locator('table.per-class tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.dataset.class, Number(tr.children[1].textContent)]));
    assert.deepEqual(rows, CLASSES.map((c) => [c, 2]));
    const accuracy = Number(await s.page.locator('#val-accuracy').getAttribute('data-accuracy'));
    assert.ok(accuracy >= 4 / 6, `validation accuracy ${accuracy}`);

    // The confusion matrix: the counts add up to the held-out images, and a cell opens its
    // images, whose names say their true class (the crops are named after their photo).
    const cells = s.page.locator('table.confusion td button');
    const counts = await cells.evaluateAll((bs) => bs.map((b) => Number(b.textContent)));
    assert.equal(counts.length, 9);
    assert.equal(counts.reduce((a, b) => a + b, 0), 6);
    const gravel = s.page.getByRole('button', { name: /^\d+ gravel images? labelled gravel$/ });
    const n = Number(await gravel.textContent());
    assert.ok(n >= 1, 'a gravel image labelled gravel');
    await gravel.click();
    const shown = s.page.getByRole('region', { name: 'gravel images labelled gravel' });
    const names = await shown.locator('img').evaluateAll((imgs) => imgs.map((i) => i.alt));
    assert.equal(names.length, n);
    assert.ok(names.every((a) => a.startsWith('gravel-top-')), names.join(', '));

    // Settings are kept across a reload; Reset brings back the defaults.
    await s.page.reload();
    await ready(s.page);
    await s.page.locator('summary', { hasText: 'Settings' }).click();
    assert.equal(await setting(s.page, 'Epochs').inputValue(), '30');
    assert.equal(await setting(s.page, 'Validation %').inputValue(), '34');
    await s.page.getByRole('button', { name: 'Reset settings' }).click();
    assert.equal(await setting(s.page, 'Epochs').inputValue(), '50');
    assert.equal(await setting(s.page, 'Learning rate').inputValue(), '0.001');
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});
