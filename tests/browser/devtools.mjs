// What the benchmarks read from Chromium's DevTools protocol: a trace's events on the
// page's thread, and a CPU profile's heaviest functions (profile-add.mjs, probe-reload.mjs).

/** End the trace begun on `cdp` (`complete`: its `Tracing.tracingComplete`), and return
 * the page's thread's complete events (the renderer main thread that ran the page's
 * script), in order, the longer first where two begin together. */
export async function pageThreadSpans(cdp, complete) {
  await cdp.send('Tracing.end');
  const { stream } = await complete;
  let text = '';
  for (;;) {
    const { data, eof, base64Encoded } = await cdp.send('IO.read', { handle: stream, size: 1 << 22 });
    text += base64Encoded ? Buffer.from(data, 'base64').toString() : data;
    if (eof) break;
  }
  const parsed = JSON.parse(text);
  const events = parsed.traceEvents ?? parsed;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain'
    && events.some((f) => f.pid === e.pid && f.tid === e.tid && f.name === 'FunctionCall'));
  return events.filter((e) => e.ph === 'X' && e.pid === main?.pid && e.tid === main?.tid && e.dur)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
}

/** A profile's call frame as "name file"; an anonymous function in a script also by its
 * place ("(anonymous) graft-web.js:1204:17"), since wasm-bindgen's glue is mostly those. */
function frameName({ functionName, url, lineNumber, columnNumber }) {
  const file = url.split('/').pop();
  const place = !functionName && file && lineNumber >= 0 ? `:${lineNumber + 1}:${columnNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${file}${place}`;
}

/** A CPU profile's `n` heaviest functions by own time, as "ms name file". */
export function heaviestFunctions(profile, n = 25) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((id, i) => {
    const key = frameName(byId.get(id).callFrame);
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self.entries()].filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${Math.round(v)} ${k}`);
}

/** The functions a CPU profile's samples between `from` and `to` (µs, the trace's clock)
 * were in: by own time and, counting each function once a sample, by time inside it;
 * each the `n` heaviest as "ms name file". */
export function heaviestIn(profile, from, to, n = 15) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const name = (id) => frameName(byId.get(id).callFrame);
  const [own, inside] = [new Map(), new Map()];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (at < from || at > to || name(id).startsWith('(idle)')) return;
    own.set(name(id), (own.get(name(id)) ?? 0) + ms);
    const seen = new Set();
    for (let k = id; k !== undefined; k = parent.get(k)) seen.add(name(k));
    for (const key of seen) inside.set(key, (inside.get(key) ?? 0) + ms);
  });
  const top = (map) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `${v.toFixed(1)} ${k}`);
  return { own: top(own), inside: top(inside) };
}
