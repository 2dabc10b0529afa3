/**
 * Bank statements as the operator's bank sends them, built by the tests: camt.053 (001.02 and
 * 001.08) and CFONB 120. Amounts in cents; the closing balance is computed unless given (to build
 * a statement that does not add up).
 */
export interface TestBankEntry {
  ref: string;
  date: string;
  direction: 'credit' | 'debit';
  amountCents: number;
  endToEndId?: string;
  remittance?: string;
  counterparty?: string;
  returnReason?: string;
}

export interface TestStatement {
  iban: string;
  id?: string;
  from: string;
  to: string;
  openingCents: number;
  closingCents?: number;
  entries: TestBankEntry[];
}

const decimal = (cents: number) => `${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
const closingOf = (s: TestStatement) => s.closingCents ?? s.entries.reduce((sum, e) => sum + (e.direction === 'credit' ? e.amountCents : -e.amountCents), s.openingCents);

export function camt053(version: '02' | '08', s: TestStatement): string {
  const balance = (code: string, cents: number, date: string) =>
    `<Bal><Tp><CdOrPrtry><Cd>${code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">${decimal(cents)}</Amt><CdtDbtInd>${cents < 0 ? 'DBIT' : 'CRDT'}</CdtDbtInd><Dt><Dt>${date}</Dt></Dt></Bal>`;
  const party = (name: string, role: 'Dbtr' | 'Cdtr') => (version === '02' ? `<${role}><Nm>${name}</Nm></${role}>` : `<${role}><Pty><Nm>${name}</Nm></Pty></${role}>`);
  const entries = s.entries
    .map(
      (e) => `<Ntry>
      <NtryRef>${e.ref}</NtryRef>
      <Amt Ccy="EUR">${decimal(e.amountCents)}</Amt>
      <CdtDbtInd>${e.direction === 'credit' ? 'CRDT' : 'DBIT'}</CdtDbtInd>
      <Sts>${version === '02' ? 'BOOK' : '<Cd>BOOK</Cd>'}</Sts>
      <BookgDt><Dt>${e.date}</Dt></BookgDt>
      <ValDt><Dt>${e.date}</Dt></ValDt>
      <AcctSvcrRef>${e.ref}</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>${e.direction === 'credit' ? 'RCDT' : 'ICDT'}</Cd><SubFmlyCd>${e.returnReason ? 'RRTN' : 'ESCT'}</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs>${e.endToEndId ? `<EndToEndId>${e.endToEndId}</EndToEndId>` : ''}</Refs>
        ${e.counterparty ? `<RltdPties>${party(e.counterparty, e.direction === 'credit' ? 'Dbtr' : 'Cdtr')}</RltdPties>` : ''}
        ${e.remittance ? `<RmtInf><Ustrd>${e.remittance}</Ustrd></RmtInf>` : ''}
        ${e.returnReason ? `<RtrInf><Rsn><Cd>${e.returnReason}</Cd></Rsn></RtrInf>` : ''}
      </TxDtls></NtryDtls>
    </Ntry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.${version}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>${s.id ?? 'STMT'}</MsgId><CreDtTm>${s.to}T20:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${s.id ?? 'STMT'}</Id>
      <CreDtTm>${s.to}T20:00:00</CreDtTm>
      <FrToDt><FrDtTm>${s.from}T00:00:00</FrDtTm><ToDtTm>${s.to}T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><IBAN>${s.iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      ${balance('OPBD', s.openingCents, s.from)}
      ${balance('CLBD', closingOf(s), s.to)}
      ${entries}
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;
}

const OVERPUNCH_POSITIVE = '{ABCDEFGHI';
const OVERPUNCH_NEGATIVE = '}JKLMNOPQR';
const cfonbAmount = (cents: number) => `${String(Math.floor(Math.abs(cents) / 10)).padStart(13, '0')}${(cents < 0 ? OVERPUNCH_NEGATIVE : OVERPUNCH_POSITIVE)[Math.abs(cents) % 10]}`;
const ddmmyy = (date: string) => `${date.slice(8, 10)}${date.slice(5, 7)}${date.slice(2, 4)}`;
const field = (value: string, width: number) => value.slice(0, width).padEnd(width, ' ');

export function cfonb120(s: TestStatement): string {
  const iban = s.iban.replace(/\s/g, '');
  const bank = iban.slice(4, 9);
  const branch = iban.slice(9, 14);
  const account = iban.slice(14, 25);
  const balance = (code: '01' | '07', cents: number, date: string) =>
    `${code}${bank}    ${branch}EUR2 ${account}  ${ddmmyy(date)}${' '.repeat(50)}${cfonbAmount(cents)}${' '.repeat(16)}`;
  const lines = [balance('01', s.openingCents, s.from)];
  for (const e of s.entries) {
    const signed = e.direction === 'credit' ? e.amountCents : -e.amountCents;
    const head = `${bank}${field(e.direction === 'credit' ? '0005' : '0006', 4)}${branch}EUR2 ${account}${e.direction === 'credit' ? '05' : '06'}`;
    lines.push(`04${head}${ddmmyy(e.date)}${field(e.returnReason ?? '', 2)}${ddmmyy(e.date)}${field(e.remittance ?? '', 31)}  ${field(e.ref, 7)}  ${cfonbAmount(signed)}${field(e.endToEndId ?? '', 16)}`);
    if (e.counterparty) lines.push(`05${head}${ddmmyy(e.date)}     NPY${field(e.counterparty, 70)}  `);
    if (e.remittance && e.remittance.length > 31) lines.push(`05${head}${ddmmyy(e.date)}     LIB${field(e.remittance.slice(31), 70)}  `);
  }
  lines.push(balance('07', closingOf(s), s.to));
  return `${lines.join('\r\n')}\r\n`;
}
