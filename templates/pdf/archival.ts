import PDFDocument from 'pdfkit';
import { collectPdf, registerPdfFonts, PDF_FONT } from './fonts.ts';

export const ARCHIVAL_MARGIN = 50;

/**
 * An A4 document for a public accountant's archive (PDF/A): the invoice and the credit note are
 * PDF/A-3b (they carry their Factur-X XML), the place's attestation PDF/A-2b. Dated at noon UTC of
 * the issue day so that the file's dates do not depend on when it is printed again.
 */
export function archivalPdf(options: { subset: 'PDF/A-2b' | 'PDF/A-3b'; title: string; author: string; issuedOn: string }): {
  doc: PDFKit.PDFDocument;
  done: Promise<Buffer>;
  issued: Date;
} {
  const issued = new Date(`${options.issuedOn}T12:00:00Z`);
  const doc = new PDFDocument({
    size: 'A4',
    margin: ARCHIVAL_MARGIN,
    pdfVersion: '1.7',
    subset: options.subset,
    lang: 'fr-FR',
    // No default font: PDF/A embeds every font, and the standard Helvetica is not embedded.
    font: null as unknown as string,
    info: { Title: options.title, Author: options.author, CreationDate: issued, ModDate: issued },
  });
  registerPdfFonts(doc);
  doc.font(PDF_FONT);
  return { doc, done: collectPdf(doc), issued };
}
