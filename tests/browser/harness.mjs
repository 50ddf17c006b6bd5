// Browser-test harness: serves dist/ on 127.0.0.1, drives headless Debian Chromium, and
// records every request, console error and uncaught exception so each test can assert
// that the page stayed on its own origin and logged no error.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve as serveDir } from '../../scripts/static-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = process.env.GRAFT_DIST ?? path.resolve(here, '../../dist');
const CHROMIUM = process.env.GRAFT_CHROMIUM ?? '/usr/bin/chromium';
// The CLI built by `cargo test` (scripts/test.sh runs it first), for page-against-CLI tests.
export const GRAFT = process.env.GRAFT_BIN ??
  path.join(process.env.CARGO_TARGET_DIR ?? path.resolve(here, '../../target'), 'debug/graft');
// The tests' fixture photos, served under /fixtures/.
export const FIXTURES = path.resolve(here, '../fixtures/images');
// The repository, and graft's Python (ONNX Runtime, Pillow: scripts/setup.sh makes it).
export const ROOT = path.resolve(here, '../..');
export const PYTHON = path.join(process.env.HOME ?? '', '.cache/graft/venv/bin/python');

/**
 * Serve `root` (default: the built page) on 127.0.0.1 at a free port; resolves to
 * { origin, close }. `mounts` maps a URL prefix ('/fixtures/') to another folder; `hold`
 * (pathname → a promise, or nothing) holds requests back.
 */
export const serve = (root = DIST, mounts = {}, hold = undefined) => serveDir(root, mounts, 0, hold);

/** One Chromium per set of flags, shared by a test file's tests (a launch costs ~1 s). */
const browsers = new Map();

/**
 * Headless Chromium for one test. `webgpu: true` adds --enable-unsafe-webgpu, which exposes
 * Chromium's SwiftShader adapter on a machine without a GPU; without it there is none. The
 * browser is shared with the file's other tests that ask for the same flags, but each test
 * sees only its own contexts (storage, caches, service workers), which `close()` closes;
 * `closeBrowsers()`, in the file's `after`, closes the browsers themselves.
 */
export async function launch({ webgpu = false, extraArgs = [] } = {}) {
  const args = [
    '--no-sandbox',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
    ...(webgpu ? ['--enable-unsafe-webgpu'] : []),
    ...extraArgs,
  ];
  const key = args.join(' ');
  let browser = await browsers.get(key);
  if (!browser?.isConnected()) {
    const started = chromium.launch({ executablePath: CHROMIUM, headless: true, args });
    browsers.set(key, started);
    browser = await started;
  }
  const contexts = [];
  return {
    newContext: async (options) => {
      const context = await browser.newContext(options);
      contexts.push(context);
      return context;
    },
    close: () => Promise.all(contexts.map((c) => c.close().catch(() => {}))),
  };
}

/** Close every browser `launch` started. */
export async function closeBrowsers() {
  const all = [...browsers.values()];
  browsers.clear();
  await Promise.all(all.map(async (b) => (await b).close()));
}

/**
 * Open a page that records what it does. `problems()` lists every request to an origin
 * other than `origin` (and `others`, for a page that embeds graft from a second origin),
 * console error and uncaught exception seen so far.
 */
export async function openPage(browser, origin, others = []) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const foreign = [];
  const errors = [];
  const requests = [];
  const allowed = (url) =>
    [origin, ...others].some((o) => url.startsWith(o + '/') || url === o) ||
    url.startsWith('data:') || url.startsWith('blob:');
  // Context-wide, so service-worker fetches are seen too.
  context.on('request', (req) => {
    requests.push(req.url());
    if (!allowed(req.url())) foreign.push(req.url());
  });
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  // GRAFT_CONSOLE=1: every console line of the page and its workers, for debugging.
  const echo = (where) => (msg) => process.env.GRAFT_CONSOLE && console.error(`[${where}] ${msg.text()}`);
  page.on('console', (msg) => {
    echo('page')(msg);
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  // The session's worker: its console errors are the page's problems too.
  page.on('worker', (worker) => worker.on('console', (msg) => {
    echo('worker')(msg);
    if (msg.type() === 'error') errors.push(`console.error in a worker: ${msg.text()}`);
  }));
  return {
    page,
    context,
    requests: () => [...requests],
    problems: () => [
      ...foreign.map((u) => `request to another origin: ${u}`),
      ...errors,
    ],
  };
}
