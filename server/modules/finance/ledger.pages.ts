import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { allow, requireActor } from '../../plugins/auth.ts';
import { formErrors, type FormErrors } from '../../shared/forms.ts';
import { sendAllPagesCsv } from '../../shared/list-reply.ts';
import { filterChoices, parseListQuery, readListPage, type ListSpec } from '../../shared/list-query.ts';
import { buildListView, offsetPageReader } from '../../shared/list-view.ts';
import { trialBalance } from './ledger.ts';
import { JOURNAL_CSV, journalCsvRows } from './ledger.api.ts';
import { countJournalEntries, listJournalEntries, type JournalSort } from './ledger.repository.ts';
import { entryKindLabel, ledgerEntriesQuery, REF_TYPE_LABELS, refTypeLabel, type LedgerEntryView } from './ledger.schemas.ts';

const hide = { hide: true };
const PAGE_SIZE = 100;
const CSV_CHUNK = 500;

/** The page speaks French in its URL; the API's names stay English. */
const FIELD_NAMES = { account: 'compte', refType: 'type', from: 'du', to: 'au', cursor: 'curseur' } as const;

function readFilters(request: FastifyRequest) {
  const q = (request.query ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const values = {
    compte: text(q.compte) ?? '',
    type: text(q.type) ?? '',
    du: text(q.du) ?? '',
    au: text(q.au) ?? '',
  };
  const parsed = ledgerEntriesQuery.safeParse({
    account: values.compte,
    refType: values.type,
    from: values.du,
    to: values.au,
    cursor: text(q.curseur),
    limit: PAGE_SIZE,
  });
  if (parsed.success) return { values, filter: parsed.data, errors: undefined };
  const errors: FormErrors = {};
  for (const [key, message] of Object.entries(formErrors(parsed.error))) {
    errors[FIELD_NAMES[key as keyof typeof FIELD_NAMES] ?? key] = message;
  }
  return { values, filter: undefined, errors };
}

function searchOf(values: Record<string, string>, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(Object.entries({ ...values, ...extra }).filter(([, v]) => v !== ''));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The journal page's list: its own validated filters (a mistyped date is shown in place, in French)
 * plus the shared search, sort and numbered pages. Declared as list filters so every link keeps them.
 */
const JOURNAL_LIST: ListSpec<'compte' | 'type' | 'du' | 'au', JournalSort> = {
  path: '/finances/journal',
  exportPath: '/finances/journal.csv',
  searchLabel: 'Pièce ou libellé (CMD-…, FAC-…, AV-…, RB-…)',
  filters: {
    compte: { label: 'Compte', allLabel: '' },
    type: { label: 'Type de pièce', allLabel: '' },
    du: { label: 'Du', allLabel: '' },
    au: { label: 'Au', allLabel: '' },
  },
  sorts: { numero: 'Numéro d’écriture', date: 'Date de valeur' },
  defaultSort: { key: 'numero', dir: 'desc' },
};

export const ledgerPages: FastifyPluginAsync = async (app) => {
  const access = allow('operator:finance', 'operator:admin');

  app.get('/finances/journal', { schema: hide, config: access }, async (request, reply) => {
    const actor = requireActor(request);
    const { values, filter, errors } = readFilters(request);
    const query = parseListQuery(JOURNAL_LIST, request.query);
    let entries: LedgerEntryView[] = [];
    let result = { total: 0, page: 1 };
    if (filter) {
      const { limit: _limit, cursor: _cursor, ...rest } = filter;
      const criteria = { ...rest, q: query.q || undefined };
      const page = readListPage(query, () => countJournalEntries(app.db, actor, criteria), (window) =>
        listJournalEntries(app.db, actor, { ...criteria, ...window, sort: query.sort }),
      );
      entries = page.items;
      result = page;
    }
    return reply.code(errors ? 400 : 200).renderPage('pages/finance/journal.eta', {
      title: 'Journal',
      values,
      errors,
      formError: errors ? 'Vérifiez les filtres signalés.' : undefined,
      entries,
      list: buildListView(JOURNAL_LIST, query, result),
      trial: trialBalance(app.db),
      refTypeOptions: filterChoices(REF_TYPE_LABELS),
      kindLabel: entryKindLabel,
      refTypeLabel,
    });
  });

  // Links cannot send `Accept: text/csv`: the page offers the same filters as a file, every entry of them, not one page.
  app.get('/finances/journal.csv', { schema: hide, config: access }, async (request, reply) => {
    const actor = requireActor(request);
    const { values, filter } = readFilters(request);
    // Invalid filters: back to the page, which shows what is wrong.
    if (!filter) return reply.redirect(`/finances/journal${searchOf(values)}`, 303);
    const query = parseListQuery(JOURNAL_LIST, request.query);
    const { limit: _limit, cursor: _cursor, ...rest } = filter;
    const criteria = { ...rest, q: query.q || undefined };
    const readEntries = offsetPageReader((window) => listJournalEntries(app.db, actor, { ...criteria, ...window, sort: query.sort }), CSV_CHUNK);
    // One CSV row per line: a page of entries becomes the rows of their lines.
    return sendAllPagesCsv(reply, 'journal.csv', (cursor) => {
      const page = readEntries(cursor);
      return { items: journalCsvRows(page.items), nextCursor: page.nextCursor };
    }, JOURNAL_CSV);
  });
};
