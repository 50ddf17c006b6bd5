// The page starts a compute device, proves it with a self-test, and says which one it is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, openPage, closeBrowsers } from './harness.mjs';

// SwiftShader compiles shaders on the CPU: generous, but a hang still fails.
const START_TIMEOUT = 120_000;
let server;

before(async () => {
  server = await serve();
});
after(async () => {
  await closeBrowsers();
  await server?.close();
});

/** Load `query`, wait until start-up settles, return what the page shows. */
async function startPage(browser, query) {
  const session = await openPage(browser, server.origin);
  await session.page.goto(`${server.origin}/${query}`);
  const status = session.page.locator('#device-status:not([data-device="starting"])');
  await status.waitFor({ timeout: START_TIMEOUT });
  return {
    ...session,
    device: await status.getAttribute('data-device'),
    text: (await status.textContent()).trim(),
  };
}

async function assertSelfTestPassed(page) {
  const selftest = page.locator('#selftest');
  assert.equal(await selftest.getAttribute('data-passed'), 'true', await selftest.textContent());
  // Each of the 64 softmax rows sums to one.
  const checksum = Number(await selftest.getAttribute('data-checksum'));
  assert.ok(Math.abs(checksum - 64) < 1e-2, `checksum ${checksum}`);
  const maxError = Number(await selftest.getAttribute('data-max-error'));
  assert.ok(maxError <= 1e-4, `max error ${maxError}`);
}

test('run 1: with --enable-unsafe-webgpu and ?device=webgpu the page computes on WebGPU', async () => {
  const browser = await launch({ webgpu: true });
  try {
    const s = await startPage(browser, '?device=webgpu');
    assert.equal(s.device, 'webgpu', s.text);
    assert.match(s.text, /^Device: WebGPU — \S/);
    await assertSelfTestPassed(s.page);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('run 2: without WebGPU the page falls back to the CPU and computes right', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const s = await startPage(browser, '');
    assert.equal(s.device, 'cpu', s.text);
    assert.match(s.text, /^Device: CPU — WebGPU unavailable: .+/);
    await assertSelfTestPassed(s.page);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('?device=webgpu without an adapter shows an error in the page, not a silent fallback', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const s = await startPage(browser, '?device=webgpu');
    assert.equal(s.device, 'failed', s.text);
    const alert = s.page.getByRole('alert').filter({ hasText: 'Could not start' });
    assert.match(await alert.textContent(), /GPU was requested but is unavailable/);
    assert.match(await alert.textContent(), /without \?device=webgpu/);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('?device=cpu forces the CPU even where WebGPU works', async () => {
  const browser = await launch({ webgpu: true });
  try {
    const s = await startPage(browser, '?device=cpu');
    assert.equal(s.device, 'cpu', s.text);
    assert.match(s.text, /chosen with \?device=cpu/);
    await assertSelfTestPassed(s.page);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('an unknown ?device= value is reported in the page', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const s = await startPage(browser, '?device=tpu');
    assert.equal(s.device, 'failed', s.text);
    assert.match(s.text, /unknown device 'tpu'/);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('the Compute device setting switches paths by reloading with ?device=', async () => {
  const browser = await launch({ webgpu: true });
  try {
    const s = await startPage(browser, '?device=webgpu');
    assert.equal(s.device, 'webgpu', s.text);
    await s.page.getByRole('radio', { name: 'CPU', exact: true }).check();
    await s.page.waitForURL(/device=cpu/);
    const status = s.page.locator('#device-status[data-device="cpu"]');
    await status.waitFor({ timeout: START_TIMEOUT });
    assert.match(await status.textContent(), /chosen with \?device=cpu/);
    assert.equal(await s.page.getByRole('radio', { name: 'CPU', exact: true }).isChecked(), true);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});

test('?theme= sets the colours; without it the reader\'s system setting does', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const s = await openPage(browser, server.origin);
    const background = () => s.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const LIGHT = 'rgb(247, 248, 250)';
    const DARK = 'rgb(20, 23, 28)';
    await s.page.emulateMedia({ colorScheme: 'dark' });
    for (const [query, want] of [['', DARK], ['?theme=auto', DARK], ['?theme=light', LIGHT], ['?theme=bogus', DARK]]) {
      await s.page.goto(`${server.origin}/${query}`);
      assert.equal(await background(), want, query);
    }
    await s.page.emulateMedia({ colorScheme: 'light' });
    for (const [query, want] of [['', LIGHT], ['?theme=dark', DARK]]) {
      await s.page.goto(`${server.origin}/${query}`);
      assert.equal(await background(), want, query);
    }
    // The system setting changing under an open page: followed without a reload.
    await s.page.goto(`${server.origin}/`);
    await s.page.emulateMedia({ colorScheme: 'dark' });
    await s.page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    assert.equal(await background(), DARK);
    assert.deepEqual(s.problems(), []);
  } finally {
    await browser.close();
  }
});
