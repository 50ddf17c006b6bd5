// Benchmark (not a test): TF.js 4.22 running the same EfficientNet-Lite0 weights in the same
// headless Chromium as graft's ?bench, batch 8, on its WASM (SIMD), WebGL and WebGPU backends.
// One-time: (cd tests/browser/tfjs && npm ci --ignore-scripts). Then, after scripts/setup.sh:
//   node tests/browser/tfjs/compare.mjs [batch]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, launch, openPage, closeBrowsers } from '../harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const batch = Number(process.argv[2] ?? 8);
const server = await serve(here, { '/generated/': path.resolve(here, '../../../static/generated') });
try {
  for (const [backend, webgpu] of [['wasm', false], ['webgl', false], ['webgpu', true]]) {
    const browser = await launch({ webgpu });
    try {
      const { page } = await openPage(browser, server.origin);
      await page.goto(`${server.origin}/?backend=${backend}&batch=${batch}`);
      const result = page.locator('#bench-result[data-state]');
      await result.waitFor({ timeout: 600_000 });
      console.log((await result.textContent()).trim());
    } catch (e) {
      console.log(JSON.stringify({ engine: 'tfjs-4.22.0', backend, error: String(e).split('\n')[0] }));
    } finally {
      // A fresh browser for each case: none runs on another's warm caches.
      await browser.close();
      await closeBrowsers();
    }
  }
} finally {
  await server.close();
}
