// Writes a brotli (.br) and a gzip (.gz) copy beside each of the app's files in a built
// dist/ (wasm, JS, CSS, HTML), for servers that send precompressed files:
// scripts/static-server.mjs does, and static hosts that look for .br/.gz beside a file.
// The backbone's weights (generated/) are left alone: floats barely compress.
//   node scripts/precompress.mjs DIR
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';

const KINDS = new Set(['.wasm', '.js', '.css', '.html']);
// Brotli's top quality (11) took 80 s for the worker's 37 MB wasm on the 2-core machine for
// 12 % less than quality 9 (4 s); small files get 11 (docs/benchmarks.md, "First load").
const BIG = 1 << 20;

const dir = process.argv[2] ?? 'dist';
const sizes = {};
for (const name of await fs.readdir(dir)) {
  if (!KINDS.has(path.extname(name))) continue;
  const file = path.join(dir, name);
  const body = await fs.readFile(file);
  const br = zlib.brotliCompressSync(body, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: body.length > BIG ? 9 : 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  await fs.writeFile(`${file}.br`, br);
  await fs.writeFile(`${file}.gz`, zlib.gzipSync(body, { level: 9 }));
  sizes[name] = br.length;
}
const total = Object.values(sizes).reduce((a, b) => a + b, 0);
console.log(`graft: precompressed ${Object.keys(sizes).length} files, ${(total / 1e6).toFixed(2)} MB as brotli`);
