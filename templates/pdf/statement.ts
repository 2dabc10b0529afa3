import PDFDocument from 'pdfkit';
import { formatEuros } from '../../server/shared/money.ts';
import { formatFrenchDate, formatFrenchDateTime, frenchMonth } from '../../server/shared/paris-time.ts';
import { PDF_FONT, PDF_FONT_BOLD, registerPdfFonts, collectPdf } from './fonts.ts';

export interface StatementPrintData {
  reference: string;
  period: string;
  placeName: string;
  placeAddress: string | null;
  placeSiret: string | null;
  operatorName: string;
  ibanMasked: string;
  status: string;
  rejectionReason: string | null;
  expectedPaymentDate: string | null;
  totalCents: number;
  lines: { redeemedAt: string; code: string; siteName: string; service: string | null; amountCents: number }[];
}

const MARGIN = 50;
export { frenchMonth };

/** A place's monthly statement: every pass it accepted that month, and what it is paid. */
export function renderStatementPdf(data: StatementPrintData): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: false, info: { Title: `Relevé ${data.reference}` } });
  registerPdfFonts(doc);
  const done = collectPdf(doc);
  const width = doc.page.width - 2 * MARGIN;
  doc.font(PDF_FONT_BOLD).fontSize(18).text(`Relevé de remboursement — ${frenchMonth(data.period)}`);
  doc.font(PDF_FONT).fontSize(10).text(`Référence ${data.reference} — émis par ${data.operatorName}`);
  doc.moveDown();
  doc.font(PDF_FONT_BOLD).text(data.placeName);
  doc.font(PDF_FONT).text([data.placeAddress, data.placeSiret ? `SIRET ${data.placeSiret}` : null, `Compte crédité : ${data.ibanMasked}`].filter(Boolean).join('\n'));
  doc.moveDown();
  doc.font(PDF_FONT_BOLD).fontSize(12).text(`Montant remboursé : ${formatEuros(data.totalCents)} pour ${data.lines.length} pass`);
  doc.font(PDF_FONT).fontSize(10);
  if (data.status === 'rejected') doc.text(`Virement rejeté par la banque${data.rejectionReason ? ` : ${data.rejectionReason}` : ''}. Il sera repris dans un prochain lot.`);
  else if (data.expectedPaymentDate) doc.text(`${data.status === 'paid' ? 'Virement exécuté le' : 'Date de virement prévue :'} ${formatFrenchDate(data.expectedPaymentDate)}`);
  doc.moveDown();

  const cols = [MARGIN, MARGIN + 105, MARGIN + 250, MARGIN + 380, MARGIN + width - 70];
  const header = () => {
    const y = doc.y;
    doc.font(PDF_FONT_BOLD).fontSize(9);
    ['Date', 'Pass', 'Lieu d’accueil', 'Service'].forEach((label, i) => doc.text(label, cols[i]!, y, { width: cols[i + 1]! - cols[i]! - 5 }));
    doc.text('Montant', cols[4]!, y, { width: 70, align: 'right' });
    doc.moveTo(MARGIN, doc.y + 2).lineTo(MARGIN + width, doc.y + 2).stroke();
    doc.moveDown(0.4);
    doc.font(PDF_FONT).fontSize(9);
  };
  header();
  for (const line of data.lines) {
    if (doc.y > doc.page.height - MARGIN - 30) {
      doc.addPage();
      header();
    }
    const y = doc.y;
    doc.text(formatFrenchDateTime(line.redeemedAt), cols[0]!, y, { width: 100 });
    doc.text(line.code, cols[1]!, y, { width: 140 });
    doc.text(line.siteName, cols[2]!, y, { width: 125 });
    doc.text(line.service ?? '—', cols[3]!, y, { width: cols[4]! - cols[3]! - 5 });
    doc.text(formatEuros(line.amountCents), cols[4]!, y, { width: 70, align: 'right' });
    doc.y = Math.max(doc.y, y + 12);
  }
  doc.moveDown();
  doc.font(PDF_FONT_BOLD).text(`Total : ${formatEuros(data.totalCents)}`, MARGIN, doc.y, { width, align: 'right' });
  doc.end();
  return done;
}
