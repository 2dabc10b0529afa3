import type { DbOrTx } from '../../../db/client.ts';
import type { BuyerType, organisations } from '../../../db/schema/accounts.ts';
import type { creditNotes } from '../../../db/schema/credit-notes.ts';
import type { orders } from '../../../db/schema/orders.ts';
import { findOperatorOrganisation } from '../accounts/credentials.repository.ts';
import { findProgram, type ProgramRow } from '../programs/programs.repository.ts';
import { VAT_RATE_BASIS_POINTS } from '../order-records/cofinancing.ts';
import { describePaymentArrangement } from '../order-records/payment-arrangement.ts';
import { findInvoiceById, invoicesOfOrder } from './credit-notes.repository.ts';
import { formatEuros } from '../../shared/money.ts';
import { countOf } from '../../shared/plural.ts';
import { isValidSiren, vatNumberFromSiren } from '../../shared/siret.ts';
import { splitFrenchAddress, type DocumentLine, type DocumentMention, type DocumentParty, type FinanceDocument, type VatTreatment } from './finance-document.ts';
import type { findInvoiceFor } from './invoices.service.ts';

type FoundInvoice = NonNullable<ReturnType<typeof findInvoiceFor>>;
type OrganisationRow = typeof organisations.$inferSelect;

const VOUCHER_VAT_REASON = 'Valeur faciale de bons à usages multiples : hors champ de la TVA lors de leur émission (CGI, art. 256 ter)';
/** BR-O-11 keeps O for documents with nothing taxable; beside the taxable fee, the same reason goes under E. */
const outOfScope = (mixedWithTaxable: boolean): VatTreatment =>
  mixedWithTaxable ? { category: 'E', reason: VOUCHER_VAT_REASON, reasonCode: null } : { category: 'O', reason: VOUCHER_VAT_REASON, reasonCode: 'VATEX-EU-O' };

/**
 * Late payment: public buyers owe moratorium interest at the ECB main refinancing rate + 8 points
 * (code de la commande publique, R2192-31) and the 40 € recovery indemnity (D2192-35); private
 * buyers the ECB rate + 10 points (code de commerce, L441-10) and the same 40 € (D441-5).
 */
export function latePaymentMentions(payer: 'public' | 'private'): DocumentMention[] {
  const rate =
    payer === 'public'
      ? 'intérêts moratoires au taux de la principale opération de refinancement de la Banque centrale européenne en vigueur au premier jour du semestre, majoré de 8 points (code de la commande publique, art. R2192-31)'
      : 'pénalités au taux de la principale opération de refinancement de la Banque centrale européenne, majoré de 10 points (code de commerce, art. L441-10)';
  const indemnity = payer === 'public' ? 'code de la commande publique, art. D2192-35' : 'code de commerce, art. D441-5';
  return [
    { text: 'Paiement à 30 jours à compter de la date d’émission. Pas d’escompte pour paiement anticipé.', subject: 'AAB' },
    { text: `En cas de retard de paiement : ${rate}.`, subject: 'PMD' },
    { text: `Indemnité forfaitaire pour frais de recouvrement de 40 € (${indemnity}).`, subject: 'PMT' },
  ];
}

const payerKind = (buyerType: BuyerType | null): 'public' | 'private' => (buyerType === 'private' ? 'private' : 'public');

function operatorParty(db: DbOrTx): DocumentParty {
  const operator = findOperatorOrganisation(db);
  const siren = operator?.siret?.slice(0, 9) ?? '';
  return {
    name: operator?.name ?? 'Opérateur du Pass numérique',
    siret: operator?.siret ?? null,
    vatNumber: isValidSiren(siren) ? vatNumberFromSiren(siren) : null,
    address: splitFrenchAddress(operator?.address ?? null),
  };
}

const buyerParty = (buyer: OrganisationRow, siret: string | null): DocumentParty => ({ name: buyer.name, siret, vatNumber: null, address: splitFrenchAddress(buyer.address) });

function programPayerParty(db: DbOrTx, programId: string | null): { party: DocumentParty; program: ProgramRow | undefined } {
  const program = programId ? findProgram(db, programId) : undefined;
  const payer = program?.payer;
  return {
    program,
    party: payer
      ? { name: payer.name, siret: payer.siret, vatNumber: null, address: { line: payer.address.line, postalCode: payer.address.postalCode, city: payer.address.city, country: 'FR' } }
      : { name: `État — ${program?.name ?? 'programme de cofinancement'}`, siret: null, vatNumber: null, address: splitFrenchAddress(null) },
  };
}

const arrangementLine = (order: typeof orders.$inferSelect) =>
  order.paymentArrangement ? `Modalité de paiement : ${describePaymentArrangement(order.paymentArrangement)}` : null;

const passDetail = (order: typeof orders.$inferSelect) =>
  `${countOf(order.bookletCount, 'carnet')} de ${order.passesPerBooklet} pass à ${formatEuros(order.faceValueCents)}`;

/** The printable and structured content of an invoice: the buyer's, or the call for funds of the State's share. */
export function invoiceDocument(db: DbOrTx, { invoice, order, buyer }: FoundInvoice, options: { operatorIban: string }): FinanceDocument {
  const common = {
    typeCode: '380' as const,
    number: invoice.number,
    issuedOn: invoice.issuedOn,
    dueOn: invoice.dueOn,
    seller: operatorParty(db),
    orderReference: order.reference,
    precedingInvoice: null,
    // A document is printed as it was issued; what has been paid since shows on the invoice's page.
    paidCents: 0,
    payeeIban: options.operatorIban.replace(/\s/g, ''),
  };
  if (invoice.party === 'state') {
    const { party, program } = programPayerParty(db, invoice.programId);
    return {
      ...common,
      kind: 'call_for_funds',
      title: 'Appel de fonds au titre du cofinancement',
      customer: party,
      // The buyer's arrangement binds the buyer's accountant, not the State's.
      paymentArrangement: null,
      serviceCode: program?.payer?.serviceCode ?? null,
      engagementNumber: program?.payer?.engagementNumber ?? null,
      lines: [
        {
          label: `Part de l’État (${((program?.rateBasisPoints ?? 0) / 100).toLocaleString('fr-FR')} %) de la commande de ${buyer.name}`,
          detail: passDetail(order),
          amountCents: invoice.passValueCents,
          vat: outOfScope(false),
        },
      ],
      vatCents: 0,
      mentions: [{ text: `${VOUCHER_VAT_REASON}.`, subject: 'AAI' }, ...latePaymentMentions('public')],
    };
  }
  const taxable = invoice.feeCents > 0;
  const lines: DocumentLine[] = [
    {
      label: order.stateShareCents > 0 ? 'Pass numérique — part à la charge du commanditaire' : 'Pass numérique — valeur faciale',
      detail: order.stateShareCents > 0 ? `${passDetail(order)}, dont part de l’État ${formatEuros(order.stateShareCents)} appelée séparément` : passDetail(order),
      amountCents: invoice.passValueCents,
      vat: outOfScope(taxable),
    },
  ];
  if (taxable) {
    lines.push({
      label: 'Frais de gestion de l’opérateur',
      detail: `${(order.feeBasisPoints / 100).toLocaleString('fr-FR')} % de la valeur des pass`,
      amountCents: invoice.feeCents,
      vat: { category: 'S', rateBasisPoints: VAT_RATE_BASIS_POINTS },
    });
  }
  return {
    ...common,
    kind: 'invoice',
    title: 'Facture',
    customer: buyerParty(buyer, invoice.buyerSiret),
    paymentArrangement: arrangementLine(order),
    serviceCode: invoice.chorusServiceCode,
    engagementNumber: invoice.engagementNumber,
    lines,
    vatCents: invoice.vatCents,
    mentions: [{ text: `${VOUCHER_VAT_REASON}.`, subject: 'AAI' }, ...latePaymentMentions(payerKind(buyer.buyerType))],
  };
}

/**
 * A credit note: the face value of passes that expired unused, credited to the party it is
 * addressed to, citing the invoice it corrects (BT-25). The buyer's note goes to the buyer with its
 * invoice; the State's note goes to the programme's payer with its call for funds and Chorus Pro
 * routing. Notes issued before there was one per party carry both shares, to the buyer.
 */
export function creditNoteDocument(
  db: DbOrTx,
  { note, order, buyer }: { note: typeof creditNotes.$inferSelect; order: typeof orders.$inferSelect; buyer: OrganisationRow },
): FinanceDocument {
  const corrected = note.correctsInvoiceId ? findInvoiceById(db, note.correctsInvoiceId) : invoicesOfOrder(db, order.id)[note.party];
  const expiredDetail = `${note.passCount.toLocaleString('fr-FR')} pass arrivés en fin de validité sans avoir été utilisés`;
  const common = {
    kind: 'credit_note' as const,
    typeCode: '381' as const,
    title: 'Avoir',
    number: note.number,
    issuedOn: note.issuedOn,
    dueOn: note.issuedOn,
    seller: operatorParty(db),
    orderReference: order.reference,
    precedingInvoice: corrected ? { number: corrected.number, issuedOn: corrected.issuedOn } : null,
    vatCents: 0,
    paidCents: 0,
    payeeIban: null,
  };
  if (note.party === 'state') {
    const { party, program } = programPayerParty(db, note.programId);
    return {
      ...common,
      customer: party,
      serviceCode: program?.payer?.serviceCode ?? null,
      engagementNumber: program?.payer?.engagementNumber ?? null,
      paymentArrangement: null,
      lines: [
        {
          label: `Part de l’État des pass non utilisés de la commande de ${buyer.name}`,
          detail: `${expiredDetail} ; montant restitué à l’enveloppe du programme « ${program?.name ?? ''} »`,
          amountCents: note.stateShareCents,
          vat: outOfScope(false),
        },
      ],
      mentions: [
        {
          text: `Avoir sur l’appel de fonds de la commande ${order.reference} : part de l’État, au prorata de sa part de la commande, de la valeur faciale des pass arrivés en fin de validité sans avoir été utilisés. Le montant est restitué à l’enveloppe du programme de cofinancement.`,
        },
        { text: `${VOUCHER_VAT_REASON}.`, subject: 'AAI' },
      ],
    };
  }
  const lines: DocumentLine[] = [
    {
      label: 'Pass non utilisés à la fin de validité — part du commanditaire',
      detail: `${expiredDetail}, valeur faciale totale ${formatEuros(note.buyerShareCents + note.stateShareCents)}`,
      amountCents: note.buyerShareCents,
      vat: outOfScope(false),
    },
  ];
  // Only on a note issued before there was one per party (migration 0013).
  if (note.stateShareCents > 0) {
    lines.push({ label: 'Part de l’État, restituée au programme de cofinancement', amountCents: note.stateShareCents, vat: outOfScope(false) });
  }
  return {
    ...common,
    customer: buyerParty(buyer, buyer.siret),
    serviceCode: order.chorusServiceCode,
    engagementNumber: order.engagementNumber,
    paymentArrangement: arrangementLine(order),
    lines,
    mentions: [
      {
        text: `Avoir sur la commande ${order.reference} : part du commanditaire, au prorata de sa part de la commande, de la valeur faciale des pass arrivés en fin de validité sans avoir été utilisés.`,
      },
      { text: `${VOUCHER_VAT_REASON}.`, subject: 'AAI' },
    ],
  };
}
