// graft's service worker: keeps the app shell (page, script, wasm, styles) so the page also
// opens offline. Network first, so a new build is picked up at once when online. The backbone
// weights and labels are not kept here: the app caches and checksums them itself.
const CACHE = 'graft-shell-v1';

async function precacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch('./', { cache: 'no-store' });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put('./', response);
  // Trunk writes the hashed script, wasm and CSS names into index.html.
  // The session's worker (src/web/worker.rs) is started by the page, not named in it.
  const worker = ['worker.js', 'graft-worker.js', 'graft-worker_bg.wasm'];
  const urls = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]).concat(worker)
    .map((u) => new URL(u, self.location.href))
    .filter((u) => u.origin === self.location.origin && !u.pathname.includes('/generated/'));
  await Promise.all(urls.map((u) => cache.add(u.href).catch(() => {})));
}

self.addEventListener('install', (event) => {
  event.waitUntil(precacheShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.includes('/generated/')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok) await cache.put(event.request, response.clone());
      return response;
    } catch (error) {
      // Offline: the query string (?device=cpu) does not change the shell.
      const cached = (await cache.match(event.request, { ignoreSearch: true })) ??
        (event.request.mode === 'navigate' ? await cache.match('./') : undefined);
      if (cached) return cached;
      throw error;
    }
  })());
});
