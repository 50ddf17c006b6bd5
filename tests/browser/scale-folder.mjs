// A folder of real-photo crops for the scale test and benchmark, made at run time: one
// sub-folder a class, each class a region of one fixture photo (10 photos x up to 5 regions:
// 50 classes), each image a different seeded crop of it (64-160 px, JPEG), and, if asked,
// some of them upscaled to 12 megapixels (4000 x 3000).
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const PHOTOS = ['astronaut.png', 'brick.png', 'camera.png', 'chelsea.png', 'coffee.png', 'grass.png',
  'gravel.png', 'motorcycle_left.png', 'rocket.jpg', 'logo.png'];
/** Regions of a photo as fractions [x, y, w, h]: the four quarters and the centre. */
const REGIONS = [[0, 0, 0.5, 0.5], [0.5, 0, 0.5, 0.5], [0, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.25, 0.25, 0.5, 0.5]];

/** The class names for `classes` classes (at most 50): `<photo>-<region>`. */
export function classNames(classes) {
  return Array.from({ length: classes }, (_, c) =>
    `${PHOTOS[c % PHOTOS.length].replace(/\..*/, '')}-r${Math.floor(c / PHOTOS.length)}`);
}

/**
 * Write `perClass` crops for each of `classes` classes under `dir/<class>/`, `large` of them
 * in all as 12-MP JPEGs; cut in `page` (any page of the test server, which serves /fixtures/).
 * A crop that came out the same as another is not written (the page would refuse it as a
 * duplicate). Returns `{ names, counts }`: the classes and how many images each has.
 */
export async function writeScaleFolder(page, dir, { classes, perClass, large = 0 }) {
  const names = classNames(classes);
  const counts = [];
  const seen = new Set();
  const largeEvery = large > 0 ? Math.max(1, Math.floor((classes * perClass) / large)) : 0;
  let index = 0;
  for (const [c, name] of names.entries()) {
    await fs.mkdir(path.join(dir, name), { recursive: true });
    counts.push(0);
    for (let start = 0; start < perClass; start += 50) {
      const count = Math.min(50, perClass - start);
      const bigs = [];
      for (let i = 0; i < count; i++) bigs.push(largeEvery > 0 && (index + i) % largeEvery === 0);
      index += count;
      const list = await page.evaluate(async ({ file, region, seed, count, bigs }) => {
        let s = seed;
        const rand = (k) => { s = (s * 1103515245 + 12345) % 2147483648; return s % k; };
        const img = await createImageBitmap(await (await fetch(`/fixtures/${file}`)).blob());
        const [rx, ry, rw, rh] = [region[0] * img.width, region[1] * img.height, region[2] * img.width, region[3] * img.height];
        const out = [];
        for (let i = 0; i < count; i++) {
          const size = Math.min(Math.floor(Math.min(rw, rh)), 64 + rand(97));
          // A fraction of a pixel off the grid, so that two crops of one place differ.
          const x = Math.floor(rx + rand(Math.floor(rw - size) + 1)) + rand(100) / 100;
          const y = Math.floor(ry + rand(Math.floor(rh - size) + 1)) + rand(100) / 100;
          const [w, h] = bigs[i] ? [4000, 3000] : [size, size];
          const canvas = new OffscreenCanvas(w, h);
          canvas.getContext('2d').drawImage(img, x, y, size, size, 0, 0, w, h);
          const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 })).arrayBuffer());
          let bin = '';
          for (let j = 0; j < bytes.length; j += 0x8000) bin += String.fromCharCode(...bytes.subarray(j, j + 0x8000));
          out.push(btoa(bin));
        }
        return out;
      }, { file: PHOTOS[c % PHOTOS.length], region: REGIONS[Math.floor(c / PHOTOS.length)], seed: 1000 * c + start + 7, count, bigs });
      for (const [i, b64] of list.entries()) {
        const bytes = Buffer.from(b64, 'base64');
        const hash = crypto.createHash('sha256').update(bytes).digest('hex');
        if (seen.has(hash)) continue;
        seen.add(hash);
        counts[c] += 1;
        await fs.writeFile(path.join(dir, name, `${name}-${start + i}.jpg`), bytes);
      }
    }
  }
  return { names, counts };
}
