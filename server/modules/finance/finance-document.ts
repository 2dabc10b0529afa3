/**
 * One description of every document finance emits (invoice, call for funds, credit note), from
 * which both the printed PDF and its Factur-X XML are produced: they cannot disagree because
 * neither computes anything the other does not read from here. Pure data, no I/O.
 */

export interface PostalAddress {
  line: string | null;
  postalCode: string | null;
  city: string | null;
  /** ISO 3166-1 alpha-2; every party of the service is in France. */
  country: 'FR';
}

export interface DocumentParty {
  name: string;
  siret: string | null;
  vatNumber: string | null;
  address: PostalAddress;
}

/**
 * VAT treatment of a line (EN 16931 category codes). The face value of multi-purpose vouchers is
 * outside the scope of VAT when they are issued (CGI art. 256 ter). EN 16931 keeps category O
 * ("not subject to VAT") for documents with nothing else (BR-O-11), so a document that also bills
 * the operator's taxable fee carries the face value as E with the same exemption reason.
 */
export type VatTreatment = { category: 'S'; rateBasisPoints: number } | { category: 'O' | 'E'; reason: string; reasonCode: string | null };

export interface DocumentLine {
  label: string;
  detail?: string;
  amountCents: number;
  vat: VatTreatment;
}

/** Subject codes of UNTDID 4451 that French invoices use for their legal mentions. */
export type MentionSubject = 'PMT' | 'PMD' | 'AAB' | 'AAI' | 'REG';

export interface DocumentMention {
  text: string;
  subject?: MentionSubject;
}

export type DocumentKind = 'invoice' | 'call_for_funds' | 'credit_note';

export interface FinanceDocument {
  kind: DocumentKind;
  /** UNTDID 1001: 380 commercial invoice, 381 credit note. */
  typeCode: '380' | '381';
  title: string;
  number: string;
  issuedOn: string;
  dueOn: string;
  seller: DocumentParty;
  customer: DocumentParty;
  orderReference: string;
  /** Chorus Pro service code (EN 16931 BT-10, buyer reference). */
  serviceCode: string | null;
  /** Legal commitment number (BT-13, purchase order reference). */
  engagementNumber: string | null;
  /** The invoice a credit note corrects (BT-25, BT-26). */
  precedingInvoice: { number: string; issuedOn: string } | null;
  /** How the public buyer pays: mandate agreement or régie d'avances, reference and date. */
  paymentArrangement: string | null;
  lines: DocumentLine[];
  /** Stored on the document row when it was issued; the XML and the PDF print these figures. */
  vatCents: number;
  paidCents: number;
  /** Where the money is to be sent (BT-84); null on a credit note, which the operator pays. */
  payeeIban: string | null;
  mentions: DocumentMention[];
}

export interface VatGroup {
  category: 'S' | 'O' | 'E';
  rateBasisPoints: number | null;
  reason: string | null;
  reasonCode: string | null;
  basisCents: number;
  taxCents: number;
}

/** The VAT breakdown (BG-23): one group per category and rate; the S tax is the document's stored VAT. */
export function vatBreakdown(document: Pick<FinanceDocument, 'lines' | 'vatCents'>): VatGroup[] {
  const groups = new Map<string, VatGroup>();
  for (const line of document.lines) {
    const key = line.vat.category === 'S' ? `S:${line.vat.rateBasisPoints}` : line.vat.category;
    const group =
      groups.get(key) ??
      (line.vat.category === 'S'
        ? { category: 'S' as const, rateBasisPoints: line.vat.rateBasisPoints, reason: null, reasonCode: null, basisCents: 0, taxCents: 0 }
        : { category: line.vat.category, rateBasisPoints: null, reason: line.vat.reason, reasonCode: line.vat.reasonCode, basisCents: 0, taxCents: 0 });
    group.basisCents += line.amountCents;
    groups.set(key, group);
  }
  const taxed = [...groups.values()].filter((g) => g.category === 'S');
  if (taxed.length > 1) throw new RangeError('un seul taux de TVA par document');
  if (taxed[0]) taxed[0].taxCents = document.vatCents;
  else if (document.vatCents !== 0) throw new RangeError('TVA sans ligne taxable');
  return [...groups.values()];
}

export function documentTotals(document: Pick<FinanceDocument, 'lines' | 'vatCents' | 'paidCents'>) {
  const totalExcludingVatCents = document.lines.reduce((sum, line) => sum + line.amountCents, 0);
  const totalCents = totalExcludingVatCents + document.vatCents;
  return { totalExcludingVatCents, vatCents: document.vatCents, totalCents, paidCents: document.paidCents, dueCents: totalCents - document.paidCents };
}

/** What the PDF prints in the VAT column of a line. */
export function vatLabel(vat: VatTreatment): string {
  return vat.category === 'S' ? `${(vat.rateBasisPoints / 100).toLocaleString('fr-FR')} %` : 'Hors champ';
}

/**
 * Organisations keep their address as one line ("20 avenue de Ségur, 75007 Paris"); documents need
 * street, postcode and city apart. A line without a French postcode is kept whole as the street.
 */
export function splitFrenchAddress(address: string | null): PostalAddress {
  const text = address?.trim() ?? '';
  const match = /^(.*?)[,\s]+(\d{5})\s+([^,]+)$/.exec(text);
  if (match) return { line: match[1]!.trim() || null, postalCode: match[2]!, city: match[3]!.trim(), country: 'FR' };
  return { line: text || null, postalCode: null, city: null, country: 'FR' };
}

export function formatAddress(address: PostalAddress): string {
  return [address.line, [address.postalCode, address.city].filter(Boolean).join(' ')].filter(Boolean).join('\n');
}
