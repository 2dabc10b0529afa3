import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { documentTotals, vatBreakdown, type DocumentParty, type FinanceDocument } from './finance-document.ts';

/**
 * The document as UN/CEFACT Cross Industry Invoice D16B, profile EN 16931 (Factur-X "EN 16931",
 * the CII syntax Chorus Pro accepts). Elements are written in the order of the XSD sequences,
 * which is what the schema checks.
 */

const NS = {
  rsm: 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  ram: 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  qdt: 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
  udt: 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
};

export const FACTUR_X_FILE_NAME = 'factur-x.xml';
export const FACTUR_X_PROFILE = 'EN 16931';
const EN16931_GUIDELINE = 'urn:cen.eu:en16931:2017';

const amount = (cents: number) => {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
};
const date102 = (isoDate: string) => isoDate.replaceAll('-', '');
const percent = (basisPoints: number) => amount(basisPoints);

function dateTime(parent: XMLBuilder, name: string, isoDate: string): void {
  parent.ele(`ram:${name}`).ele('udt:DateTimeString', { format: '102' }).txt(date102(isoDate));
}

function party(parent: XMLBuilder, name: string, p: DocumentParty, options: { withVat: boolean; legalScheme: '0002' | '0009' }): void {
  const node = parent.ele(`ram:${name}`);
  node.ele('ram:Name').txt(p.name);
  if (p.siret) {
    // 0002: SIREN (the legal entity); 0009: SIRET (the establishment Chorus Pro routes to).
    node.ele('ram:SpecifiedLegalOrganization').ele('ram:ID', { schemeID: options.legalScheme }).txt(options.legalScheme === '0002' ? p.siret.slice(0, 9) : p.siret);
  }
  const address = node.ele('ram:PostalTradeAddress');
  if (p.address.postalCode) address.ele('ram:PostcodeCode').txt(p.address.postalCode);
  if (p.address.line) address.ele('ram:LineOne').txt(p.address.line);
  if (p.address.city) address.ele('ram:CityName').txt(p.address.city);
  address.ele('ram:CountryID').txt(p.address.country);
  if (options.withVat && p.vatNumber) node.ele('ram:SpecifiedTaxRegistration').ele('ram:ID', { schemeID: 'VA' }).txt(p.vatNumber);
}

export function buildFacturXml(document: FinanceDocument): string {
  const groups = vatBreakdown(document);
  const totals = documentTotals(document);
  // BR-O-02: a document wholly outside the scope of VAT names no VAT identifier.
  const withVat = groups.some((g) => g.category !== 'O');

  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(NS.rsm, 'rsm:CrossIndustryInvoice', {
    'xmlns:ram': NS.ram,
    'xmlns:qdt': NS.qdt,
    'xmlns:udt': NS.udt,
  });
  root.ele('rsm:ExchangedDocumentContext').ele('ram:GuidelineSpecifiedDocumentContextParameter').ele('ram:ID').txt(EN16931_GUIDELINE);

  const header = root.ele('rsm:ExchangedDocument');
  header.ele('ram:ID').txt(document.number);
  header.ele('ram:Name').txt(document.title);
  header.ele('ram:TypeCode').txt(document.typeCode);
  header.ele('ram:IssueDateTime').ele('udt:DateTimeString', { format: '102' }).txt(date102(document.issuedOn));
  for (const mention of document.mentions) {
    const note = header.ele('ram:IncludedNote');
    note.ele('ram:Content').txt(mention.text);
    if (mention.subject) note.ele('ram:SubjectCode').txt(mention.subject);
  }

  const transaction = root.ele('rsm:SupplyChainTradeTransaction');
  document.lines.forEach((line, i) => {
    const item = transaction.ele('ram:IncludedSupplyChainTradeLineItem');
    item.ele('ram:AssociatedDocumentLineDocument').ele('ram:LineID').txt(String(i + 1));
    const product = item.ele('ram:SpecifiedTradeProduct');
    product.ele('ram:Name').txt(line.label);
    if (line.detail) product.ele('ram:Description').txt(line.detail);
    item.ele('ram:SpecifiedLineTradeAgreement').ele('ram:NetPriceProductTradePrice').ele('ram:ChargeAmount').txt(amount(line.amountCents));
    item.ele('ram:SpecifiedLineTradeDelivery').ele('ram:BilledQuantity', { unitCode: 'C62' }).txt('1');
    const settlement = item.ele('ram:SpecifiedLineTradeSettlement');
    const tax = settlement.ele('ram:ApplicableTradeTax');
    tax.ele('ram:TypeCode').txt('VAT');
    tax.ele('ram:CategoryCode').txt(line.vat.category);
    // BR-O-05: no rate on a line outside the scope of VAT; BR-E-05: an exempt line is at 0 %.
    if (line.vat.category === 'S') tax.ele('ram:RateApplicablePercent').txt(percent(line.vat.rateBasisPoints));
    if (line.vat.category === 'E') tax.ele('ram:RateApplicablePercent').txt('0');
    settlement.ele('ram:SpecifiedTradeSettlementLineMonetarySummation').ele('ram:LineTotalAmount').txt(amount(line.amountCents));
  });

  const agreement = transaction.ele('ram:ApplicableHeaderTradeAgreement');
  if (document.serviceCode) agreement.ele('ram:BuyerReference').txt(document.serviceCode);
  party(agreement, 'SellerTradeParty', document.seller, { withVat, legalScheme: '0002' });
  party(agreement, 'BuyerTradeParty', document.customer, { withVat, legalScheme: '0009' });
  if (document.engagementNumber) agreement.ele('ram:BuyerOrderReferencedDocument').ele('ram:IssuerAssignedID').txt(document.engagementNumber);
  // The order of the platform, as the contract reference both parties know (BT-12).
  agreement.ele('ram:ContractReferencedDocument').ele('ram:IssuerAssignedID').txt(document.orderReference);

  transaction.ele('ram:ApplicableHeaderTradeDelivery');

  const settlement = transaction.ele('ram:ApplicableHeaderTradeSettlement');
  settlement.ele('ram:InvoiceCurrencyCode').txt('EUR');
  if (document.payeeIban) {
    const means = settlement.ele('ram:SpecifiedTradeSettlementPaymentMeans');
    means.ele('ram:TypeCode').txt('58'); // SEPA credit transfer
    means.ele('ram:PayeePartyCreditorFinancialAccount').ele('ram:IBANID').txt(document.payeeIban);
  }
  for (const group of groups) {
    const tax = settlement.ele('ram:ApplicableTradeTax');
    tax.ele('ram:CalculatedAmount').txt(amount(group.taxCents));
    tax.ele('ram:TypeCode').txt('VAT');
    if (group.reason) tax.ele('ram:ExemptionReason').txt(group.reason);
    tax.ele('ram:BasisAmount').txt(amount(group.basisCents));
    tax.ele('ram:CategoryCode').txt(group.category);
    if (group.reasonCode) tax.ele('ram:ExemptionReasonCode').txt(group.reasonCode);
    tax.ele('ram:RateApplicablePercent').txt(group.rateBasisPoints === null ? '0' : percent(group.rateBasisPoints));
  }
  const terms = settlement.ele('ram:SpecifiedTradePaymentTerms');
  const termsText = document.typeCode === '381' ? 'Avoir à imputer ou à rembourser' : 'Paiement à 30 jours à compter de la date d’émission';
  // BT-20: the buyer's payment arrangement belongs with the payment terms its accountant reads.
  terms.ele('ram:Description').txt(document.paymentArrangement ? `${termsText}. ${document.paymentArrangement}` : termsText);
  dateTime(terms, 'DueDateDateTime', document.dueOn);
  const sum = settlement.ele('ram:SpecifiedTradeSettlementHeaderMonetarySummation');
  sum.ele('ram:LineTotalAmount').txt(amount(totals.totalExcludingVatCents));
  sum.ele('ram:TaxBasisTotalAmount').txt(amount(totals.totalExcludingVatCents));
  sum.ele('ram:TaxTotalAmount', { currencyID: 'EUR' }).txt(amount(totals.vatCents));
  sum.ele('ram:GrandTotalAmount').txt(amount(totals.totalCents));
  sum.ele('ram:TotalPrepaidAmount').txt(amount(totals.paidCents));
  sum.ele('ram:DuePayableAmount').txt(amount(totals.dueCents));
  if (document.precedingInvoice) {
    const preceding = settlement.ele('ram:InvoiceReferencedDocument');
    preceding.ele('ram:IssuerAssignedID').txt(document.precedingInvoice.number);
    preceding.ele('ram:FormattedIssueDateTime').ele('qdt:DateTimeString', { format: '102' }).txt(date102(document.precedingInvoice.issuedOn));
  }
  return root.end({ prettyPrint: true });
}
