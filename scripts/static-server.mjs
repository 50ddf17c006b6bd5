// A static file server for the built page (dist/), used by scripts/serve.sh and the browser
// tests. Loopback only; no caching, so a rebuild is seen on the next reload.
//   node scripts/static-server.mjs DIR [PORT]
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  // WebAssembly.instantiateStreaming refuses any other type.
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
};

/**
 * The copy of `file` precompressed (scripts/precompress.mjs) in an encoding the request
 * accepts, brotli first, with its `content-encoding` set in `headers`; none if there is none.
 */
async function precompressed(file, accepted, headers) {
  const offered = accepted.split(',').map((e) => e.trim().split(';')[0]);
  for (const [encoding, ext] of [['br', '.br'], ['gzip', '.gz']]) {
    if (!offered.includes(encoding)) continue;
    const body = await fs.readFile(file + ext).catch(() => null);
    if (body) {
      headers['content-encoding'] = encoding;
      return body;
    }
  }
  return null;
}

/**
 * Serve `root` on 127.0.0.1 at `port` (0: a free one); resolves to { origin, close }.
 * `mounts` maps a URL prefix ('/generated/') to another folder. `hold(pathname)`, if given,
 * may return a promise that a request waits for (a test holds back the backbone's start).
 */
export async function serve(root, mounts = {}, port = 0, hold = () => undefined) {
  await fs.access(path.join(root, 'index.html')).catch(() => {
    throw new Error(`${root}/index.html is missing: build the page first (scripts/build-web.sh)`);
  });
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const pathname = decodeURIComponent(url.pathname);
    await hold(pathname);
    const mount = Object.keys(mounts).find((prefix) => pathname.startsWith(prefix));
    const base = path.resolve(mount ? mounts[mount] : root);
    let file = path.normalize(path.join(base, mount ? pathname.slice(mount.length) : pathname));
    if (!file.startsWith(base)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await fs.stat(file)).isDirectory()) file = path.join(file, 'index.html');
      const headers = {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
        vary: 'accept-encoding',
      };
      const body = await precompressed(file, req.headers['accept-encoding'] ?? '', headers) ??
        await fs.readFile(file);
      res.writeHead(200, headers);
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root = 'dist', port = '8080'] = process.argv.slice(2);
  const { origin } = await serve(root, {}, Number(port));
  console.log(`graft: serving ${root} at ${origin}/ (Ctrl-C stops)`);
}
