import { serve, launch, openPage, DIST } from './harness.mjs';
const server = await serve(DIST);
for (const [webgpu, q] of [[false, 'cpu&bench=train'], [false, 'cpu&bench'], [true, 'webgpu&bench'], [true, 'webgpu&bench=train']]) {
  const browser = await launch({ webgpu });
  const s = await openPage(browser, server.origin);
  await s.page.goto(`${server.origin}/?device=${q}`);
  await s.page.locator('#bench-result').waitFor({ timeout: 600000 });
  console.log(q, await s.page.locator('#bench-result').textContent());
  await browser.close();
}
await server.close();
