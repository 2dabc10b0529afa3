import PDFDocument from 'pdfkit';
import { formatEuros } from '../../server/shared/money.ts';
import { formatFrenchDate } from '../../server/shared/paris-time.ts';
import { collectPdf, registerPdfFonts, PDF_FONT, PDF_FONT_BOLD } from './fonts.ts';

/** Everything a French invoice must show (code de commerce L441-9, CGI art. 242 nonies A). */
export interface InvoicePrintData {
  title: string;
  number: string;
  issuedOn: string;
  dueOn: string;
  seller: { name: string; address: string; siret: string | null; vatNumber: string | null };
  customer: { name: string; siret: string | null; address: string | null };
  orderReference: string;
  chorusServiceCode: string | null;
  engagementNumber: string | null;
  lines: { label: string; detail?: string; amountCents: number; vatLabel: string }[];
  totalExcludingVatCents: number;
  vatCents: number;
  totalCents: number;
  paidCents: number;
  mentions: string[];
}

const MARGIN = 50;

export function renderInvoicePdf(data: InvoicePrintData): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: `${data.title} ${data.number}`, Author: data.seller.name } });
  registerPdfFonts(doc);
  const done = collectPdf(doc);

  const width = doc.page.width - 2 * MARGIN;
  doc.font(PDF_FONT_BOLD).fontSize(18).text(`${data.title} n° ${data.number}`, MARGIN, MARGIN);
  doc.font(PDF_FONT).fontSize(10).text(`Émise le ${formatFrenchDate(data.issuedOn)} — échéance le ${formatFrenchDate(data.dueOn)}`);
  doc.moveDown();

  const top = doc.y;
  const column = width / 2 - 10;
  doc.font(PDF_FONT_BOLD).text('Émetteur', MARGIN, top, { width: column });
  doc.font(PDF_FONT).text(
    [data.seller.name, data.seller.address, data.seller.siret ? `SIRET ${data.seller.siret}` : '', data.seller.vatNumber ? `TVA intracommunautaire ${data.seller.vatNumber}` : '']
      .filter(Boolean)
      .join('\n'),
    { width: column },
  );
  const leftBottom = doc.y;
  doc.font(PDF_FONT_BOLD).text('Destinataire', MARGIN + column + 20, top, { width: column });
  doc.font(PDF_FONT).text(
    [
      data.customer.name,
      data.customer.address ?? '',
      data.customer.siret ? `SIRET ${data.customer.siret}` : '',
      data.chorusServiceCode ? `Code service Chorus Pro : ${data.chorusServiceCode}` : '',
      data.engagementNumber ? `N° d’engagement : ${data.engagementNumber}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    { width: column },
  );
  doc.y = Math.max(leftBottom, doc.y) + 15;
  doc.x = MARGIN;
  doc.text(`Commande ${data.orderReference}`);
  doc.moveDown();

  // Lines: label | VAT | amount excl. VAT
  const amountX = MARGIN + width - 110;
  const vatX = amountX - 130;
  const header = doc.y;
  doc.font(PDF_FONT_BOLD).text('Désignation', MARGIN, header, { width: vatX - MARGIN - 10 });
  doc.text('TVA', vatX, header, { width: 120 });
  doc.text('Montant HT', amountX, header, { width: 110, align: 'right' });
  doc.moveTo(MARGIN, doc.y + 3).lineTo(MARGIN + width, doc.y + 3).stroke();
  doc.moveDown(0.5);
  doc.font(PDF_FONT);
  for (const line of data.lines) {
    const y = doc.y;
    doc.text(line.label + (line.detail ? `\n${line.detail}` : ''), MARGIN, y, { width: vatX - MARGIN - 10 });
    const after = doc.y;
    doc.text(line.vatLabel, vatX, y, { width: 120 });
    doc.text(formatEuros(line.amountCents), amountX, y, { width: 110, align: 'right' });
    doc.y = Math.max(after, doc.y) + 6;
  }
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).stroke();
  doc.moveDown(0.5);

  const total = (label: string, cents: number, bold = false) => {
    const y = doc.y;
    doc.font(bold ? PDF_FONT_BOLD : PDF_FONT).text(label, vatX - 100, y, { width: 220 });
    doc.text(formatEuros(cents), amountX, y, { width: 110, align: 'right' });
    doc.moveDown(0.3);
  };
  total('Total hors taxes', data.totalExcludingVatCents);
  total('TVA', data.vatCents);
  total('Total TTC', data.totalCents, true);
  if (data.paidCents > 0) {
    total('Déjà réglé', data.paidCents);
    total('Reste à payer', data.totalCents - data.paidCents, true);
  }
  doc.moveDown();
  doc.x = MARGIN;
  doc.font(PDF_FONT).fontSize(8.5);
  for (const mention of data.mentions) doc.text(mention, MARGIN, doc.y, { width }).moveDown(0.3);
  doc.end();
  return done;
}
