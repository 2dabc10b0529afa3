import { archivalPdf, ARCHIVAL_MARGIN as MARGIN } from './archival.ts';
import { formatAddress } from '../../server/modules/finance/finance-document.ts';
import type { AttestationParty, PlaceAttestation } from '../../server/modules/finance/attestations.ts';
import { formatEuros } from '../../server/shared/money.ts';
import { formatFrenchDate, frenchMonth } from '../../server/shared/paris-time.ts';
import { countOf } from '../../server/shared/plural.ts';
import { PDF_FONT, PDF_FONT_BOLD } from './fonts.ts';


const partyLines = (party: AttestationParty) => [party.name, formatAddress(party.address), party.siret ? `SIRET ${party.siret}` : ''].filter(Boolean).join('\n');
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The yearly attestation of counter-payments received by a place (PDF/A-2b: an archived
 * document for a public accountant): issuer, place, a row per month, the year's total, the payouts'
 * references and a signature block.
 */
export function renderAttestationPdf(data: PlaceAttestation): Promise<Buffer> {
  const { doc, done } = archivalPdf({ subset: 'PDF/A-2b', title: `Attestation des remboursements ${data.year} — ${data.place.name}`, author: data.issuer.name, issuedOn: data.issuedOn });
  const width = doc.page.width - 2 * MARGIN;

  doc.font(PDF_FONT_BOLD).fontSize(16).text(`Attestation des remboursements reçus en ${data.year}`, MARGIN, MARGIN, { width });
  doc.font(PDF_FONT).fontSize(10).text(`Pass numérique — émise le ${formatFrenchDate(data.issuedOn)}`);
  doc.moveDown();
  const top = doc.y;
  const column = width / 2 - 10;
  doc.font(PDF_FONT_BOLD).text('Émetteur', MARGIN, top, { width: column });
  doc.font(PDF_FONT).text(partyLines(data.issuer), { width: column });
  const leftBottom = doc.y;
  doc.font(PDF_FONT_BOLD).text('Lieu bénéficiaire', MARGIN + column + 20, top, { width: column });
  doc.font(PDF_FONT).text(partyLines(data.place), { width: column });
  doc.y = Math.max(leftBottom, doc.y) + 15;
  doc.x = MARGIN;
  doc.text(
    `${data.issuer.name} atteste avoir versé à ${data.place.name}, au titre du remboursement des pass numériques qu’il a acceptés, ` +
      `les sommes ci-dessous, virements exécutés entre le 1er janvier ${data.year} et le ${formatFrenchDate(data.periodEnd)}.`,
    { width },
  );
  doc.moveDown();

  const passX = MARGIN + 200;
  const amountX = MARGIN + width - 140;
  const row = (cells: [string, string, string], bold = false) => {
    const y = doc.y;
    doc.font(bold ? PDF_FONT_BOLD : PDF_FONT);
    doc.text(cells[0], MARGIN, y, { width: passX - MARGIN - 10 });
    doc.text(cells[1], passX, y, { width: amountX - passX - 10, align: 'right' });
    doc.text(cells[2], amountX, y, { width: 140, align: 'right' });
    doc.x = MARGIN;
    doc.moveDown(0.3);
  };
  row(['Mois', 'Pass remboursés', 'Montant versé'], true);
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).stroke();
  doc.moveDown(0.3);
  for (const m of data.months) row([capitalised(frenchMonth(m.month)), m.passCount.toLocaleString('fr-FR'), formatEuros(m.amountCents)]);
  doc.moveTo(MARGIN, doc.y).lineTo(MARGIN + width, doc.y).stroke();
  doc.moveDown(0.3);
  row([`Total ${data.year}`, data.totalPassCount.toLocaleString('fr-FR'), formatEuros(data.totalCents)], true);
  doc.moveDown();

  doc.font(PDF_FONT_BOLD).text(`Virements (${countOf(data.payouts.length, 'virement')})`, MARGIN, doc.y, { width });
  doc.font(PDF_FONT);
  if (data.payouts.length === 0) doc.text(`Aucun virement exécuté en ${data.year}.`, { width });
  for (const p of data.payouts) {
    if (doc.y > doc.page.height - MARGIN - 140) doc.addPage();
    doc.text(`${p.reference} — exécuté le ${formatFrenchDate(p.paidOn)} — pass encaissés en ${frenchMonth(p.period)} — ${countOf(p.passCount, 'pass', 'pass')} — ${formatEuros(p.amountCents)}`, MARGIN, doc.y, { width });
  }
  doc.moveDown(2);

  if (doc.y > doc.page.height - MARGIN - 110) doc.addPage();
  const signX = MARGIN + width / 2;
  const city = data.issuer.address.city;
  doc.text(`${city ? `Fait à ${city}, le` : 'Fait le'} ${formatFrenchDate(data.issuedOn)}`, signX, doc.y, { width: width / 2 });
  doc.text(`Pour ${data.issuer.name},`, { width: width / 2 });
  doc.text('le responsable financier', { width: width / 2 });
  doc.moveDown(3);
  doc.text('Signature et cachet', { width: width / 2 });
  doc.end();
  return done;
}
