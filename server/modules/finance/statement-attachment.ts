import type { Db } from '../../../db/client.ts';
import { renderStatementPdf } from '../../../templates/pdf/statement.ts';
import type { AttachmentBuilder } from '../notifications/outbox-sender.ts';
import { statementFor } from './statements.ts';

/** A paid batch's message carries the place's statement of the month, drawn at delivery (never in the transaction). */
export const statementAttachment =
  (db: Db): AttachmentBuilder =>
  async (row) => {
    const { placeId, periodCode } = row.data as { placeId: string; periodCode: string };
    const { data } = statementFor(db, placeId, periodCode);
    return [{ filename: `releve-${data.reference}.pdf`, content: await renderStatementPdf(data), contentType: 'application/pdf' }];
  };
