// Several tasks on one backbone (issue 18), in the page on the CPU path: a project of three
// texture classes gets a second task ("rough": brick and gravel yes, grass no) whose photos
// are given their class by dropping the same files again (a file not in the project is
// named, nothing else changes); Train fits both, the preview answers both, a reload keeps
// the tasks, their labels and the model, the project file carries them (opened in another
// store, and trained from by the command line), and the downloaded model file gives the command
// line the page's probabilities for both tasks within 1e-3. Fine-tuning trains the blocks
// on both tasks together, the map of the photos redraws from the tuned features, and its
// file answers both on the command line too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { serve, launch, openPage, DIST, FIXTURES, GRAFT, closeBrowsers } from './harness.mjs';
import { crops, card, ready, nameClasses, count, preview, enter, exportAndOpen, predictOnCommandLine } from './teach-helpers.mjs';

const SLOW = 300_000;
const CLASSES = ['brick', 'grass', 'gravel'];
const ROUGH = { brick: 'Yes', grass: 'No', gravel: 'Yes' };
const PER_CLASS = 6;

let server;
before(async () => { server = await serve(DIST, { '/fixtures/': FIXTURES }); });
after(async () => { await closeBrowsers(); await server?.close(); });

/** The previewed picture's answer in task `name`: { class: p }. */
async function taskProbs(page, name) {
  const rows = await page.locator(`.task-answer[data-task="${name}"] li`).evaluateAll((lis) =>
    lis.map((li) => [li.dataset.class, Number(li.dataset.p)]));
  return Object.fromEntries(rows);
}

/** Name three texture classes, add PER_CLASS crops each, and a task "rough" labelled by the
 * same files: the crops added, by class. */
async function twoTasks(page, seed) {
  await nameClasses(page, CLASSES);
  const added = {};
  for (const [i, c] of CLASSES.entries()) {
    added[c] = await crops(page, c, 'top', PER_CLASS, seed + i);
    await card(page, c).getByRole('button', { name: `Add images to ${c}` }).setInputFiles(added[c]);
    await count(page, c, PER_CLASS);
  }
  await page.getByRole('button', { name: 'Add a task' }).click();
  const name = page.locator('.task-card .task-name');
  await name.fill('rough');
  await name.press('Tab');
  await page.locator('.task-card[data-task="rough"]').waitFor();
  return added;
}

/** The largest gap between the page's answers (`page[name] = {probs, rough}`) and the
 * command line's lines, over both tasks. */
function largestGap(page, photos, lines, first) {
  let worst = 0;
  for (const [i, line] of lines.entries()) {
    const want = page[photos[i].name];
    for (const c of CLASSES) worst = Math.max(worst, Math.abs(line.tasks[first].probs[c] - want.probs[c]));
    for (const c of ['Yes', 'No']) worst = Math.max(worst, Math.abs(line.tasks.rough.probs[c] - want.rough[c]));
  }
  return worst;
}

const taskClass = (page, cls) => page.locator(`.task-card[data-task="rough"] .task-class[data-class="${cls}"]`);

test('a second task is labelled, trained, previewed, kept and read by the command line', async () => {
  const browser = await launch();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-tasks-'));
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&store=tasks`);
    await ready(s.page);
    const added = await twoTasks(s.page, 71);
    await s.page.locator('#task-first').fill('texture');
    await s.page.locator('#task-first').press('Tab');

    // Its classes given by the same files; one file the project lacks is named, not added.
    const stranger = (await crops(s.page, 'brick', 'bottom', 1, 5))[0];
    stranger.name = 'stranger.png';
    for (const cls of ['Yes', 'No']) {
      const files = CLASSES.filter((c) => ROUGH[c] === cls).flatMap((c) => added[c]);
      if (cls === 'Yes') files.push(stranger);
      await s.page.getByRole('button', { name: `Give photos the class ${cls} in rough` }).setInputFiles(files);
    }
    await taskClass(s.page, 'Yes').and(s.page.locator(`[data-count="${2 * PER_CLASS}"]`)).waitFor();
    await taskClass(s.page, 'No').and(s.page.locator(`[data-count="${PER_CLASS}"]`)).waitFor();
    await s.page.locator('#notices', { hasText: "not one of the project's photos" }).waitFor();
    await s.page.locator('.task-card[data-task="rough"][data-labelled="18"]').waitFor();

    // Train fits the class cards' head and the task's.
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor({ timeout: SLOW });
    const figure = s.page.locator('.task-figure[data-task="rough"]');
    await figure.waitFor({ timeout: SLOW });
    const accuracy = Number(await figure.getAttribute('data-accuracy'));
    assert.ok(accuracy >= 0.7, `rough's cross-validated accuracy ${accuracy}`);

    // Held-out crops: both tasks answer, and the rough one is right for most.
    const held = [];
    for (const [i, c] of CLASSES.entries()) held.push(...await crops(s.page, c, 'bottom', 2, 91 + i));
    const page = {};
    let right = 0;
    for (const f of held) {
      const probs = await preview(s.page, f);
      await s.page.locator('.task-answer[data-task="rough"]').waitFor({ timeout: SLOW });
      const rough = await taskProbs(s.page, 'rough');
      page[f.name] = { probs, rough };
      const want = ROUGH[f.name.split('-')[0]];
      right += Number(rough[want] > 0.5);
    }
    assert.ok(right >= 4, `rough right on ${right} of ${held.length} held-out crops`);

    // A reload keeps the tasks, their labels and the model.
    await s.page.reload();
    await ready(s.page);
    await taskClass(s.page, 'Yes').and(s.page.locator(`[data-count="${2 * PER_CLASS}"]`)).waitFor({ timeout: SLOW });
    assert.equal(await s.page.locator('#task-first').inputValue(), 'texture');
    await s.page.locator('#model-classes', { hasText: 'brick, grass, gravel' }).waitFor({ timeout: SLOW });
    await preview(s.page, held[0]);
    await s.page.locator('.task-answer[data-task="rough"]').waitFor({ timeout: SLOW });
    const again = await taskProbs(s.page, 'rough');
    assert.ok(Math.abs(again.Yes - page[held[0].name].rough.Yes) < 1e-6, 'the same model after the reload');

    // The project file carries the tasks and their labels: opened in another store they
    // are there again, and the command line trains every task from it.
    const { projectFile, other } = await exportAndOpen(s.page, browser, server.origin, tmp, '?device=cpu&store=tasks-opened');
    await taskClass(other.page, 'Yes').and(other.page.locator(`[data-count="${2 * PER_CLASS}"]`)).waitFor({ timeout: SLOW });
    await taskClass(other.page, 'No').and(other.page.locator(`[data-count="${PER_CLASS}"]`)).waitFor({ timeout: SLOW });
    assert.equal(await other.page.locator('#task-first').inputValue(), 'texture');
    assert.deepEqual(other.problems(), []);
    await other.page.close();
    const run = spawnSync(GRAFT, ['train', projectFile, '--out', path.join(tmp, 'project.graft')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stderr, /18 distinct photos for 2 tasks embedded once/);
    assert.match(run.stderr, /wrote .* \(2 tasks, texture: 3 classes, rough: 2 classes\)/);

    // The model file answers both tasks on the command line as the page does.
    const { lines } = await predictOnCommandLine(s.page, tmp, held, 'tasks.graft');
    const worst = largestGap(page, held, lines, 'texture');
    console.log(`rough: cross-validated ${accuracy}, held out ${right}/${held.length}; page vs command line within ${worst.toExponential(1)}`);
    assert.ok(worst < 1e-3, `page and command line differ by ${worst}`);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});

test('fine-tuning trains the blocks on both tasks together', async () => {
  const browser = await launch();
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'graft-joint-'));
  try {
    const s = await openPage(browser, server.origin);
    await s.page.goto(`${server.origin}/?device=cpu&store=joint`);
    await ready(s.page);
    const added = await twoTasks(s.page, 171);
    for (const cls of ['Yes', 'No']) {
      const files = CLASSES.filter((c) => ROUGH[c] === cls).flatMap((c) => added[c]);
      await s.page.getByRole('button', { name: `Give photos the class ${cls} in rough` }).setInputFiles(files);
    }
    await s.page.locator('.task-card[data-task="rough"][data-labelled="18"]').waitFor();
    // The map of the photos, drawn from the backbone's features before training.
    await s.page.locator('#map-panel summary').click();
    await s.page.getByRole('button', { name: 'Draw the map', exact: true }).click();
    await s.page.locator('#map-canvas[data-points="18"]').waitFor({ timeout: SLOW });
    assert.equal(await s.page.locator('#map-tuned').count(), 0);
    await s.page.locator('summary', { hasText: 'Settings' }).click();
    await s.page.getByLabel('Solver', { exact: true }).selectOption('adam');
    await enter(s.page, 'Blocks to fine-tune', '1');
    await enter(s.page, 'Steps', '12');
    await s.page.getByRole('button', { name: 'Train', exact: true }).click();
    await s.page.locator('#train-notice', { hasText: 'trained together' }).waitFor({ timeout: SLOW });
    await s.page.locator('.task-figure[data-task="rough"]').waitFor();
    // The tuned blocks changed the features: the map redraws from them by itself.
    await s.page.locator('#map-tuned').waitFor({ timeout: SLOW });
    await s.page.locator('#map-canvas[data-points="18"]').waitFor();
    assert.equal(await s.page.locator('#map-model-stale').count(), 0);
    const held = [];
    for (const [i, c] of CLASSES.entries()) held.push(...await crops(s.page, c, 'bottom', 1, 191 + i));
    const page = {};
    for (const f of held) {
      const probs = await preview(s.page, f);
      await s.page.locator('.task-answer[data-task="rough"]').waitFor({ timeout: SLOW });
      page[f.name] = { probs, rough: await taskProbs(s.page, 'rough') };
    }
    const { model, lines } = await predictOnCommandLine(s.page, tmp, held, 'tasks.graft');
    const header = (await fs.readFile(model)).subarray(0, 16384).toString('latin1');
    assert.ok(header.includes('tail.head.weight') && header.includes('task.1.layers.0.weight'), 'one tuned tail, two heads');
    const worst = largestGap(page, held, lines, 'Task 1');
    console.log(`joint fine-tuning (K=1): page vs command line within ${worst.toExponential(1)}`);
    assert.ok(worst < 1e-3, `page and command line differ by ${worst}`);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
    await fs.rm(tmp, { recursive: true, force: true });
  }
});
