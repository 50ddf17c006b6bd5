// Benchmark (not a test): issue 5's comparison in the page, on the CPU path. The same nine
// classes of real photos as `cargo run --example transfer` (three similar textures, six
// scenes): 3 crops of each photo's top half to train on, 12 of its bottom half set aside
// ("Validation only") to measure on; then a head alone, with 4 augmented views, and
// fine-tuning the last 1 and 2 blocks, 50 epochs each. Prints the page's own validation
// accuracy and training time (rows made + epochs) for each. Run after `scripts/build-web.sh`:
//   node tests/browser/bench-transfer.mjs
// With `methods [SHOTS] [BUDGET] [DRAW]` it runs issue 17's Method Auto instead at SHOTS
// photos a class (default 3) with a budget of BUDGET s (default 180) and prints its table:
// each method's accuracy on the held-out photos and its time, and what Auto kept. DRAW
// (default 0) picks other crops, to train on and to hold out, from the same photos:
//   node tests/browser/bench-transfer.mjs methods 1 180 2
// With `folder ROOT [BUDGET]` the same Auto runs on a folder made by
// scripts/bench-methods.py (e.g. /tmp/graft-bench-unlabelled/digits-3-7: ROOT/train and
// ROOT/val, a sub-folder a class), both added by "Add a folder of classes", the val photos
// marked "Validation only" (a class's photos must fit the 48 a card shows). With `folder
// ROOT 0 tray` it trains the default head instead, then again with ROOT/pool (the native
// table's unlabelled pool) in the Unlabelled tray, and prints both accuracies.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, openPage, DIST, closeBrowsers } from './harness.mjs';
import { crops, card, ready, rename, count } from './teach-helpers.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(here, '../fixtures/images');
const SLOW = 600_000;
const CLASSES = [['brick', 'brick.png'], ['grass', 'grass.png'], ['gravel', 'gravel.png'],
  ['astronaut', 'astronaut.png'], ['camera', 'camera.png'], ['cat', 'chelsea.png'],
  ['coffee', 'coffee.png'], ['motorcycle', 'motorcycle_left.png'], ['rocket', 'rocket.jpg']];
const MODE = process.argv[2] ?? 'adapt';
const ROOT = MODE === 'folder' ? process.argv[3] : null;
const SHOTS = Number(process.argv[3] ?? 3);
const BUDGET = process.argv[4] ?? '180';
const DRAW = Number(process.argv[5] ?? 0);
const HELD = 12;
const CONFIGS = [
  ['head only', { 'Augmented views': '0', 'Blocks to fine-tune': '0' }],
  ['head + 4 augmented views', { 'Augmented views': '4', 'Blocks to fine-tune': '0' }],
  ['fine-tune last block (K=1)', { 'Augmented views': '0', 'Blocks to fine-tune': '1' }],
  ['fine-tune last 2 blocks (K=2)', { 'Augmented views': '0', 'Blocks to fine-tune': '2' }],
];

const server = await serve(DIST, { '/fixtures/': FIXTURES });
const browser = await launch();
try {
  const { page } = await openPage(browser, server.origin);
  await page.goto(`${server.origin}/?device=cpu`);
  await ready(page);
  if (ROOT) {
    await addFolders(page);
  } else {
  for (let i = 2; i < CLASSES.length; i++) await page.getByRole('button', { name: 'Add a class' }).click();
  for (const [i, [cls]] of CLASSES.entries()) await rename(page, `Class ${i + 1}`, cls);
  for (const [i, [cls, file]] of CLASSES.entries()) {
    const files = [...await crops(page, cls, 'top', SHOTS, 200 + i + 1000 * DRAW, file), ...await crops(page, cls, 'bottom', HELD, 300 + i + 1000 * DRAW, file)];
    await card(page, cls).getByRole('button', { name: `Add images to ${cls}` }).setInputFiles(files);
  }
  for (const [cls] of CLASSES) await count(page, cls, SHOTS + HELD);
  for (const [cls] of CLASSES) {
    for (let i = 0; i < HELD; i++) await page.getByRole('button', { name: `Validation only: ${cls}-bottom-${i}.png` }).click();
  }
  }
  await page.locator('summary', { hasText: 'Settings' }).click();
  if (ROOT && process.argv[5] === 'tray') {
    await headWithTray(page);
    process.exit(0);
  }
  if (MODE === 'methods' || ROOT) {
    // Auto measures every method on the held-out photos and shows each one's accuracy
    // and time in its table: one run gives the whole row, and what Auto kept.
    await page.getByLabel('Method', { exact: true }).selectOption('auto');
    const field = page.getByRole('spinbutton', { name: "Auto's time budget (s)", exact: true });
    await field.fill(BUDGET);
    await field.press('Tab');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.locator('#auto-table').waitFor({ timeout: SLOW });
    const rows = await page.locator('#auto-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent).join(' | ')));
    const notice = await page.locator('#train-notice').textContent();
    const what = ROOT ? path.basename(ROOT) : `${SHOTS} a class, draw ${DRAW}`;
    console.log(`| method (page, CPU path, ${what}, Auto's budget ${BUDGET} s) | held-out accuracy | time |\n| --- | --- | --- |`);
    for (const row of rows) console.log(`| ${row} |`);
    console.log(notice);
    process.exit(0);
  }
  console.log(`| adaptation (page, CPU path) | held-out accuracy | training time (s) |\n| --- | --- | --- |`);
  for (const [name, settings] of CONFIGS) {
    for (const [label, value] of Object.entries({ ...settings, Patience: '0' })) {
      const field = page.getByRole('spinbutton', { name: label, exact: true });
      await field.fill(value);
      await field.press('Tab');
    }
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const result = page.locator('#train-result', { hasText: /^Trained after 50 epochs/ });
    await result.waitFor({ timeout: SLOW });
    const seconds = (await result.textContent()).match(/in ([\d.]+) s/)[1];
    const accuracy = Number(await page.locator('#val-accuracy').getAttribute('data-accuracy'));
    const right = Math.round(accuracy * CLASSES.length * HELD);
    console.log(`| ${name} | ${(accuracy * 100).toFixed(1)} % (${right}/${CLASSES.length * HELD}) | ${seconds} |`);
    // The next run's result replaces this one.
    await page.locator('#train-result').evaluate((el) => el.remove());
  }
} finally {
  await browser.close();
  await closeBrowsers();
  await server.close();
}

/** ROOT/train and ROOT/val into the page by folder, in place of the two starter classes;
 * every val photo marked "Validation only". */
async function addFolders(page) {
  const classes = fs.readdirSync(path.join(ROOT, 'train')).sort();
  const files = (split, cls) => fs.readdirSync(path.join(ROOT, split, cls));
  for (const starter of ['Class 1', 'Class 2']) {
    await page.getByRole('button', { name: `Delete class ${starter}` }).click();
  }
  for (const split of ['train', 'val']) {
    await page.getByRole('button', { name: 'Add a folder of classes' }).setInputFiles(path.join(ROOT, split));
    for (const cls of classes) {
      const n = files('train', cls).length + (split === 'val' ? files('val', cls).length : 0);
      await count(page, cls, n);
    }
  }
  for (const cls of classes) {
    for (const name of files('val', cls)) {
      await card(page, cls).getByRole('button', { name: `Validation only: ${name}`, exact: true }).click();
    }
  }
}

/** The default head's held-out accuracy and time, then the same with ROOT/pool in the tray. */
async function headWithTray(page) {
  const train = async () => {
    await page.locator('#train-result').evaluate((el) => el.remove()).catch(() => {});
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    const result = page.locator('#train-result');
    await result.waitFor({ timeout: SLOW });
    const accuracy = Number(await page.locator('#val-accuracy').getAttribute('data-accuracy'));
    const notice = await page.locator('#train-notice').evaluateAll((n) => n.map((e) => e.textContent).join(' '));
    return `${(accuracy * 100).toFixed(1)} % | ${(await result.textContent()).match(/in ([\d.]+) s/)?.[1] ?? '?'} s | ${notice}`;
  };
  console.log(`| ${path.basename(ROOT)} (page, CPU path) | held-out accuracy | time | notice |\n| --- | --- | --- | --- |`);
  console.log(`| head | ${await train()} |`);
  const pool = fs.readdirSync(path.join(ROOT, 'pool')).map((f) => path.join(ROOT, 'pool', f));
  const tray = page.getByRole('region', { name: 'Unlabelled images' });
  await tray.getByRole('button', { name: 'Add unlabelled images' }).setInputFiles(pool);
  await tray.locator(`.count[data-count="${pool.length}"]`).waitFor({ timeout: SLOW });
  console.log(`| + unlabelled (${pool.length} in the tray) | ${await train()} |`);
}
