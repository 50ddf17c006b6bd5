// Teaching in the page, end to end, on real photos: classes, images by file input and by
// drop, training, preview of held-out images, a reload that keeps everything, the model
// file on the command line (and back), and bad input named in the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, openPage, DIST, closeBrowsers, GRAFT, FIXTURES, PYTHON, ROOT } from './harness.mjs';
import { crops, card, ready, nameClasses, count, drop, preview, enter, setting, exportAndOpen, predictOnCommandLine } from './teach-helpers.mjs';

const SLOW = 300_000;
// Page and command line both run the fused CPU path and the same head arithmetic.
const PROB_TOL = 1e-3;
const CLASSES = ['brick', 'grass', 'gravel'];
// No task over this while embedding and training on the CPU path. A photo is one task of
// ~70 ms here, the first up to ~160 ms (its code not yet optimised); over 13 runs (idle,
// with both cores loaded by two busy loops, and after dropping the OS caches) the longest
// was 143-215 ms, so 500 holds on a busy 2-core machine (docs/benchmarks.md).
const LONGEST_TASK_MS = 500;

let server;
// While set, the backbone's manifest waits for this promise: the backbone cannot load.
let backboneHeld = null;
const hold = (pathname) => (pathname.endsWith('/efficientnet_lite0.json') ? backboneHeld : undefined);
before(async () => { server = await serve(DIST, { '/fixtures/': FIXTURES }, hold); });
after(async () => { await closeBrowsers(); await server?.close(); });

const best = (probs) => Object.entries(probs).sort((a, b) => b[1] - a[1])[0][0];

// SwiftShader runs the backbone at ~10 s an image here (measured: 9 photos took 92 s, each
// preview ~10 s), so the WebGPU run teaches two photos a class, previews one held-out crop a
// class and does not reload; the CPU run checks accuracy on more, and that a reload keeps it all.
for (const [label, webgpu, query, perClass, heldPerClass] of [['CPU', false, '?device=cpu', 5, 2], ['WebGPU', true, '?device=webgpu', 2, 1]]) {
  test(`${label}: teach three classes of real photos, predict held-out ones${webgpu ? '; Stop keeps the last epoch' : ', reload and keep it all'}`, async () => {
    const browser = await launch({ webgpu });
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-teach-'));
    try {
      const s = await openPage(browser, server.origin);
      await s.page.goto(`${server.origin}/${query}`);
      await ready(s.page);
      await nameClasses(s.page, CLASSES);

      const train = {};
      for (const [i, c] of CLASSES.entries()) train[c] = await crops(s.page, c, 'top', perClass, 11 + i);
      // From the first photo added to the end of training (after the test has cut its crops,
      // which is the test's own work): every task over 50 ms (Long Tasks API), and each
      // distinct set of class counts the page drew.
      await s.page.evaluate(() => {
        window.longTasks = [];
        new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => e.duration)))
          .observe({ type: 'longtask' });
        window.drawnCounts = [{ at: performance.now(), total: 0 }];
        new MutationObserver(() => window.drawnCounts.push({
          at: performance.now(),
          total: [...document.querySelectorAll('.count')].reduce((n, c) => n + Number(c.dataset.count), 0),
        })).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-count'] });
      });
      await card(s.page, 'brick').getByRole('button', { name: 'Add images to brick' }).setInputFiles(train.brick);
      await drop(s.page, 'grass', train.grass);
      await card(s.page, 'gravel').getByRole('button', { name: 'Add images to gravel' }).setInputFiles(train.gravel);
      for (const c of CLASSES) await count(s.page, c, perClass);
      // What the browser says the saved photos take, once they are all in (issue 14).
      await s.page.locator('#storage-use', { hasText: /^\d+(\.\d)? (bytes|kB|MB|GB) of \d+(\.\d)? (kB|MB|GB|TB) used/ }).waitFor();

      const trainButton = s.page.getByRole('button', { name: 'Train', exact: true });
      if (webgpu) {
        // Stop midway: the model of the last finished epoch is kept and usable. As many
        // epochs as the form allows and no early stopping, so Stop always comes first.
        await s.page.locator('summary', { hasText: 'Settings' }).click();
        await s.page.getByLabel('Solver', { exact: true }).selectOption('adam');
        await enter(s.page, 'Steps', '1000');
        await enter(s.page, 'Patience', '0');
        // No validation: one run on every photo (with some, this few would be cross-validated).
        await enter(s.page, 'Validation %', '0');
        await trainButton.click();
        await s.page.locator('progress[aria-label="Training progress"]:not([value="0"])').waitFor({ timeout: SLOW });
        await s.page.getByRole('button', { name: 'Stop' }).click();
        await s.page.locator('#train-result', { hasText: /^Stopped after \d+ epochs/ }).waitFor({ timeout: SLOW });
        assert.ok(Number(await s.page.locator('#train-result').getAttribute('data-epochs')) < 1000);
        await s.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor();
        await s.page.getByRole('button', { name: 'Reset settings' }).click();
      }
      await trainButton.click();
      // The default head: fitted to convergence; below 10 photos a class, cross-validated
      // (as many folds as photos a class, at most 5), then fitted to every photo.
      await s.page.locator('#train-result', { hasText: /^Fitted to convergence in \d+ iterations/ }).waitFor({ timeout: SLOW });
      assert.equal(await s.page.locator('#train-result').getAttribute('data-folds'), String(Math.min(5, perClass)));
      assert.equal(await s.page.locator('#metrics-title').textContent(), `Validation (cross-validated, ${Math.min(5, perClass)} folds)`);
      assert.equal(await s.page.locator('#val-accuracy').getAttribute('data-folds'), String(Math.min(5, perClass)));
      assert.ok(Number(await s.page.locator('#val-accuracy').getAttribute('data-accuracy')) >= 0.8);
      if (!webgpu) {
        // The queue gives the browser a turn after each photo, and the page draws the
        // answers that came within HOLD_MS (250 ms, ui/batch.rs) together: so the counts
        // were drawn on their way to the total, at most ~250 ms behind the workers, never
        // only at the end. (A class of 5 may come in within one hold: 2 workers embed a
        // crop in ~50 ms here, so its count alone may jump from 0 to 5.)
        const total = CLASSES.length * perClass;
        const drawn = await s.page.evaluate(() => window.drawnCounts);
        const distinct = drawn.filter((d, i) => i === 0 || d.total !== drawn[i - 1].total);
        const between = distinct.filter((d) => d.total > 0 && d.total < total);
        const [first, ...later] = distinct.slice(1).map((d, i) => Math.round(d.at - distinct[i].at));
        console.log(`counts drawn on the way to ${total}: ${distinct.map((d) => d.total).join(', ')}; ${first} ms to the first, then ${later.join(', ')} ms apart`);
        // The first count is drawn 250 ms after the first answer, which waits for a worker's
        // first photo (its code not yet optimised): 520-600 ms here. Later ones are due
        // 250 ms after the first answer they hold, plus a render and up to a photo's
        // embedding (~50 ms): 37-398 ms apart over eight runs, with 3-5 totals drawn on the
        // way to 15. Held 3 s instead (checked by building so), one total was drawn on the
        // way (at 10-13 photos: HOLD_AT_MOST flushed it), 1 018-1 065 ms after the first
        // photo was added; so at least two, and bounds that leave room for a busy machine.
        assert.ok(between.length >= 2, `totals drawn: ${distinct.map((d) => d.total).join(', ')}`);
        assert.ok(first < 1500, `${first} ms from the first photo added to its count drawn`);
        assert.ok(Math.max(0, ...later) < 800, `draws ${later.join(', ')} ms apart`);
        // And no task froze the page (LONGEST_TASK_MS says why 500 ms).
        const longest = Math.max(0, ...(await s.page.evaluate(() => window.longTasks)));
        console.log(`longest task while embedding and training: ${longest.toFixed(0)} ms`);
        assert.ok(longest < LONGEST_TASK_MS, `longest task ${longest} ms`);
      }

      // Every control has an accessible name (a label, aria-label or text).
      const unnamed = await s.page.evaluate(() => [...document.querySelectorAll('button, input, summary, video')]
        .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
        .map((el) => el.outerHTML.slice(0, 80)));
      assert.deepEqual(unnamed, []);

      const held = [];
      for (const [i, c] of CLASSES.entries()) held.push(...(await crops(s.page, c, 'bottom', heldPerClass, 51 + i)).map((f) => [c, f]));
      const pageProbs = {};
      let right = 0;
      for (const [c, f] of held) {
        pageProbs[f.name] = await preview(s.page, f);
        right += best(pageProbs[f.name]) === c ? 1 : 0;
      }
      // Chance is 1/3; textures this distinct are all right with 5 shots (measured).
      assert.ok(right >= held.length - 1, `held-out: ${right}/${held.length} right ${JSON.stringify(pageProbs)}`);

      if (!webgpu) {
        // Reload with the backbone held back: the project is usable before it loads (its
        // cards and counts, Train enabled), and the saved model is shown once the session,
        // given the backbone, has checked it. Then classes, images and model are all there.
        let release;
        backboneHeld = new Promise((resolve) => { release = resolve; });
        await s.page.reload();
        for (const c of CLASSES) await count(s.page, c, perClass);
        await s.page.locator('button:text-is("Train"):enabled').waitFor();
        await s.page.locator('#model-checking').waitFor();
        assert.notEqual(await s.page.locator('#model-status').getAttribute('data-state'), 'ready');
        // Train pressed now trains once the backbone is there (the worker waits for it):
        // the same photos and settings fit the same model.
        assert.equal(await s.page.locator('#train-result').count(), 0);
        await trainButton.click();
        backboneHeld = null;
        release();
        await ready(s.page);
        await s.page.locator('#train-result', { hasText: /^Fitted to convergence in \d+ iterations/ }).waitFor({ timeout: SLOW });
        await s.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor({ timeout: SLOW });
        const again = await preview(s.page, held[0][1]);
        assert.ok(Math.abs(again.brick - pageProbs[held[0][1].name].brick) < 1e-6, 'same model after reload');

        // The downloaded model gives the same probabilities on the command line.
        const { files, lines } = await predictOnCommandLine(s.page, tmp, held.map(([, f]) => f));
        for (const [i, line] of lines.entries()) {
          const want = pageProbs[held[i][1].name];
          for (const c of CLASSES) {
            assert.ok(Math.abs(line.probs[c] - want[c]) < PROB_TOL, `${line.image} ${c}: cli ${line.probs[c]}, page ${want[c]}`);
          }
        }

        // The page's ONNX export, run by ONNX Runtime through docs/export.md's script,
        // answers as the command line does with the page's model file (issue 16); the model
        // card counts the photos.
        const [onnxDownload] = await Promise.all([
          s.page.waitForEvent('download', { timeout: SLOW }),
          s.page.getByRole('button', { name: 'Download as ONNX' }).click(),
        ]);
        const onnx = path.join(tmp, 'page.onnx');
        await onnxDownload.saveAs(onnx);
        const ort = execFileSync(PYTHON, [path.join(ROOT, 'scripts/onnx_predict.py'), onnx, ...files], { encoding: 'utf8' })
          .trim().split('\n').map((l) => JSON.parse(l));
        for (const [i, line] of ort.entries()) {
          assert.equal(line.label, lines[i].label, line.image);
          for (const c of CLASSES) {
            assert.ok(Math.abs(line.probs[c] - lines[i].probs[c]) < 1e-4, `${line.image} ${c}: onnx ${line.probs[c]}, cli ${lines[i].probs[c]}`);
          }
        }
        const [cardDownload] = await Promise.all([
          s.page.waitForEvent('download', { timeout: SLOW }),
          s.page.getByRole('button', { name: 'Download model card' }).click(),
        ]);
        const cardText = await fs.readFile(await cardDownload.path(), 'utf8');
        assert.match(cardText, new RegExp(`\\| grass \\| ${perClass} \\|`), cardText);

        // The project travels: a setting changed, one photo set aside for validation, then
        // exported, and opened in a fresh browser profile: the same classes, images, setting,
        // mark and predictions; the command line trains from the same file.
        await s.page.locator('summary', { hasText: 'Settings' }).click();
        await enter(s.page, 'Penalty C', '3');
        await card(s.page, 'grass').locator('.thumb').first().getByRole('button', { name: /Validation only/ }).click();
        const { projectFile, other } = await exportAndOpen(s.page, browser, server.origin, tmp, query);
        for (const c of CLASSES) await count(other.page, c, perClass);
        await other.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor({ timeout: SLOW });
        await other.page.locator('summary', { hasText: 'Settings' }).click();
        assert.equal(await setting(other.page, 'Penalty C').inputValue(), '3');
        await card(other.page, 'grass').locator('.thumb.held-out').first().waitFor();
        assert.equal(await other.page.locator('.thumb.held-out').count(), 1);
        const opened = await preview(other.page, held[0][1]);
        for (const c of CLASSES) assert.ok(Math.abs(opened[c] - pageProbs[held[0][1].name][c]) < 1e-6, `${c} after opening`);
        assert.deepEqual(other.problems(), []);
        const trained = path.join(tmp, 'from-project.graft');
        execFileSync(GRAFT, ['train', projectFile, '--out', trained], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        const fromProject = execFileSync(GRAFT, ['predict', trained, '--json', files[0]], { encoding: 'utf8' });
        assert.equal(best(JSON.parse(fromProject).probs), held[0][0]);
      }
      assert.deepEqual(s.problems(), []);
    } finally {
      await browser.close();
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
}

test('one photo a class answers at once, before Train; a class emptied stops it; Train takes over', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&store=one-shot`);
    await ready(s.page);
    await nameClasses(s.page, CLASSES);
    for (const [i, c] of CLASSES.entries()) {
      const [one] = await crops(s.page, c, 'top', 1, 31 + i);
      await card(s.page, c).getByRole('button', { name: `Add images to ${c}` }).setInputFiles([one]);
      await count(s.page, c, 1);
    }
    // No Train pressed: prototypes of the three photos answer, and say so.
    await s.page.locator('#model-prototypes').waitFor({ timeout: SLOW });
    const held = [];
    for (const [i, c] of CLASSES.entries()) for (const f of await crops(s.page, c, 'bottom', 2, 41 + i)) held.push([c, f]);
    let right = 0;
    for (const [c, f] of held) {
      const probs = await preview(s.page, f);
      assert.ok(Math.abs(Object.values(probs).reduce((a, b) => a + b, 0) - 1) < 1e-4, JSON.stringify(probs));
      if (best(probs) === c) right++;
    }
    // Chance is 1/3; one photo of each texture gets these right (measured: 6/6).
    assert.ok(right >= held.length - 1, `prototypes: ${right}/${held.length} right`);
    assert.equal(await s.page.getByRole('button', { name: 'Download as ONNX' }).isDisabled(), true);

    // A class with no photo: no prototypes; one back: they answer again.
    const gravel = card(s.page, 'gravel');
    await gravel.locator('.thumb').first().getByRole('button', { name: /Remove/ }).click();
    await s.page.locator('#model-prototypes').waitFor({ state: 'detached', timeout: SLOW });
    const [again] = await crops(s.page, 'gravel', 'top', 1, 51);
    await gravel.getByRole('button', { name: 'Add images to gravel' }).setInputFiles([again]);
    await s.page.locator('#model-prototypes').waitFor({ timeout: SLOW });

    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor({ timeout: SLOW });
    assert.equal(await s.page.locator('#model-prototypes').count(), 0);
    await s.page.locator('#train-result[data-solver="lbfgs"]').waitFor();

    // Method Auto at one photo a class: neither prototypes nor the head has figures, so
    // nothing else is tried (it could not be compared) and the prototypes are kept.
    await s.page.locator('summary', { hasText: 'Settings' }).click();
    await s.page.getByLabel('Method', { exact: true }).selectOption('auto');
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#train-notice', { hasText: /Auto tried 2 of 7 methods on your photos .* and kept prototypes/ }).waitFor({ timeout: SLOW });
    await s.page.locator('#train-result[data-method="prototypes"]', { hasText: 'Prototypes of 3 images, nothing trained' }).waitFor();
    const table = s.page.locator('#auto-table');
    assert.equal(await table.locator('tbody tr').count(), 7);
    assert.equal(await table.locator('tr[data-kept="true"]').getAttribute('data-method'), 'prototypes');
    assert.equal(await table.locator('tr[data-skipped="false"]').count(), 2);
    await table.locator('tr[data-method="lp-ft, 1 block"]', { hasText: 'nothing to measure it on' }).waitFor();
    const probs = await preview(s.page, held[0][1]);
    assert.equal(best(probs), held[0][0]);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

// Auto within its budget (issue 17): four photos a class, cross-validated; every method is
// in the table, run with its accuracy and time or skipped with the reason, one kept, the
// whole near the budget, and the kept model previews.
test('Auto tries each method within its budget, shows its table and keeps the best', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&store=auto`);
    await ready(s.page);
    await nameClasses(s.page, CLASSES);
    for (const [i, c] of CLASSES.entries()) {
      await card(s.page, c).getByRole('button', { name: `Add images to ${c}` }).setInputFiles(await crops(s.page, c, 'top', 4, 61 + i));
      await count(s.page, c, 4);
    }
    // Two unlabelled photos: AdaBN measures on them too (Auto's heads do not train on them).
    const tray = s.page.getByRole('region', { name: 'Unlabelled images' });
    await tray.getByRole('button', { name: 'Add unlabelled images' }).setInputFiles(await crops(s.page, 'brick', 'bottom', 2, 81));
    await tray.locator('.count[data-count="2"]').waitFor({ timeout: SLOW });
    await s.page.locator('summary', { hasText: 'Settings' }).click();
    await s.page.getByLabel('Method', { exact: true }).selectOption('auto');
    const BUDGET = 30;
    await enter(s.page, "Auto's time budget (s)", String(BUDGET));
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    const table = s.page.locator('#auto-table');
    await table.waitFor({ timeout: SLOW });
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => ({
      method: tr.dataset.method, accuracy: tr.dataset.accuracy, kept: tr.dataset.kept === 'true',
      skipped: tr.dataset.skipped === 'true', text: tr.textContent })));
    console.log(JSON.stringify(rows));
    assert.deepEqual(rows.map((r) => r.method), ['prototypes', 'head', 'head + 4 views', 'adabn + head', 'lp-ft, 1 block', 'lp-ft, 2 blocks', 'lp-ft, 3 blocks']);
    for (const m of ['prototypes', 'head', 'head + 4 views']) {
      const r = rows.find((r) => r.method === m);
      assert.ok(!r.skipped && Number(r.accuracy) >= 0, `${m} ran: ${r.text}`);
    }
    for (const r of rows.filter((r) => r.skipped)) assert.match(r.text, /budget/);
    const kept = rows.filter((r) => r.kept);
    assert.equal(kept.length, 1);
    // The kept one is the best measured (ties to the earlier in graft's preference).
    const ranScores = rows.filter((r) => !r.skipped).map((r) => Number(r.accuracy));
    assert.equal(Number(kept[0].accuracy), Math.max(...ranScores));
    const notice = await s.page.locator('#train-notice').textContent();
    const seconds = Number(notice.match(/methods on your photos in (\d+) s/)[1]);
    assert.ok(seconds <= BUDGET * 1.5, notice);
    assert.match(notice, /The 2 unlabelled photos were not trained on/);
    const [held] = await crops(s.page, 'grass', 'bottom', 1, 71);
    assert.equal(best(await preview(s.page, held)), 'grass');
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('a model trained by the command line loads in the page and agrees; bad input is named', async () => {
  const browser = await launch();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-cli-'));
  try {
    const s = await openPage(browser, server.origin);
    s.page.on('dialog', (d) => d.accept());
    await s.page.goto(`${server.origin}/?device=cpu`);
    await ready(s.page);

    // Bad files: each named, nothing else lost.
    const good = await crops(s.page, 'brick', 'top', 2, 3);
    // A real photo stretched to a 30 000 x 20 strip (its resize to a 256 short side would
    // be 384 000 pixels long): refused by name, before decoding.
    const strip = Buffer.from(await s.page.evaluate(async () => {
      const img = await createImageBitmap(await (await fetch('/fixtures/brick.png')).blob());
      const canvas = new OffscreenCanvas(30000, 20);
      canvas.getContext('2d').drawImage(img, 0, 0, 30000, 20);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let bin = '';
      for (const b of bytes) bin += String.fromCharCode(b);
      return btoa(bin);
    }), 'base64');
    const input = card(s.page, 'Class 1').getByRole('button', { name: 'Add images to Class 1' });
    await input.setInputFiles([
      good[0],
      { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
      { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a photo') },
      { name: 'cut.png', mimeType: 'image/png', buffer: good[1].buffer.subarray(0, 200) },
      { name: 'strip.png', mimeType: 'image/png', buffer: strip },
      { ...good[0], name: 'again.png' },
    ]);
    await s.page.locator('#notices li', { hasText: 'again.png' }).waitFor({ timeout: SLOW });
    const notices = await s.page.locator('#notices').textContent();
    for (const [name, says] of [['empty.jpg', 'empty'], ['notes.png', 'not an image'], ['cut.png', 'corrupt or truncated'],
      ['strip.png', 'the image is 30000x20: over 20 times as long as it is wide, too thin to classify'], ['again.png', 'already in']]) {
      assert.ok(notices.includes(name) && notices.includes(says), `${name}: ${notices}`);
    }
    await count(s.page, 'Class 1', 1);

    // Training is refused with what to add.
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#train-error', { hasText: "class 'Class 2' has no images" }).waitFor();

    // Delete and undo.
    await s.page.getByRole('button', { name: 'Delete class Class 1' }).click();
    await s.page.getByRole('button', { name: 'Undo' }).click();
    await count(s.page, 'Class 1', 1);

    // A file that is not a model changes nothing.
    await s.page.getByRole('button', { name: 'Load a model file' }).setInputFiles(path.join(FIXTURES, 'chelsea.png'));
    await s.page.locator('#preview-error', { hasText: 'not a graft model file' }).waitFor();

    // Train on the command line, load the file in the page: same probabilities.
    const train = path.join(tmp, 'train');
    for (const [i, c] of CLASSES.entries()) {
      await fs.mkdir(path.join(train, c), { recursive: true });
      for (const f of await crops(s.page, c, 'top', 4, 31 + i)) await fs.writeFile(path.join(train, c, f.name), f.buffer);
    }
    const model = path.join(tmp, 'cli.graft');
    execFileSync(GRAFT, ['train', train, '--out', model], { stdio: 'pipe' });
    await s.page.getByRole('button', { name: 'Load a model file' }).setInputFiles(model);
    await s.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor();
    const held = await crops(s.page, 'gravel', 'bottom', 1, 77);
    const pageProbs = await preview(s.page, held[0]);
    const file = path.join(tmp, held[0].name);
    await fs.writeFile(file, held[0].buffer);
    const cli = JSON.parse(execFileSync(GRAFT, ['predict', model, '--json', file], { encoding: 'utf8' }));
    for (const c of CLASSES) assert.ok(Math.abs(cli.probs[c] - pageProbs[c]) < PROB_TOL, `${c}: ${cli.probs[c]} vs ${pageProbs[c]}`);

    // A model on a backbone adapted to its photos (--adapt-bn, AdaBN): the page runs the
    // adapted backbone for it, and answers as the command line does.
    const adapted = path.join(tmp, 'adapted.graft');
    execFileSync(GRAFT, ['train', train, '--out', adapted, '--adapt-bn'], { stdio: 'pipe' });
    await s.page.getByRole('button', { name: 'Load a model file' }).setInputFiles(adapted);
    await s.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor();
    const other = (await crops(s.page, 'grass', 'bottom', 1, 78))[0];
    const adaptedProbs = await preview(s.page, other);
    await fs.writeFile(path.join(tmp, other.name), other.buffer);
    const both = JSON.parse(execFileSync(GRAFT, ['predict', adapted, '--json', path.join(tmp, other.name)], { encoding: 'utf8' }));
    const plain = JSON.parse(execFileSync(GRAFT, ['predict', model, '--json', path.join(tmp, other.name)], { encoding: 'utf8' }));
    for (const c of CLASSES) assert.ok(Math.abs(both.probs[c] - adaptedProbs[c]) < PROB_TOL, `adapted ${c}: ${both.probs[c]} vs ${adaptedProbs[c]}`);
    const moved = Math.max(...CLASSES.map((c) => Math.abs(plain.probs[c] - both.probs[c])));
    console.log(`AdaBN moved the probabilities by up to ${moved.toFixed(4)}; page vs command line within ${PROB_TOL}`);
    assert.ok(moved > 2 * PROB_TOL, 'the adaptation changes the answer');

    // New project, after the confirmation: empty, and still empty after a reload.
    await s.page.getByRole('button', { name: 'New project' }).click();
    await card(s.page, 'Class 1').locator('.count[data-count="0"]').waitFor();
    // The session forgot the model and the previewed photo with it: nothing comes back.
    await s.page.waitForTimeout(500);
    assert.deepEqual(await s.page.locator('#preview-file, #model-classes').allTextContents(), []);
    await s.page.reload();
    await ready(s.page);
    await card(s.page, 'Class 1').locator('.count[data-count="0"]').waitFor();
    assert.equal(await s.page.getByRole('region', { name: /^Class / }).count(), 2);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

test('?bench=train reports head training on 1 000 embeddings: Adam x 50 epochs, and L-BFGS', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&bench=train`);
    const out = s.page.locator('#bench-result');
    await out.waitFor({ timeout: SLOW });
    const result = JSON.parse(await out.textContent());
    assert.equal(result.samples, 1000);
    assert.equal(result.epochs, 50);
    assert.ok(result.train_ms > 0 && result.final_loss < 2.3, JSON.stringify(result));
    assert.ok(result.lbfgs_ms > 0 && result.lbfgs_iterations > 0, JSON.stringify(result));
    // A benchmark, not a timed test: the figure is printed for the README.
    console.log(`head training in the page: ${JSON.stringify(result)}`);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('?bench=finetune reports a fine-tuning step per image for the last 1 and 2 blocks', async () => {
  const browser = await launch();
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&bench=finetune`);
    const out = s.page.locator('#bench-result');
    await out.waitFor({ timeout: SLOW });
    const result = JSON.parse(await out.textContent());
    assert.deepEqual(result.finetune.map((r) => r.blocks), [1, 2]);
    assert.ok(result.finetune.every((r) => r.ms_per_image > 0 && r.batch === 16), JSON.stringify(result));
    // A benchmark, not a timed test: the figures are printed for the README.
    console.log(`fine-tuning step in the page: ${JSON.stringify(result)}`);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});
