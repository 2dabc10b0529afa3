import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { woffToSfnt } from './booklet.ts';

export const PDF_FONT = 'DejaVuSans';
export const PDF_FONT_BOLD = 'DejaVuSans-Bold';

const require = createRequire(import.meta.url);
let fontData: { regular: Buffer; bold: Buffer } | null = null;

/** Registers DejaVu Sans (an open font with every French accent and €), embedded once per document. */
export function registerPdfFonts(doc: PDFKit.PDFDocument): void {
  fontData ??= {
    regular: woffToSfnt(readFileSync(require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff'))),
    bold: woffToSfnt(readFileSync(require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff'))),
  };
  doc.registerFont(PDF_FONT, fontData.regular);
  doc.registerFont(PDF_FONT_BOLD, fontData.bold);
}
