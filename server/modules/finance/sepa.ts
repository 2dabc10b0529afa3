/**
 * SEPA credit transfer initiation, pain.001.001.03, written by hand: the format is small, and owning
 * it lets us guarantee what the `sepa` package does not (integer-cent totals, strict charset).
 */
import { centsToDecimalPoint } from '../../shared/money.ts';
import { validateBic, validateIban } from '../../shared/bank.ts';
import { toSepaText } from '../../shared/sepa-text.ts';

export { lettersOutsideSepa, toSepaText } from '../../shared/sepa-text.ts';

export const PAIN001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03';

export interface Pain001Transaction {
  /** Returned by the bank on a reject, so it must identify the payout. */
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  creditorIban: string;
  /** Optional since SEPA went IBAN-only; given when known to avoid a lookup by the bank. */
  creditorBic?: string | null;
  remittanceInformation: string;
}

export interface Pain001Input {
  messageId: string;
  createdAt: Date;
  initiatorName: string;
  debtor: { name: string; iban: string; bic: string };
  /** YYYY-MM-DD */
  requestedExecutionDate: string;
  paymentInfoId: string;
  transactions: Pain001Transaction[];
}

export const SEPA_NAME_MAX = 70;
export const SEPA_REMITTANCE_MAX = 140;
const SEPA_ID_MAX = 35;
// EPC rulebook ceiling for one credit transfer: 999 999 999,99 €.
const MAX_AMOUNT_CENTS = 99_999_999_999;

// Identifiers are matched against bank returns, so they are refused rather than rewritten; no space either,
// as several French banks reject ids with spaces although the EPC set allows them.
const EPC_ID = /^[a-zA-Z0-9/\-?:().,'+]+$/;

export function assertSepaId(id: string, label: string): string {
  if (id.length === 0 || id.length > SEPA_ID_MAX) throw new RangeError(`${label} : 1 à ${SEPA_ID_MAX} caractères attendus (« ${id} »)`);
  if (!EPC_ID.test(id)) throw new RangeError(`${label} : caractère non autorisé dans « ${id} »`);
  // EPC: identifiers may not start or end with "/" nor contain "//" (they clash with bank-internal delimiters).
  if (id.startsWith('/') || id.endsWith('/') || id.includes('//')) throw new RangeError(`${label} : « / » mal placé dans « ${id} »`);
  return id;
}

function requiredText(text: string, maxLength: number, label: string): string {
  const clean = toSepaText(text, maxLength);
  if (clean === '') throw new RangeError(`${label} vide après conversion au jeu de caractères SEPA`);
  return clean;
}

function iban(value: string, label: string): string {
  const result = validateIban(value);
  if (!result.ok) throw new RangeError(`${label} : ${result.message}`);
  return result.value;
}

function bic(value: string, label: string): string {
  const result = validateBic(value);
  if (!result.ok) throw new RangeError(`${label} : ${result.message}`);
  return result.value;
}

function isoDate(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== value) throw new RangeError(`date d'exécution invalide : ${value}`);
  return value;
}

/** Element content only: the apostrophe, allowed by the EPC set, is legal there and stays as typed. */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function el(name: string, text: string): string {
  return `<${name}>${escapeXml(text)}</${name}>`;
}

export function buildPain001(input: Pain001Input): string {
  const messageId = assertSepaId(input.messageId, 'MsgId');
  const paymentInfoId = assertSepaId(input.paymentInfoId, 'PmtInfId');
  if (Number.isNaN(input.createdAt.getTime())) throw new RangeError('date de création invalide');
  // UTC with an explicit "Z": the server's local zone must not leak into the file.
  const createdAt = `${input.createdAt.toISOString().slice(0, 19)}Z`;
  const executionDate = isoDate(input.requestedExecutionDate);
  const initiatorName = requiredText(input.initiatorName, SEPA_NAME_MAX, "nom de l'émetteur");
  const debtorName = requiredText(input.debtor.name, SEPA_NAME_MAX, 'nom du débiteur');
  const debtorIban = iban(input.debtor.iban, 'IBAN du débiteur');
  const debtorBic = bic(input.debtor.bic, 'BIC du débiteur');

  if (input.transactions.length === 0) throw new RangeError('aucun virement à émettre');
  const seen = new Set<string>();
  let totalCents = 0;
  const txLines: string[] = [];
  for (const tx of input.transactions) {
    const endToEndId = assertSepaId(tx.endToEndId, 'EndToEndId');
    // A duplicate would make a bank reject impossible to attribute to one payout.
    if (seen.has(endToEndId)) throw new RangeError(`EndToEndId en double : ${endToEndId}`);
    seen.add(endToEndId);
    if (!Number.isSafeInteger(tx.amountCents) || tx.amountCents <= 0 || tx.amountCents > MAX_AMOUNT_CENTS) {
      throw new RangeError(`montant invalide pour ${endToEndId} : ${tx.amountCents} centimes`);
    }
    totalCents += tx.amountCents;
    const creditorBic = tx.creditorBic ? bic(tx.creditorBic, `BIC du bénéficiaire ${endToEndId}`) : null;
    txLines.push(
      '      <CdtTrfTxInf>',
      `        <PmtId>${el('EndToEndId', endToEndId)}</PmtId>`,
      `        <Amt><InstdAmt Ccy="EUR">${centsToDecimalPoint(tx.amountCents)}</InstdAmt></Amt>`,
      ...(creditorBic ? [`        <CdtrAgt><FinInstnId>${el('BIC', creditorBic)}</FinInstnId></CdtrAgt>`] : []),
      `        <Cdtr>${el('Nm', requiredText(tx.creditorName, SEPA_NAME_MAX, `nom du bénéficiaire ${endToEndId}`))}</Cdtr>`,
      `        <CdtrAcct><Id>${el('IBAN', iban(tx.creditorIban, `IBAN du bénéficiaire ${endToEndId}`))}</Id></CdtrAcct>`,
      `        <RmtInf>${el('Ustrd', requiredText(tx.remittanceInformation, SEPA_REMITTANCE_MAX, `libellé de ${endToEndId}`))}</RmtInf>`,
      '      </CdtTrfTxInf>',
    );
  }
  if (!Number.isSafeInteger(totalCents)) throw new RangeError('total des virements hors limites');
  const nbOfTxs = String(input.transactions.length);
  const ctrlSum = centsToDecimalPoint(totalCents);

  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Document xmlns="${PAIN001_NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`,
    '  <CstmrCdtTrfInitn>',
    '    <GrpHdr>',
    `      ${el('MsgId', messageId)}`,
    `      ${el('CreDtTm', createdAt)}`,
    `      ${el('NbOfTxs', nbOfTxs)}`,
    `      ${el('CtrlSum', ctrlSum)}`,
    `      <InitgPty>${el('Nm', initiatorName)}</InitgPty>`,
    '    </GrpHdr>',
    '    <PmtInf>',
    `      ${el('PmtInfId', paymentInfoId)}`,
    '      <PmtMtd>TRF</PmtMtd>',
    // One debit on the operator's statement per batch, which is what the "batch confirmed paid" entry reconciles.
    '      <BtchBookg>true</BtchBookg>',
    `      ${el('NbOfTxs', nbOfTxs)}`,
    `      ${el('CtrlSum', ctrlSum)}`,
    '      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>',
    `      ${el('ReqdExctnDt', executionDate)}`,
    `      <Dbtr>${el('Nm', debtorName)}</Dbtr>`,
    `      <DbtrAcct><Id>${el('IBAN', debtorIban)}</Id><Ccy>EUR</Ccy></DbtrAcct>`,
    `      <DbtrAgt><FinInstnId>${el('BIC', debtorBic)}</FinInstnId></DbtrAgt>`,
    '      <ChrgBr>SLEV</ChrgBr>',
    ...txLines,
    '    </PmtInf>',
    '  </CstmrCdtTrfInitn>',
    '</Document>',
    '',
  ].join('\n');
}
