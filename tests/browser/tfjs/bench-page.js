// TF.js 4 running graft's EfficientNet-Lite0 weights (BN folded, fused conv + bias + ReLU6),
// timed like graft's ?bench: one warm-up batch, then timed batches. ?backend=wasm|webgl|webgpu.
const params = new URLSearchParams(location.search);
const backend = params.get('backend') ?? 'wasm';
const batch = Number(params.get('batch') ?? 8);
const ITERS = 3;
const out = document.getElementById('bench-result');

function f16(h) {
  const s = (h & 0x8000) ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + m / 1024);
}

async function loadSafetensors(url) {
  const buf = await (await fetch(url)).arrayBuffer();
  const n = Number(new DataView(buf).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, n)));
  const tensors = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = t.data_offsets;
    const bytes = buf.slice(8 + n + a, 8 + n + b);
    const values = t.dtype === 'F16' ? Float32Array.from(new Uint16Array(bytes), f16) : new Float32Array(bytes);
    tensors[name] = { shape: t.shape, values };
  }
  return tensors;
}

function build(w) {
  // graft stores conv weights as PyTorch OIHW; TF.js wants HWIO (depthwise: HW C 1).
  const conv = (name) => tf.tensor(w[`${name}.weight`].values, w[`${name}.weight`].shape).transpose([2, 3, 1, 0]);
  const dw = (name) => tf.tensor(w[`${name}.weight`].values, w[`${name}.weight`].shape).transpose([2, 3, 0, 1]);
  const bias = (name) => tf.tensor(w[`${name}.bias`].values);
  const layers = { stem: [conv('stem'), bias('stem')], blocks: [], head: [conv('head'), bias('head')] };
  for (let i = 0; w[`blocks.${i}.depthwise.weight`]; i++) {
    const p = `blocks.${i}`;
    layers.blocks.push({
      expand: w[`${p}.expand.weight`] ? [conv(`${p}.expand`), bias(`${p}.expand`)] : null,
      depthwise: [dw(`${p}.depthwise`), bias(`${p}.depthwise`)],
      project: [conv(`${p}.project`), bias(`${p}.project`)],
    });
  }
  // Strides of the 16 blocks (EfficientNet-Lite0), as in graft's src/model/efficientnet.rs.
  const strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1];
  return (x) => tf.tidy(() => {
    let h = tf.fused.conv2d({ x, filter: layers.stem[0], bias: layers.stem[1], strides: 2, pad: 'same', activation: 'relu6' });
    layers.blocks.forEach((b, i) => {
      const input = h;
      let y = b.expand ? tf.fused.conv2d({ x: h, filter: b.expand[0], bias: b.expand[1], strides: 1, pad: 'same', activation: 'relu6' }) : h;
      y = tf.fused.depthwiseConv2d({ x: y, filter: b.depthwise[0], bias: b.depthwise[1], strides: strides[i], pad: 'same', activation: 'relu6' });
      y = tf.fused.conv2d({ x: y, filter: b.project[0], bias: b.project[1], strides: 1, pad: 'same' });
      h = strides[i] === 1 && input.shape[3] === y.shape[3] ? tf.add(y, input) : y;
    });
    h = tf.fused.conv2d({ x: h, filter: layers.head[0], bias: layers.head[1], strides: 1, pad: 'same', activation: 'relu6' });
    return tf.mean(h, [1, 2]); // [B, 1280]
  });
}

try {
  if (backend === 'wasm') tf.wasm.setWasmPaths('node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  await tf.ready();
  const forward = build(await loadSafetensors('/generated/efficientnet_lite0.safetensors'));
  const x = tf.randomUniform([batch, 224, 224, 3], -1, 1);
  let t = performance.now();
  await forward(x).data();
  const warmup = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < ITERS; i++) await forward(x).data();
  const ms = (performance.now() - t) / (ITERS * batch);
  out.dataset.state = 'done';
  out.textContent = JSON.stringify({ engine: 'tfjs-4.22.0', backend: tf.getBackend(), batch, iters: ITERS,
    ms_per_image: Math.round(ms * 100) / 100, warmup_ms: Math.round(warmup) });
} catch (e) {
  out.dataset.state = 'failed';
  out.textContent = String(e);
}
