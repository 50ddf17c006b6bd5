// Chromium's CPU time from /proc (Linux), for the benchmarks that say where the cores went:
// by process (bench-idb.mjs, bench-files.mjs) or by thread (profile-add.mjs).
import fs from 'node:fs/promises';

/** CPU ms so far of Chromium's browser process and its renderers (utime + stime, proc(5)). */
export async function chromiumCpu() {
  const out = { browser: 0, renderer: 0 };
  for (const pid of await fs.readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmd.includes('chrom')) continue;
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const f = (/\) \S+ (.*)/.exec(stat)?.[1] ?? '').split(' ');
    const ms = (Number(f[10]) + Number(f[11])) * 10; // USER_HZ: 100 a second
    if (!Number.isFinite(ms)) continue;
    if (cmd.includes('--type=renderer')) out.renderer += ms;
    else if (!cmd.includes('--type=')) out.browser += ms;
  }
  return out;
}

/** CPU ms so far of every thread of every Chromium process, keyed `tid type/thread`. */
export async function cpuByThread() {
  const tick = 10; // USER_HZ: 100 a second on Linux
  const out = new Map();
  for (const pid of await fs.readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmd.includes('chrom')) continue;
    const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
    const util = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1];
    const proc = util ? util.split('.').pop() : type;
    for (const tid of await fs.readdir(`/proc/${pid}/task`).catch(() => [])) {
      const stat = await fs.readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
      const m = /\((.*)\) \S+ (.*)/.exec(stat);
      if (!m) continue;
      const f = m[2].split(' ');
      // After the state: ppid is f[0], utime f[10], stime f[11] (proc(5)). Thread names end in a number per thread of a kind: counted together.
      out.set(`${tid} ${proc}/${m[1].replace(/\d+$/, '')}`, (Number(f[10]) + Number(f[11])) * tick);
    }
  }
  return out;
}
