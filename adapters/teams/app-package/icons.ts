/**
 * The app's icons, drawn in code so the package needs no binary files: a 192×192 colour icon (a white key on
 * the accent colour) and a 32×32 outline icon (the white key on transparency), as Teams requires.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from './zip.ts';

export const ACCENT = '#3F51B5';

type Rgba = [number, number, number, number];

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGBA PNG of `size`×`size` whose pixels `paint` chooses. */
export function png(size: number, paint: (x: number, y: number) => Rgba): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    for (let x = 0; x < size; x++) rows.set(paint(x, y), row + 1 + x * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** Is the point (in a 0..1 square) on the key: a ring on the left, a shaft to the right with two teeth? */
function onKey(u: number, v: number): boolean {
  const ring = Math.hypot(u - 0.32, v - 0.5);
  if (ring <= 0.2 && ring >= 0.09) return true;
  if (u >= 0.48 && u <= 0.86 && v >= 0.45 && v <= 0.55) return true;
  if (v > 0.55 && v <= 0.68 && ((u >= 0.7 && u <= 0.76) || (u >= 0.8 && u <= 0.86))) return true;
  return false;
}

const hex = (color: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number];

export function colorIcon(): Buffer {
  const [r, g, b] = hex(ACCENT);
  return png(192, (x, y) => (onKey((x + 0.5) / 192, (y + 0.5) / 192) ? [255, 255, 255, 255] : [r, g, b, 255]));
}

export function outlineIcon(): Buffer {
  return png(32, (x, y) => (onKey((x + 0.5) / 32, (y + 0.5) / 32) ? [255, 255, 255, 255] : [0, 0, 0, 0]));
}
