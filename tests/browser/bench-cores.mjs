// Diagnosis, not a test: how far two threads of the backbone's own work scale on this
// machine, with nothing else of a photo's (no file read, no IndexedDB, no messages a
// photo). K pages at once, each running `?bench` (the backbone on the CPU path, batch 1,
// in its own session worker), for K = 1, 2, 1: the ceiling on what two workers adding a
// folder can reach against one.
//   node tests/browser/bench-cores.mjs [iters=300] [pages each round=1,2,1,2]
import { serve, launch, openPage, closeBrowsers } from './harness.mjs';

const iters = Number(process.argv[2] ?? 300);
const server = await serve();
try {
  const rounds = [];
  for (const k of (process.argv[3] ?? "1,2,1,2").split(",").map(Number)) {
    const browser = await launch();
    try {
      const pages = [];
      for (let i = 0; i < k; i++) pages.push((await openPage(browser, server.origin)).page);
      const texts = await Promise.all(pages.map(async (page) => {
        await page.goto(`${server.origin}/?bench&device=cpu&batch=1&iters=${iters}`);
        const result = page.locator('#bench-result');
        await result.waitFor({ timeout: 900_000 });
        return (await result.textContent()).trim();
      }));
      rounds.push({ pages: k, results: texts.map((t) => JSON.parse(t)) });
      console.log(JSON.stringify(rounds.at(-1)));
    } finally {
      await browser.close();
      await closeBrowsers();
    }
  }
} finally {
  await server.close();
}
