// graft's session worker: loads graft-worker's wasm, whose main answers the page's
// messages (src/web/worker.rs). A module worker, started by the page (worker-src 'self').
import init from './graft-worker.js';

// The wasm memory is named for the benchmarks, which report its size (it only grows).
self.graftMemory = (await init({ module_or_path: './graft-worker_bg.wasm' })).memory;
