// graft's session worker: loads graft-worker's wasm, whose main answers the page's
// messages (src/web/worker.rs). A module worker, started by the page (worker-src 'self').
import init from './graft-worker.js';

await init({ module_or_path: './graft-worker_bg.wasm' });
