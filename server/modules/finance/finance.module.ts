import type { FastifyPluginAsync } from 'fastify';
import { attestationsApi } from './attestations.api.ts';
import { attestationsPages } from './attestations.pages.ts';
import { bankStatementsApi } from './bank-statements.api.ts';
import { chorusProApi } from './chorus-pro.api.ts';
import { chorusProPages } from './chorus-pro.pages.ts';
import { bankStatementsPages } from './bank-statements.pages.ts';
import { creditNotesApi } from './credit-notes.api.ts';
import { exportsApi } from './exports.api.ts';
import { financePages } from './finance.pages.ts';
import { financeJobs } from './finance-jobs.ts';
import { invoicesApi } from './invoices.api.ts';
import { invoicesPages } from './invoices.pages.ts';
import { ledgerApi } from './ledger.api.ts';
import { ledgerPages } from './ledger.pages.ts';
import { reimbursementApi } from './reimbursement.api.ts';
import { statementAttachment } from './statement-attachment.ts';

/** Finance: the journal, invoices and credit notes, accounting exports, reimbursement batches, bank statements. */
export const financeModule: FastifyPluginAsync = async (app) => {
  await app.register(ledgerApi, { prefix: '/api/v1' });
  await app.register(ledgerPages);
  await app.register(invoicesApi, { prefix: '/api/v1' });
  await app.register(invoicesPages);
  await app.register(creditNotesApi, { prefix: '/api/v1' });
  await app.register(exportsApi, { prefix: '/api/v1' });
  await app.register(reimbursementApi, { prefix: '/api/v1' });
  await app.register(bankStatementsApi, { prefix: '/api/v1' });
  await app.register(financePages);
  await app.register(attestationsApi, { prefix: '/api/v1' });
  await app.register(chorusProApi, { prefix: '/api/v1' });
  await app.register(chorusProPages);
  await app.register(attestationsPages);
  await app.register(bankStatementsPages);
  app.outbox.attach('batch_paid', statementAttachment(app.db));
  // Long finance work (the year's FEC, a hand-started expiry run) as background jobs.
  await app.register(financeJobs);
};
