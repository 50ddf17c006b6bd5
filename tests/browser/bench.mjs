// Benchmark (not a test): the page's ?bench figures for the CPU path and WebGPU (SwiftShader
// here), batch 8, printed as JSON lines. Run after `trunk build --release`:
//   node tests/browser/bench.mjs [batch]
import { serve, launch, openPage, closeBrowsers } from './harness.mjs';

const batch = Number(process.argv[2] ?? 8);
const server = await serve();
try {
  for (const [device, webgpu] of [['cpu', false], ['webgpu', true]]) {
    const browser = await launch({ webgpu });
    try {
      const { page } = await openPage(browser, server.origin);
      await page.goto(`${server.origin}/?bench&device=${device}&batch=${batch}`);
      const result = page.locator('#bench-result');
      await result.waitFor({ timeout: 900_000 });
      console.log((await result.textContent()).trim());
    } finally {
      // A fresh browser for each case: none runs on another's warm caches.
      await browser.close();
      await closeBrowsers();
    }
  }
} finally {
  await server.close();
}
