import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { allow, requireActor } from '../../plugins/auth.ts';
import { formErrors, type FormErrors } from '../../shared/forms.ts';
import { sendCsv } from '../../shared/list-reply.ts';
import { trialBalance } from './ledger.ts';
import { JOURNAL_CSV, journalCsvRows } from './ledger.api.ts';
import { decodeSeqCursor, listJournalEntries, toSeqPage } from './ledger.repository.ts';
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

export const ledgerPages: FastifyPluginAsync = async (app) => {
  const access = allow('operator:finance', 'operator:admin');

  app.get('/finances/journal', { schema: hide, config: access }, async (request, reply) => {
    const actor = requireActor(request);
    const { values, filter, errors } = readFilters(request);
    let entries: LedgerEntryView[] = [];
    let nextHref: string | null = null;
    if (filter) {
      const { limit, cursor, ...rest } = filter;
      const page = toSeqPage(listJournalEntries(app.db, actor, { ...rest, limit, afterSeq: decodeSeqCursor(cursor) }), limit);
      entries = page.items;
      if (page.nextCursor) nextHref = `/finances/journal${searchOf(values, { curseur: page.nextCursor })}`;
    }
    return reply.code(errors ? 400 : 200).renderPage('pages/finance/journal.eta', {
      title: 'Journal',
      values,
      errors,
      formError: errors ? 'Vérifiez les filtres signalés.' : undefined,
      entries,
      nextHref,
      csvHref: `/finances/journal.csv${searchOf(values)}`,
      trial: trialBalance(app.db),
      refTypeOptions: Object.entries(REF_TYPE_LABELS).map(([value, label]) => ({ value, label })),
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
    const { limit: _limit, cursor: _cursor, ...rest } = filter;
    const entries: LedgerEntryView[] = [];
    let afterSeq: number | undefined;
    for (;;) {
      const page = listJournalEntries(app.db, actor, { ...rest, limit: CSV_CHUNK, afterSeq });
      entries.push(...page.slice(0, CSV_CHUNK));
      if (page.length <= CSV_CHUNK) break;
      afterSeq = page[CSV_CHUNK - 1]!.seq;
    }
    return sendCsv(reply, 'journal.csv', journalCsvRows(entries), JOURNAL_CSV);
  });
};
