import { inflateSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import jsQRModule from 'jsqr';

// jsqr is a CommonJS bundle: its function is module.exports.default.
const jsQR = jsQRModule.default;

export interface GreyImage {
  width: number;
  height: number;
  pixels: Buffer;
}

/** Page `page` of the PDF as an 8-bit grey image (PGM from pdftoppm). */
export function rasterise(path: string, page: number, dpi = 150): { width: number; height: number; pixels: Buffer } {
  const pgm = execFileSync('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), '-gray', path], { maxBuffer: 64 * 1024 * 1024 });
  // Header: "P5", width, height, maxval, separated by whitespace, then one byte per pixel.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('PGM attendu');
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, pixels: pgm.subarray(header[0].length, header[0].length + width * height) };
}

/** Decodes the QR code found in a rectangle of a grey image (fractions of the page). */
export function decodeQr(img: GreyImage, box: { x: number; y: number; w: number; h: number }): string | null {
  const x0 = Math.floor(box.x * img.width);
  const y0 = Math.floor(box.y * img.height);
  const w = Math.floor(box.w * img.width);
  const h = Math.floor(box.h * img.height);
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = img.pixels[(y0 + y) * img.width + x0 + x] ?? 255;
      const o = (y * w + x) * 4;
      rgba[o] = v;
      rgba[o + 1] = v;
      rgba[o + 2] = v;
      rgba[o + 3] = 255;
    }
  }
  return jsQR(rgba, w, h)?.data ?? null;
}

/**
 * The Unicode characters a PDF's fonts say they draw (their ToUnicode maps). pdftotext prints
 * U+202F and U+00A0 as plain spaces; this tells which space the document really holds.
 */
export function mappedCharacters(pdf: Buffer): Set<number> {
  const chars = new Set<number>();
  const raw = pdf.toString('latin1');
  for (const match of raw.matchAll(/stream\r?\n/g)) {
    const start = match.index + match[0].length;
    const end = raw.indexOf('endstream', start);
    let text: string;
    try {
      text = inflateSync(pdf.subarray(start, end)).toString('latin1');
    } catch {
      continue;
    }
    if (!text.includes('begincmap')) continue;
    for (const range of text.matchAll(/<[0-9a-f]+>\s*<[0-9a-f]+>\s*\[([^\]]*)\]/gi)) {
      for (const hex of range[1]!.matchAll(/<([0-9a-f]+)>/gi)) chars.add(parseInt(hex[1]!, 16));
    }
    for (const pair of text.matchAll(/<[0-9a-f]+>\s*<([0-9a-f]{4})>\s*$/gim)) chars.add(parseInt(pair[1]!, 16));
  }
  return chars;
}
