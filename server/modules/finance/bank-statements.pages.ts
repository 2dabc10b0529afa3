/**
 * Finance's bank-statement pages: import a statement file (camt.053 or CFONB 120, told apart by
 * its content), the imported statements, one statement's movements and what each became, and the
 * queue of movements the import could not read, each matched or set aside behind a recap.
 */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allow, requireActor } from '../../plugins/auth.ts';
import { isConfirmed, renderConfirmation } from '../../shared/confirmation.ts';
import { formFields } from '../../shared/forms.ts';
import { formatEuros } from '../../shared/money.ts';
import { formatFrenchDate } from '../../shared/paris-time.ts';
import { countOf } from '../../shared/plural.ts';
import { DomainError } from '../../shared/problem.ts';
import { queueFieldInvalid } from './bank-statements.errors.ts';
import * as entries from './bank-entries.service.ts';
import * as statements from './bank-statements.service.ts';
import { replyBankEntryList } from './bank-entries.list.ts';
import { replyBankStatementList } from './bank-statements.list.ts';

const hide = { hide: true };
const financeOnly = allow('operator:finance', 'operator:admin');
const STATEMENT_MAX_BYTES = 20 * 1024 * 1024;
const REASON_MAX = 300;
const statementParams = z.object({ statementId: z.string().max(64) });
const entryParams = z.object({ entryId: z.string().max(64) });
const QUEUE = '/finances/releves-bancaires/a-traiter';

/** Statement files leave banks in UTF-8 or, for many CFONB files, Latin-1: read as UTF-8 when they are valid UTF-8. */
function decodeStatement(data: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return data.toString('latin1');
  }
}

type EntryErrors = Record<string, { number?: string; reason?: string; form?: string }>;
type EntryValues = Record<string, { number?: string; reason?: string }>;

const queueMessages: Record<string, string> = {
  rapproche: 'Mouvement rapproché : le paiement ou le virement est enregistré à la date de la banque.',
  ecarte: 'Mouvement écarté, avec son motif.',
};

export const bankStatementsPages: FastifyPluginAsync = async (app) => {
  // Only this plugin's routes parse multipart bodies; the file is capped while it streams in.
  await app.register(fastifyMultipart, { limits: { fileSize: STATEMENT_MAX_BYTES, files: 1, fields: 2, fieldSize: 1000, parts: 4 }, throwFileSizeLimit: false });
  const deps = () => ({ db: app.db, clock: app.clock });

  const renderList = (request: FastifyRequest, reply: FastifyReply, extra: { error?: string } = {}) =>
    replyBankStatementList(deps(), request, reply, {
      title: 'Relevés bancaires',
      queued: entries.reconciliationQueue(app.db).length,
      error: extra.error,
      countOf,
    });

  app.get('/finances/releves-bancaires', { schema: hide, config: financeOnly }, async (request, reply) => renderList(request, reply));

  /** The upload form: its CSRF field is checked once the multipart fields are read (see design.pages.ts). */
  app.post('/finances/releves-bancaires', { schema: hide, config: { ...financeOnly, csrf: false } }, async (request, reply) => {
    const refuse = (message: string, status = 400) => renderList(request, reply.code(status), { error: message });
    if (!request.isMultipart()) return refuse('Choisissez le fichier du relevé (camt.053 ou CFONB 120).');
    const fields: Record<string, string> = {};
    let file: { data: Buffer; truncated: boolean } | undefined;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          const data = await part.toBuffer();
          if (part.fieldname === 'statement' && part.filename) file = { data, truncated: part.file.truncated };
        } else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
      }
    } catch {
      return refuse('Envoyez un seul fichier de relevé, de 20 Mo au maximum.');
    }
    request.body = fields;
    await new Promise<void>((resolve, reject) => app.csrfProtection(request, reply, (err?: Error) => (err ? reject(err) : resolve())));
    if (!file || file.data.length === 0) return refuse('Choisissez le fichier du relevé (camt.053 ou CFONB 120).');
    if (file.truncated) return refuse('Fichier trop lourd : 20 Mo au maximum.');
    const content = decodeStatement(file.data);
    try {
      const summary = statements.importStatement({ ...deps(), actor: requireActor(request), config: app.config, content, contentType: statements.detectContentType(content) });
      return reply.redirect(`/finances/releves-bancaires/${summary.id}?message=${summary.created ? 'importe' : 'deja'}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      return refuse(error.message, error.status);
    }
  });

  app.get('/finances/releves-bancaires/a-traiter', { schema: hide, config: financeOnly }, async (request, reply) => renderQueue(request, reply));

  app.get('/finances/releves-bancaires/:statementId', { schema: hide, config: financeOnly }, async (request, reply) => {
    const { statementId } = statementParams.parse(request.params);
    const s = statements.statementSummary(app.db, statementId);
    const message = String((request.query as { message?: unknown }).message ?? '');
    const success =
      message === 'importe'
        ? `Relevé importé : ${countOf(s.newEntryCount, 'mouvement nouveau', 'mouvements nouveaux')}, ${countOf(s.matched, 'rapproché', 'rapprochés')} automatiquement, ${countOf(s.unmatched, 'à traiter', 'à traiter')}.`
        : message === 'deja'
          ? 'Ce relevé avait déjà été importé : rien de nouveau n’a été enregistré.'
          : undefined;
    return replyBankEntryList(app.db, s, request, reply, { title: `Relevé du ${formatFrenchDate(s.fromDate)} au ${formatFrenchDate(s.toDate)}`, statement: s, success, countOf });
  });

  function renderQueue(request: FastifyRequest, reply: FastifyReply, extra: { errors?: EntryErrors; values?: EntryValues } = {}) {
    const queue = entries.reconciliationQueue(app.db);
    // An error about a movement no longer queued (read meanwhile by a colleague) is said at the top.
    const orphan = Object.entries(extra.errors ?? {}).find(([id]) => !queue.some((q) => q.entry.id === id))?.[1];
    return reply.renderPage('pages/finance/bank-queue.eta', {
      title: 'Mouvements bancaires à traiter',
      queue,
      formError: orphan ? Object.values(orphan)[0] : undefined,
      errors: extra.errors ?? {},
      values: extra.values ?? {},
      reasonMax: REASON_MAX,
      success: queueMessages[String((request.query as { message?: unknown }).message ?? '')],
    });
  }

  const movementFacts = (entry: ReturnType<typeof entries.queuedEntry>) => [
    { label: 'Mouvement', value: `${entry.direction === 'credit' ? (entry.returnReason ? 'Retour de virement' : 'Virement reçu') : 'Débit'} de ${formatEuros(entry.amountCents)} le ${formatFrenchDate(entry.bookingDate)}` },
    ...(entry.remittance ? [{ label: 'Libellé de la banque', value: entry.remittance }] : []),
    ...(entry.counterparty ? [{ label: entry.direction === 'credit' ? 'Émetteur' : 'Bénéficiaire', value: entry.counterparty }] : []),
    ...(entry.endToEndId ? [{ label: 'Référence de bout en bout', value: entry.endToEndId }] : []),
  ];

  /** Runs one queue action: errors come back next to the movement, with what finance typed. */
  const queueAction = (
    segment: string,
    act: (request: FastifyRequest, reply: FastifyReply, entryId: string, body: Record<string, string | undefined>) => Promise<FastifyReply | undefined>,
    message: string,
  ) =>
    app.post(`/finances/releves-bancaires/mouvements/:entryId/${segment}`, { schema: hide, config: financeOnly }, async (request, reply) => {
      const { entryId } = entryParams.parse(request.params);
      const body = formFields(request.body) as Record<string, string | undefined>;
      const values = { [entryId]: { number: body.number, reason: body.reason } };
      try {
        const recap = await act(request, reply, entryId, body);
        if (recap) return recap;
      } catch (error) {
        if (!(error instanceof DomainError) || error.status >= 500 || error.status === 404) throw error;
        const field = (error as DomainError & { field?: string }).field;
        return renderQueue(request, reply.code(error.status), { values, errors: { [entryId]: field ? { [field]: error.message } : { form: error.message } } });
      }
      return reply.redirect(`${QUEUE}?message=${message}#resultat`, 303);
    });

  queueAction(
    'rapprocher',
    async (request, reply, entryId, body) => {
      const entry = entries.queuedEntry(app.db, entryId);
      const typed = (body.number ?? '').trim();
      if (!typed) throw queueFieldInvalid('number', 'Indiquez le numéro de la facture (FAC-…) ou du virement (RB-…).');
      const target = entries.targetOfNumber(app.db, typed.slice(0, 40));
      if (!target) throw queueFieldInvalid('number', `Aucune facture ni aucun virement ne porte le numéro « ${typed.slice(0, 40)} ».`);
      if (!isConfirmed(request.body)) {
        const number = typed.toUpperCase().replace(/\s+/g, '');
        const isInvoice = 'invoiceId' in target;
        const date = formatFrenchDate(entry.bookingDate);
        return renderConfirmation(request, reply, {
          title: isInvoice ? `Rapprocher ce virement de la facture ${number} ?` : `Rapprocher ce mouvement du virement ${number} ?`,
          facts: [...movementFacts(entry), { label: isInvoice ? 'Facture' : 'Virement aux lieux', value: number }],
          consequences: isInvoice
            ? [`Un paiement de ${formatEuros(entry.amountCents)} est enregistré sur la facture ${number} à la date du ${date} et passé au journal.`, 'Si la facture est ainsi soldée et la commande entièrement payée, ses pass deviennent utilisables.']
            : entry.direction === 'credit'
              ? [`Le virement ${number} est enregistré comme revenu le ${date} : il est rejeté, et le lieu redevient créancier de ${formatEuros(entry.amountCents)}.`, 'Les pass concernés repartiront dans le prochain lot.']
              : [`Le virement ${number} est enregistré comme exécuté le ${date} et passé au journal.`],
          confirmLabel: isInvoice ? `Rapprocher de la facture ${number}` : `Rapprocher du virement ${number}`,
          cancelHref: QUEUE,
          irreversible: true,
        });
      }
      entries.matchEntryByHand({ ...deps(), actor: requireActor(request), entryId, target });
      return undefined;
    },
    'rapproche',
  );

  queueAction(
    'ecarter',
    async (request, reply, entryId, body) => {
      const entry = entries.queuedEntry(app.db, entryId);
      const reason = (body.reason ?? '').trim();
      if (!reason) throw queueFieldInvalid('reason', 'Indiquez pourquoi ce mouvement est écarté (frais bancaires, virement entre comptes…).');
      if (reason.length > REASON_MAX) throw queueFieldInvalid('reason', `Motif trop long : ${REASON_MAX} caractères au maximum.`);
      if (!isConfirmed(request.body)) {
        return renderConfirmation(request, reply, {
          title: 'Écarter ce mouvement ?',
          facts: [...movementFacts(entry), { label: 'Motif', value: reason }],
          consequences: ['Le mouvement quitte la file sans rien enregistrer au journal : il n’est ni un paiement ni un virement du service.', 'Le rapprochement du compte bancaire en tient compte, avec ce motif.'],
          confirmLabel: 'Écarter ce mouvement',
          cancelHref: QUEUE,
          irreversible: true,
        });
      }
      entries.dismissEntry({ ...deps(), actor: requireActor(request), entryId, reason });
      return undefined;
    },
    'ecarte',
  );

};
