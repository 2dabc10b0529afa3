import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';

export const PDF_FONT = 'DejaVuSans';
export const PDF_FONT_BOLD = 'DejaVuSans-Bold';

const require = createRequire(import.meta.url);
const FONT_FILES = {
  regular: require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff'),
  bold: require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff'),
};

/**
 * WOFF 1.0 → plain TrueType (sfnt), with node's zlib. fontkit can read WOFF itself, but it
 * re-inflates a table in pure JS every time it reads from it (≈ 2 s per document for DejaVu);
 * unwrapping once per process makes a document's font setup ≈ 1 ms. The glyphs are the same.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.readUInt32BE(0) !== 0x774f4646) throw new Error('fichier WOFF attendu'); // 'wOFF'
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables: { tag: number; checksum: number; data: Buffer }[] = [];
  for (let i = 0; i < numTables; i++) {
    const e = 44 + i * 20;
    const offset = woff.readUInt32BE(e + 4);
    const compLength = woff.readUInt32BE(e + 8);
    const origLength = woff.readUInt32BE(e + 12);
    const raw = woff.subarray(offset, offset + compLength);
    const data = compLength < origLength ? inflateSync(raw) : raw;
    if (data.length !== origLength) throw new Error('table WOFF corrompue');
    tables.push({ tag: woff.readUInt32BE(e), checksum: woff.readUInt32BE(e + 16), data });
  }
  tables.sort((a, b) => a.tag - b.tag);
  const pow2 = 2 ** Math.floor(Math.log2(numTables));
  const header = Buffer.alloc(12 + 16 * numTables);
  header.writeUInt32BE(flavor, 0);
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(pow2 * 16, 6);
  header.writeUInt16BE(Math.log2(pow2), 8);
  header.writeUInt16BE(numTables * 16 - pow2 * 16, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((table, i) => {
    const r = 12 + i * 16;
    header.writeUInt32BE(table.tag, r);
    header.writeUInt32BE(table.checksum, r + 4);
    header.writeUInt32BE(offset, r + 8);
    header.writeUInt32BE(table.data.length, r + 12);
    const padding = (4 - (table.data.length % 4)) % 4;
    parts.push(table.data, Buffer.alloc(padding));
    offset += table.data.length + padding;
  });
  return Buffer.concat(parts);
}

let fontData: { regular: Buffer; bold: Buffer } | null = null;

/**
 * Registers DejaVu Sans regular and bold (an open font with every French accent and €), read and
 * unwrapped once per process; pdfkit embeds each once per document, as a subset.
 */
export function registerPdfFonts(doc: PDFKit.PDFDocument): void {
  fontData ??= { regular: woffToSfnt(readFileSync(FONT_FILES.regular)), bold: woffToSfnt(readFileSync(FONT_FILES.bold)) };
  doc.registerFont(PDF_FONT, fontData.regular);
  doc.registerFont(PDF_FONT_BOLD, fontData.bold);
}

/** The whole document as one buffer, for small documents (invoices, statements) served in one reply. */
export function collectPdf(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}
