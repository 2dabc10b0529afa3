import PDFDocument from 'pdfkit';
import { PDF_FONT, PDF_FONT_BOLD, registerPdfFonts, collectPdf } from './fonts.ts';

/** A document of figures: a title, a few lines saying what it is, then sections of label / value rows. */
export interface FiguresPrintData {
  title: string;
  intro: string[];
  sections: { heading: string; rows: [string, string][] }[];
  /** Closing lines (signatures, methodology). */
  footer?: string[];
}

const MARGIN = 50;

/** Programme reports and closing statements: figures people sign or file, laid out plainly. */
export function renderFiguresPdf(data: FiguresPrintData): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: false, info: { Title: data.title } });
  registerPdfFonts(doc);
  const done = collectPdf(doc);
  const width = doc.page.width - 2 * MARGIN;
  doc.font(PDF_FONT_BOLD).fontSize(16).text(data.title);
  doc.font(PDF_FONT).fontSize(10);
  for (const line of data.intro) doc.text(line);
  for (const section of data.sections) {
    doc.moveDown();
    doc.font(PDF_FONT_BOLD).fontSize(12).text(section.heading);
    doc.font(PDF_FONT).fontSize(10);
    for (const [label, value] of section.rows) {
      if (doc.y > doc.page.height - MARGIN - 30) doc.addPage();
      const y = doc.y;
      doc.text(label, MARGIN, y, { width: width - 140 });
      const after = doc.y;
      doc.text(value, MARGIN + width - 130, y, { width: 130, align: 'right' });
      doc.y = Math.max(after, doc.y);
    }
  }
  if (data.footer?.length) {
    doc.moveDown();
    for (const line of data.footer) doc.text(line, MARGIN, doc.y, { width });
  }
  doc.end();
  return done;
}
