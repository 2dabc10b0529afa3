import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../../../db/client.ts';
import { organisations } from '../../../db/schema/accounts.ts';
import { cofinancingPrograms } from '../../../db/schema/programs.ts';
import type { creditNotes } from '../../../db/schema/credit-notes.ts';
import type { orders } from '../../../db/schema/orders.ts';
import type { InvoicePrintData } from '../../../templates/pdf/invoice.ts';
import { isValidSiren, vatNumberFromSiren } from '../../shared/siret.ts';
import type { findInvoiceFor } from './invoices.service.ts';

type FoundInvoice = NonNullable<ReturnType<typeof findInvoiceFor>>;

const LATE_PAYMENT_MENTIONS = [
  'Paiement à 30 jours à compter de la date d’émission. Pas d’escompte pour paiement anticipé.',
  'En cas de retard de paiement : pénalités au taux d’intérêt légal en vigueur majoré de 8 points (intérêts moratoires de la commande publique), et indemnité forfaitaire pour frais de recouvrement de 40 € (code de commerce, art. L441-10 et D441-5).',
];

/** The printable content of an invoice: the buyer's, or the claim on the State's programme. */
export function invoicePrintData(db: DbOrTx, { invoice, order, buyer }: FoundInvoice): InvoicePrintData {
  const operator = db.select().from(organisations).where(eq(organisations.kind, 'operator')).get();
  const siren = operator?.siret?.slice(0, 9) ?? '';
  const program = invoice.programId ? db.select().from(cofinancingPrograms).where(eq(cofinancingPrograms.id, invoice.programId)).get() : undefined;
  const passDetail = `${order.bookletCount.toLocaleString('fr-FR')} carnets de ${order.passesPerBooklet} pass à ${(order.faceValueCents / 100).toFixed(2).replace('.', ',')} €`;
  const seller = {
    name: operator?.name ?? 'Opérateur du Pass numérique',
    address: operator?.address ?? '',
    siret: operator?.siret ?? null,
    vatNumber: isValidSiren(siren) ? vatNumberFromSiren(siren) : null,
  };
  const common = {
    number: invoice.number,
    issuedOn: invoice.issuedOn,
    dueOn: invoice.dueOn,
    seller,
    orderReference: order.reference,
    paidCents: invoice.paidCents,
  };
  if (invoice.party === 'state') {
    return {
      ...common,
      title: 'Appel de fonds au titre du cofinancement',
      customer: { name: `État — ${program?.name ?? 'programme de cofinancement'}`, siret: null, address: null },
      chorusServiceCode: null,
      engagementNumber: null,
      lines: [
        {
          label: `Part de l’État (${((program?.rateBasisPoints ?? 0) / 100).toLocaleString('fr-FR')} %) de la commande de ${buyer.name}`,
          detail: passDetail,
          amountCents: invoice.passValueCents,
          vatLabel: 'Hors champ',
        },
      ],
      totalExcludingVatCents: invoice.totalCents,
      vatCents: 0,
      totalCents: invoice.totalCents,
      mentions: ['Valeur faciale de bons à usages multiples : hors champ de la TVA lors de leur émission (CGI, art. 256 ter).', ...LATE_PAYMENT_MENTIONS],
    };
  }
  const lines: InvoicePrintData['lines'] = [
    {
      label: order.stateShareCents > 0 ? 'Pass numérique — part à la charge du commanditaire' : 'Pass numérique — valeur faciale',
      detail: order.stateShareCents > 0 ? `${passDetail}, dont part de l’État ${(order.stateShareCents / 100).toFixed(2).replace('.', ',')} € facturée séparément` : passDetail,
      amountCents: invoice.passValueCents,
      vatLabel: 'Hors champ',
    },
  ];
  if (invoice.feeCents > 0) {
    lines.push({ label: 'Frais de gestion de l’opérateur', detail: `${(order.feeBasisPoints / 100).toLocaleString('fr-FR')} % de la valeur des pass`, amountCents: invoice.feeCents, vatLabel: '20 %' });
  }
  return {
    ...common,
    title: 'Facture',
    customer: { name: buyer.name, siret: invoice.buyerSiret, address: buyer.address },
    chorusServiceCode: invoice.chorusServiceCode,
    engagementNumber: invoice.engagementNumber,
    lines,
    totalExcludingVatCents: invoice.passValueCents + invoice.feeCents,
    vatCents: invoice.vatCents,
    totalCents: invoice.totalCents,
    mentions: ['Valeur faciale de bons à usages multiples : hors champ de la TVA lors de leur émission (CGI, art. 256 ter).', ...LATE_PAYMENT_MENTIONS],
  };
}

/** A credit note reads like an invoice with negative intent: same layout, its own title and mentions. */
export function creditNotePrintData(
  db: DbOrTx,
  { note, order, buyer }: { note: typeof creditNotes.$inferSelect; order: typeof orders.$inferSelect; buyer: typeof organisations.$inferSelect },
): InvoicePrintData {
  const operator = db.select().from(organisations).where(eq(organisations.kind, 'operator')).get();
  const siren = operator?.siret?.slice(0, 9) ?? '';
  const lines: InvoicePrintData['lines'] = [
    {
      label: `Pass non utilisés à la fin de validité — part du commanditaire`,
      detail: `${note.passCount.toLocaleString('fr-FR')} pass, valeur faciale totale ${(note.totalCents / 100).toFixed(2).replace('.', ',')} €`,
      amountCents: note.buyerShareCents,
      vatLabel: 'Hors champ',
    },
  ];
  if (note.stateShareCents > 0) {
    lines.push({ label: 'Part de l’État, restituée au programme de cofinancement', amountCents: note.stateShareCents, vatLabel: 'Hors champ' });
  }
  return {
    title: 'Avoir',
    number: note.number,
    issuedOn: note.issuedOn,
    dueOn: note.issuedOn,
    seller: { name: operator?.name ?? 'Opérateur du Pass numérique', address: operator?.address ?? '', siret: operator?.siret ?? null, vatNumber: isValidSiren(siren) ? vatNumberFromSiren(siren) : null },
    customer: { name: buyer.name, siret: buyer.siret, address: buyer.address },
    orderReference: order.reference,
    chorusServiceCode: order.chorusServiceCode,
    engagementNumber: order.engagementNumber,
    lines,
    totalExcludingVatCents: note.totalCents,
    vatCents: 0,
    totalCents: note.totalCents,
    paidCents: 0,
    mentions: [
      `Avoir sur la commande ${order.reference} : valeur faciale des pass arrivés en fin de validité sans avoir été utilisés, répartie entre le commanditaire et l’État au prorata de leur part de la commande.`,
      'Valeur faciale de bons à usages multiples : hors champ de la TVA (CGI, art. 256 ter).',
    ],
  };
}
