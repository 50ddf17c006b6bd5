// Browser-test harness: serves dist/ on 127.0.0.1, drives headless Debian Chromium, and
// records every request, console error and uncaught exception so each test can assert
// that the page stayed on its own origin and logged no error.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = process.env.GRAFT_DIST ?? path.resolve(here, '../../dist');
const CHROMIUM = process.env.GRAFT_CHROMIUM ?? '/usr/bin/chromium';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
};

/**
 * Serve `root` on 127.0.0.1 at a free port; resolves to { origin, close }. `mounts` maps a
 * URL prefix ('/generated/') to another folder.
 */
export async function serve(root = DIST, mounts = {}) {
  await fs.access(path.join(root, 'index.html')).catch(() => {
    throw new Error(`${root}/index.html is missing: build the app first (trunk build)`);
  });
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const pathname = decodeURIComponent(url.pathname);
    const mount = Object.keys(mounts).find((prefix) => pathname.startsWith(prefix));
    const base = mount ? mounts[mount] : root;
    let file = path.normalize(path.join(base, mount ? pathname.slice(mount.length) : pathname));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await fs.stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const body = await fs.readFile(file);
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Launch headless Chromium. `webgpu: true` adds --enable-unsafe-webgpu, which exposes
 * Chromium's SwiftShader adapter on a machine without a GPU; without it there is none.
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
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/**
 * Open a page that records what it does. `problems()` lists every request to another
 * origin, console error and uncaught exception seen so far.
 */
export async function openPage(browser, origin) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const foreign = [];
  const errors = [];
  const requests = [];
  const allowed = (url) =>
    url.startsWith(origin + '/') || url === origin ||
    url.startsWith('data:') || url.startsWith('blob:');
  // Context-wide, so service-worker fetches are seen too.
  context.on('request', (req) => {
    requests.push(req.url());
    if (!allowed(req.url())) foreign.push(req.url());
  });
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
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
