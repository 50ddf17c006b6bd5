// Helpers for the teaching tests: real photo crops cut in the page, the class cards, and
// what leaves the page (the project file opened in another store, the model file on the
// command line).
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { openPage, GRAFT } from './harness.mjs';

const SLOW = 300_000;

/**
 * `n` square crops (96-200 px, at most half the photo's height, seeded) of the top or bottom
 * half of a real photo (`file`, default `<cls>.png`), cut in the page with a canvas:
 * [{ name, buffer }]. Training uses top halves, held-out images bottom halves, so no
 * held-out pixel is ever trained on.
 */
export async function crops(page, cls, half, n, seed, file = `${cls}.png`) {
  const list = await page.evaluate(async ({ cls, half, n, seed, file }) => {
    let s = seed;
    const rand = (k) => { s = (s * 1103515245 + 12345) % 2147483648; return s % k; };
    const img = await createImageBitmap(await (await fetch(`/fixtures/${file}`)).blob());
    const out = [];
    for (let i = 0; i < n; i++) {
      const halfHeight = Math.floor(img.height / 2);
      const size = Math.min(halfHeight, 96 + rand(105));
      const x = rand(img.width - size + 1);
      const y = (half === 'top' ? 0 : halfHeight) + rand(halfHeight - size + 1);
      const canvas = new OffscreenCanvas(size, size);
      canvas.getContext('2d').drawImage(img, x, y, size, size, 0, 0, size, size);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      out.push({ name: `${cls}-${half}-${i}.png`, b64: btoa(bin) });
    }
    return out;
  }, { cls, half, n, seed, file });
  return list.map(({ name, b64 }) => ({ name, mimeType: 'image/png', buffer: Buffer.from(b64, 'base64') }));
}

export const card = (page, name) => page.getByRole('region', { name: `Class ${name}` });

export async function ready(page) {
  await page.getByRole('button', { name: 'Add a class' }).waitFor({ timeout: SLOW });
  await page.locator('#model-status[data-state="ready"]').waitFor({ timeout: SLOW });
}

export async function rename(page, from, to) {
  const box = card(page, from).getByRole('textbox', { name: 'Class name' });
  await box.fill(to);
  await box.press('Tab');
  await card(page, to).waitFor();
}

// The new page's two classes renamed, and one more added for each further name.
export async function nameClasses(page, names) {
  for (const [i, name] of names.entries()) {
    if (i >= 2) await page.getByRole('button', { name: 'Add a class' }).click();
    await rename(page, `Class ${i + 1}`, name);
  }
}

export async function count(page, name, n, timeout = SLOW) {
  await card(page, name).locator(`.count[data-count="${n}"]`).waitFor({ timeout });
}

/** Drop `files` on a class card's drop zone, as a person dragging them would. */
export async function drop(page, name, files) {
  await page.evaluate(({ zone, files }) => {
    const dt = new DataTransfer();
    for (const f of files) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.mimeType }));
    }
    document.querySelector(`[role="group"][aria-label="${zone}"]`)
      .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { zone: `Drop zone: Add images to ${name}`, // Only strings cross into the page: a Node Buffer argument arrives as a huge object whose
  // decoding is a half-second task the freeze check would blame on the page.
  files: files.map((f) => ({ name: f.name, mimeType: f.mimeType, b64: f.buffer.toString('base64') })) });
}

/** Preview one image; returns { class: p }. */
export async function preview(page, file) {
  // A CSS query, not a role query: Playwright's role engine checks every element of the
  // page on the page's own thread (118 ms of one task at 10 000 photos, in a trace), which
  // the scale runs would count as the page's long task.
  await page.locator('input[type=file][aria-label="Choose an image to classify"]').setInputFiles(file);
  await page.locator('#preview-file', { hasText: new RegExp(`^${file.name}$`) }).waitFor({ timeout: SLOW });
  const rows = await page.locator('#preview-probs li').evaluateAll((lis) =>
    lis.map((li) => [li.dataset.class, Number(li.dataset.p)]));
  return Object.fromEntries(rows);
}

/** A setting's field in the Settings panel. */
export const setting = (page, label) => page.getByRole('spinbutton', { name: label, exact: true });

/** Type `text` into a setting and leave the field, as a person would (the change event). */
export async function enter(page, label, text) {
  await setting(page, label).fill(text);
  await setting(page, label).press('Tab');
}

/**
 * Export `page`'s project into `dir/project.zip`, and open it in a new page of `browser` at
 * `origin` + `query` (another store, so nothing is shared): { projectFile, other }, once the
 * file is picked (wait for what it should bring back).
 */
export async function exportAndOpen(page, browser, origin, dir, query) {
  const [exported] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export project' }).click(),
  ]);
  const projectFile = path.join(dir, 'project.zip');
  await exported.saveAs(projectFile);
  const other = await openPage(browser, origin);
  await other.page.goto(`${origin}/${query}`);
  await ready(other.page);
  await other.page.getByRole('button', { name: 'Open project' }).setInputFiles(projectFile);
  return { projectFile, other };
}

/**
 * Download `page`'s model into `dir/name`, write `photos` ([{ name, buffer }]) there, and
 * run `graft predict --json` on them: { model, files, lines } (one parsed line a photo).
 */
export async function predictOnCommandLine(page, dir, photos, name = 'page.graft') {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download model', exact: true }).click(),
  ]);
  const model = path.join(dir, name);
  await download.saveAs(model);
  const files = [];
  for (const f of photos) {
    files.push(path.join(dir, f.name));
    await fs.writeFile(files.at(-1), f.buffer);
  }
  const lines = execFileSync(GRAFT, ['predict', model, '--json', ...files], { encoding: 'utf8' })
    .trim().split('\n').map((l) => JSON.parse(l));
  return { model, files, lines };
}

/**
 * What IndexedDB holds of the project (the app's database, read in any page of its
 * origin): the sample records' ids and the class each names (`classes`, in the same
 * order), the kept copies' ids, and the saved list's sample ids by class name.
 */
export const storedProject = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('graft');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction(['samples', 'copies', 'meta']);
    const records = tx.objectStore('samples').getAllKeys();
    const values = tx.objectStore('samples').getAll();
    const copies = tx.objectStore('copies').getAllKeys();
    const meta = tx.objectStore('meta').get('project');
    tx.oncomplete = () => {
      open.result.close();
      const classes = meta.result ? JSON.parse(meta.result).classes : [];
      resolve({
        records: records.result,
        classes: values.result.map((r) => r?.class),
        copies: copies.result,
        listed: Object.fromEntries(classes.map(([, name, ids]) => [name, ids])),
      });
    };
    tx.onerror = () => reject(tx.error);
  };
}));
