// The path a person with a photo library takes, timed: add a folder of classes, train,
// reload, preview. Shared by the scale test (1 000 images) and bench-scale.mjs (10 000).
import { card, preview } from './teach-helpers.mjs';

/**
 * Wait until every class card `names[i]` shows `counts[i]`: checked in the page every
 * 100 ms with one selector (Playwright's role queries, one a class, took seconds a round
 * on thousands of thumbnails, on the page's thread).
 */
function allCounted(page, names, counts, timeout) {
  return page.waitForFunction(({ names, counts }) => {
    const want = new Map(names.map((n, i) => [`Class ${n}`, String(counts[i])]));
    const right = [...document.querySelectorAll('section.class-card')]
      .filter((c) => want.get(c.getAttribute('aria-label')) === c.querySelector('.count')?.dataset.count);
    return right.length === names.length;
  }, { names, counts }, { timeout, polling: 100 });
}

/** The Train button (the panel's primary one). */
const TRAIN = 'button.primary:text-is("Train")';

/**
 * In `page` (open, backbone ready, a fresh project), add the folder `dir` whose sub-folders
 * are `names`, `counts[i]` images each; train; reload; preview `held`. Returns the figures.
 */
export async function scalePath(page, dir, { names, counts }, held, timeout) {
  const figures = {};
  const watch = () => page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((l) => window.longTasks.push(...l.getEntries().map((e) => [e.duration, e.startTime]))).observe({ type: 'longtask' });
  });
  const longest = async () => Math.round(Math.max(0, ...(await page.evaluate(() => window.longTasks.map(([ms]) => ms)))));
  // The three longest since `window.longTasks` was emptied, and when each began, in s after
  // `window.since` (ms of the page's clock: 0 is its load).
  const whenLong = () => page.evaluate(() => [...window.longTasks].sort((a, b) => b[0] - a[0]).slice(0, 3)
    .map(([ms, at]) => `${Math.round(ms)} ms at +${((at - (window.since ?? 0)) / 1000).toFixed(1)} s`));
  // Memory: the page's JS heap, sampled (its peak); each wasm memory's size, which only
  // grows, so its last size is its peak (the page's, then each worker's).
  let peakHeap = 0;
  const heap = async () => {
    const used = await page.evaluate(() => performance.memory.usedJSHeapSize).catch(() => 0);
    peakHeap = Math.max(peakHeap, used);
  };
  const mb = (bytes) => Math.round(bytes / 1e6);
  const wasm = async () => [
    await page.evaluate(() => window.graftMemory?.buffer.byteLength ?? 0),
    ...(await Promise.all(page.workers().map((w) => w.evaluate(() => self.graftMemory?.buffer.byteLength ?? 0).catch(() => 0)))),
  ].map(mb);
  // The starter project's two empty classes go: the folder brings its own.
  for (const starter of ['Class 1', 'Class 2']) {
    await page.getByRole('button', { name: `Delete class ${starter}` }).click();
  }
  await watch();
  // The page's own thread's busy seconds (Chromium's `TaskDuration`): what of the two
  // cores the page takes from the workers while they embed.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const busy = async () => (await cdp.send('Performance.getMetrics')).metrics
    .find((m) => m.name === 'TaskDuration')?.value ?? 0;
  const busyBefore = await busy();
  let started = Date.now();
  await page.getByRole('button', { name: 'Add a folder of classes' }).setInputFiles(dir);
  // The task that hands the picked files to the page (Chromium's, ~300 ms for 1 000 files
  // here; the page's own change handler in it took 17 ms in a trace) is counted apart.
  // Long-task entries are delivered after their task: wait for them.
  await page.waitForTimeout(200);
  figures.pick_task_ms = await longest();
  await page.evaluate(() => { window.longTasks = []; });
  // The embedding bar every 30 s on stderr, for long runs.
  const tick = setInterval(async () => {
    await heap();
    const bar = await page.locator('#embed-progress span').textContent().catch(() => null);
    if (bar) console.error(`[${Math.round((Date.now() - started) / 1000)} s] ${bar}`);
  }, 30_000);
  try {
    await allCounted(page, names, counts, timeout);
  } finally {
    clearInterval(tick);
  }
  const total = counts.reduce((a, b) => a + b, 0);
  figures.photos = total;
  figures.embed_s = (Date.now() - started) / 1000;
  figures.photos_per_s = Math.round((total / figures.embed_s) * 10) / 10;
  const busyAdding = (await busy()) - busyBefore;
  figures.page_thread_busy_share = Math.round((busyAdding / figures.embed_s) * 100) / 100;
  figures.page_thread_ms_a_photo = Math.round((busyAdding / total) * 1e4) / 10;

  figures.longest_task_adding_ms = await longest();
  // When the longest tasks while training came, in s after the click.
  await page.evaluate(() => { window.longTasks = []; window.since = performance.now(); });
  started = Date.now();
  // CSS queries for the buttons while tasks are counted: Playwright's role engine walks
  // the whole page on its thread (`trace-train.mjs 50 200 profile`: 118 ms of a 126 ms
  // task at 10 000 photos was its `queryRole`), which is the harness's work, not graft's.
  await page.locator(TRAIN).click();
  await page.locator('#train-result').waitFor({ timeout });
  figures.train_s = (Date.now() - started) / 1000;
  figures.train_result = await page.locator('#train-result').textContent();
  figures.longest_task_ms = await longest();
  figures.long_tasks_training = await whenLong();
  await heap();
  figures.peak_page_heap_mb = mb(peakHeap);
  figures.wasm_mb = await wasm();
  figures.storage_mb = await page.evaluate(async () => Math.round((await navigator.storage.estimate()).usage / 1e6));

  // Reload: usable when every class card shows its count and Train is enabled.
  started = Date.now();
  await page.reload();
  await watch();
  await allCounted(page, names, counts, timeout);
  await page.locator(`${TRAIN}:enabled`).waitFor({ timeout });
  figures.usable_after_reload_s = (Date.now() - started) / 1000;
  const probs = await preview(page, held);
  figures.preview_top = Object.entries(probs).sort((a, b) => b[1] - a[1])[0][0];
  figures.longest_task_after_reload_ms = await longest();
  figures.long_tasks_after_reload = await whenLong();

  // The map of the photos and the suspect labels (issue 18), worked out in the worker.
  await page.evaluate(() => { window.longTasks = []; });
  started = Date.now();
  await page.locator('#map-panel summary').click();
  await page.locator('#map-panel button:text-is("Draw the map")').click();
  await page.locator(`#map-canvas[data-points="${total}"]`).waitFor({ timeout });
  figures.map_s = (Date.now() - started) / 1000;
  figures.suspects_listed = await page.locator('#suspects li').count();
  figures.longest_task_map_ms = await longest();

  // A jump to the last class's card, as a person scrolling down the classes: the cards
  // near it draw their first 48 photos (read back from the store), a card's 12 a task,
  // the cards in turn (ui/turns.rs).
  await page.evaluate(() => { window.longTasks = []; });
  started = Date.now();
  const last = page.locator(`section.class-card[aria-label="Class ${names.at(-1)}"]`);
  await last.scrollIntoViewIfNeeded();
  await last.locator('li.thumb img').nth(Math.min(48, counts.at(-1)) - 1).waitFor({ timeout });
  figures.last_card_drawn_s = (Date.now() - started) / 1000;
  figures.longest_task_scroll_ms = await longest();
  return figures;
}

export { card };
