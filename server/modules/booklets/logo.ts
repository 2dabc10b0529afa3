/**
 * Buyers' logos: only PNG and JPEG, at most 1 MB, decoded to pixels and re-encoded by us (pngjs,
 * jpeg-js) before anything is stored or printed. Whatever the uploaded file carried besides its
 * pixels (metadata, trailing data, a crafted chunk) is gone, and a file that does not decode is refused.
 */
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { invalidLogo } from './booklets.errors.ts';

export const LOGO_MAX_BYTES = 1024 * 1024;
export const LOGO_TYPES = ['image/png', 'image/jpeg'] as const;
export type LogoType = (typeof LOGO_TYPES)[number];
/** Enough for a sharp 4 cm logo at 600 dpi; decoding larger images would cost memory for nothing. */
const MAX_PIXELS = 4_000_000;

export interface ReencodedLogo {
  mime: LogoType;
  data: Buffer;
  width: number;
  height: number;
  sha256: string;
}

const refused = invalidLogo;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function reencodeLogo(input: { contentType: string | undefined; body: Buffer }): ReencodedLogo {
  const type = (input.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!(LOGO_TYPES as readonly string[]).includes(type)) {
    throw refused(`Logo au format PNG ou JPEG attendu (reçu : ${type || 'type inconnu'}).`);
  }
  if (input.body.length === 0) throw refused('Le fichier du logo est vide.');
  if (input.body.length > LOGO_MAX_BYTES) {
    throw refused(`Logo trop lourd : ${(input.body.length / 1024 / 1024).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} Mo, 1 Mo au maximum.`);
  }
  let data: Buffer;
  let width: number;
  let height: number;
  try {
    if (type === 'image/png') {
      if (!input.body.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('signature');
      const png = PNG.sync.read(input.body);
      ({ width, height } = png);
      if (width * height > MAX_PIXELS) throw new Error('size');
      data = PNG.sync.write(png, { colorType: 6 });
    } else {
      const raw = jpeg.decode(input.body, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 64 });
      ({ width, height } = raw);
      data = jpeg.encode({ width, height, data: raw.data }, 90).data;
    }
  } catch {
    throw refused(`Le fichier n’est pas une image ${type === 'image/png' ? 'PNG' : 'JPEG'} lisible (ou dépasse ${MAX_PIXELS / 1e6} millions de pixels).`);
  }
  return { mime: type as LogoType, data, width, height, sha256: createHash('sha256').update(data).digest('hex') };
}
