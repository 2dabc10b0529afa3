import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { euroCell } from '../../shared/csv.ts';
import { sendCsv, wantsCsv, type CsvColumn } from '../../shared/list-reply.ts';
import { errorResponses, listOf } from '../../shared/schemas.ts';
import type { AccountBalance } from './ledger.ts';
import { decodeSeqCursor, listJournalEntries, listLedgerAccounts, toSeqPage } from './ledger.repository.ts';
import {
  entryKindLabel,
  ledgerAccountsQuery,
  ledgerAccountView,
  ledgerEntriesQuery,
  ledgerEntryView,
  refTypeLabel,
  type LedgerEntryView,
} from './ledger.schemas.ts';

/** Who reads the journal: the operator's staff, and the admins and finance staff of buyers and places (their own accounts). */
export const LEDGER_READERS = allow('operator:*', 'buyer:admin', 'buyer:finance', 'place:admin', 'place:finance');

export const LEDGER_ACCOUNT_CSV: CsvColumn<AccountBalance>[] = [
  { header: 'Compte', value: (a) => a.code },
  { header: 'Intitulé', value: (a) => a.name },
  { header: 'Débit (€)', value: (a) => euroCell(a.debitCents) },
  { header: 'Crédit (€)', value: (a) => euroCell(a.creditCents) },
  { header: 'Solde débiteur (€)', value: (a) => euroCell(a.balanceCents) },
];

/** One spreadsheet row per line, each repeating its entry's columns, so that filters and pivot tables work. */
export type JournalCsvRow = { entry: LedgerEntryView; line: LedgerEntryView['lines'][number] };
export const JOURNAL_CSV: CsvColumn<JournalCsvRow>[] = [
  { header: 'N° d’écriture', value: (r) => r.entry.seq },
  { header: 'Date de valeur', value: (r) => r.entry.valueDate },
  { header: 'Nature', value: (r) => entryKindLabel(r.entry.kind) },
  { header: 'Type de pièce', value: (r) => refTypeLabel(r.entry.refType) },
  { header: 'N° de la pièce', value: (r) => r.entry.refNumber ?? '' },
  { header: 'Identifiant de la pièce', value: (r) => r.entry.refId },
  { header: 'Libellé', value: (r) => r.entry.label },
  { header: 'Compte', value: (r) => r.line.account },
  { header: 'Intitulé du compte', value: (r) => r.line.accountName },
  { header: 'Débit (€)', value: (r) => euroCell(r.line.debitCents) },
  { header: 'Crédit (€)', value: (r) => euroCell(r.line.creditCents) },
];

export const journalCsvRows = (entries: LedgerEntryView[]): JournalCsvRow[] =>
  entries.flatMap((entry) => entry.lines.map((line) => ({ entry, line })));

export const ledgerApi: FastifyPluginAsync = async (app) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/ledger/accounts',
    {
      config: LEDGER_READERS,
      schema: {
        summary: 'Comptes du journal et leurs soldes',
        description:
          'Tous les comptes pour l’opérateur ; pour un commanditaire ou un lieu, ses seuls comptes (`buyer:<id>:…`, `place:<id>:…`). Solde = débit − crédit, en centimes. Accepte `Accept: text/csv`.',
        tags: ['Finances'],
        querystring: ledgerAccountsQuery,
        response: { 200: listOf(ledgerAccountView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const accounts = listLedgerAccounts(app.db, requireActor(request), { prefix: request.query.prefix });
      if (wantsCsv(request)) return sendCsv(reply, 'comptes.csv', accounts, LEDGER_ACCOUNT_CSV);
      return { items: accounts.map(({ code, name, debitCents, creditCents, balanceCents }) => ({ code, name, debitCents, creditCents, balanceCents })), nextCursor: null };
    },
  );

  r.get(
    '/ledger/entries',
    {
      config: LEDGER_READERS,
      schema: {
        summary: 'Écritures du journal, avec leurs lignes, dans l’ordre du journal',
        description:
          'Pour un commanditaire ou un lieu : les écritures qui touchent ses comptes, sans les lignes des comptes d’autres organisations. `account` filtre sur un code ou un début de chemin. Accepte `Accept: text/csv` (une ligne par ligne d’écriture).',
        tags: ['Finances'],
        querystring: ledgerEntriesQuery,
        response: { 200: listOf(ledgerEntryView), ...errorResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filter } = request.query;
      const rows = listJournalEntries(app.db, requireActor(request), { ...filter, limit, afterSeq: decodeSeqCursor(cursor) });
      const page = toSeqPage(rows, limit);
      if (wantsCsv(request)) return sendCsv(reply, 'journal.csv', journalCsvRows(page.items), JOURNAL_CSV);
      return page;
    },
  );
};
