import {
  ValidationErrorsBIC,
  ValidationErrorsIBAN,
  electronicFormatIBAN,
  extractBIC,
  friendlyFormatIBAN,
  isSEPACountry,
  validateBIC,
  validateIBAN,
} from 'ibantools';

export interface BankDetailsError {
  path: 'iban' | 'bic';
  message: string;
}

export type BankDetailsResult = { ok: true; iban: string; bic: string } | { ok: false; errors: BankDetailsError[] };

export type FieldResult = { ok: true; value: string } | { ok: false; message: string };

/**
 * ibantools reports every failed check at once (a typo usually breaks both the IBAN key and the
 * clé RIB); this order picks the message that best tells the user what to fix.
 */
const IBAN_ERROR_ORDER: [ValidationErrorsIBAN, string][] = [
  [ValidationErrorsIBAN.NoIBANProvided, 'IBAN manquant'],
  [ValidationErrorsIBAN.NoIBANCountry, 'IBAN invalide : code pays inconnu'],
  [ValidationErrorsIBAN.WrongBBANLength, 'IBAN invalide : nombre de caractères incorrect pour ce pays'],
  [ValidationErrorsIBAN.WrongBBANFormat, 'IBAN invalide : caractères inattendus pour ce pays'],
  [ValidationErrorsIBAN.ChecksumNotNumber, 'IBAN invalide : la clé de contrôle doit être composée de deux chiffres'],
  [ValidationErrorsIBAN.WrongIBANChecksum, 'IBAN invalide : clé de contrôle incorrecte'],
  [ValidationErrorsIBAN.WrongAccountBankBranchChecksum, 'IBAN invalide : clé RIB incorrecte'],
  [ValidationErrorsIBAN.QRIBANNotAllowed, 'IBAN invalide : les QR-IBAN suisses ne sont pas acceptés'],
];

// Same pattern as BICIdentifier in the pain.001 XSD, stricter than ibantools (no test BIC "…0", no "O" 8th).
const BIC_XSD_PATTERN = /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/;

/** Users paste IBANs with spaces, no-break spaces or dashes; ibantools only strips spaces and dashes. */
function compact(input: string): string {
  return input.replace(/[\s-]+/g, '').toUpperCase();
}

export function validateIban(input: string | null | undefined): FieldResult {
  const iban = electronicFormatIBAN(compact(input ?? '')) ?? '';
  if (iban === '') return { ok: false, message: 'IBAN manquant' };
  // QR-IBANs are Swiss in-country references and cannot receive a SEPA transfer.
  const { errorCodes } = validateIBAN(iban, { allowQRIBAN: false });
  const found = IBAN_ERROR_ORDER.find(([code]) => errorCodes.includes(code));
  if (found) return { ok: false, message: found[1] };
  if (errorCodes.length > 0) return { ok: false, message: 'IBAN invalide' };
  const country = iban.slice(0, 2);
  if (!isSEPACountry(country)) return { ok: false, message: `IBAN invalide : le pays ${country} n'appartient pas à la zone SEPA` };
  return { ok: true, value: iban };
}

export function validateBic(input: string | null | undefined): FieldResult {
  const bic = compact(input ?? '');
  if (bic === '') return { ok: false, message: 'BIC manquant' };
  const { errorCodes } = validateBIC(bic);
  if (errorCodes.includes(ValidationErrorsBIC.NoBICCountry)) return { ok: false, message: 'BIC invalide : code pays inconnu' };
  if (errorCodes.length > 0 || !BIC_XSD_PATTERN.test(bic)) {
    return { ok: false, message: 'BIC invalide : 8 ou 11 lettres et chiffres attendus (ex. BNPAFRPP)' };
  }
  if (extractBIC(bic).testBIC) return { ok: false, message: 'BIC invalide : BIC de test' };
  return { ok: true, value: bic };
}

/** Checks both fields and reports every wrong one, so a form can show all errors at once. */
export function validateBankDetails(input: { iban: string | null | undefined; bic: string | null | undefined }): BankDetailsResult {
  const iban = validateIban(input.iban);
  const bic = validateBic(input.bic);
  if (iban.ok && bic.ok) return { ok: true, iban: iban.value, bic: bic.value };
  const errors: BankDetailsError[] = [];
  if (!iban.ok) errors.push({ path: 'iban', message: iban.message });
  if (!bic.ok) errors.push({ path: 'bic', message: bic.message });
  return { ok: false, errors };
}

/** "FR76 3000 6000 0112 3456 7890 189"; input is returned as typed when it is not even IBAN-shaped. */
export function formatIban(iban: string): string {
  return friendlyFormatIBAN(compact(iban)) ?? iban;
}

/** "FR76 •••• … 0189": enough for the holder to recognise the account, too little to reuse it. */
export function maskIban(iban: string): string {
  const compacted = compact(iban);
  if (compacted.length < 10) return '••••';
  return `${compacted.slice(0, 4)} •••• … ${compacted.slice(-4)}`;
}
