import t from 'tap';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { bankEntries, bankStatements } from '../../db/schema/bank-statements.ts';
import { invoices, payments } from '../../db/schema/orders.ts';
import { loginAs, type Session } from '../helpers/app.ts';
import { camt053, cfonb120 } from '../helpers/bank-files.ts';
import { iban, november } from '../helpers/bank-world.ts';

/** Finance's pages: a statement uploaded as a file, its movements by document number and name, the queue behind recaps. */
const html = { accept: 'text/html' };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

function upload(session: Session, name: string, content: string | Buffer, csrf = session.csrfToken) {
  const boundary = `----pn${randomBytes(8).toString('hex')}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="statement"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return session.inject({ method: 'POST', url: '/finances/releves-bancaires', csrf: false, payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...html } });
}
const form = (session: Session, url: string, payload: Record<string, string>) => session.inject({ method: 'POST', url, headers: html, payload });

t.test('finance uploads a camt.053 file: the statement page shows each movement as the invoice or payout it became, by number and name', async (t) => {
  const ctx = await november(t);
  const file = camt053('08', {
    iban: iban(ctx),
    from: '2026-11-01',
    to: '2026-11-15',
    openingCents: 10_000,
    entries: [
      { ref: 'P1', date: '2026-11-05', direction: 'credit', amountCents: ctx.buyerInvoice.totalCents, remittance: `REGLEMENT ${ctx.buyerInvoice.number}` },
      { ref: 'P2', date: '2026-11-06', direction: 'debit', amountCents: ctx.epnPayout.amountCents, endToEndId: ctx.epnPayout.reference },
      { ref: 'P3', date: '2026-11-07', direction: 'credit', amountCents: 1_500, remittance: `COMMANDE ${ctx.waiting.reference}`, counterparty: 'TRESORERIE' },
    ],
  });
  const sent = await upload(ctx.finance, 'releve.xml', file);
  t.equal(sent.statusCode, 303, sent.body);
  const page = await ctx.finance.inject({ method: 'GET', url: sent.headers.location as string, headers: html });
  t.match(page.body, /Relevé importé : 3 mouvements nouveaux, 2 rapprochés automatiquement, 1 à traiter/);
  t.match(page.body, new RegExp(`Paiement de la facture ${ctx.buyerInvoice.number}`));
  t.match(page.body, new RegExp(`Virement ${ctx.epnPayout.reference} — EPN exécuté`));
  const table = page.body.slice(page.body.indexOf('<table'), page.body.indexOf('</table>'));
  // What the table shows, not its links (its sort headings lead to this statement's page, by its id).
  t.notMatch(table.replace(/<[^>]+>/g, ' '), UUID, 'no ids in the movements table');

  const list = await ctx.finance.inject({ method: 'GET', url: '/finances/releves-bancaires', headers: html });
  t.match(list.body, /Du 1er novembre 2026 au 15 novembre 2026/);
  t.match(list.body, /1 mouvement à traiter/);
  const again = await upload(ctx.finance, 'releve.xml', file);
  t.match(again.headers.location, /message=deja/, 'the same file again records nothing');
  t.equal(ctx.db.select().from(payments).all().length, 1);

  const reconciliation = await ctx.finance.inject({ method: 'GET', url: '/finances/rapprochement', headers: html });
  t.match(reconciliation.body, /Compte bancaire de l’opérateur = solde de clôture du dernier relevé/);
  t.match(reconciliation.body, /Solde de clôture du dernier relevé, au 15 novembre 2026/);
  t.match(reconciliation.body, /1 mouvement à traiter \(15,00\s€\)/, 'the queued credit explains the gap');
});

t.test('a CFONB file that does not balance is refused in place with the figures, and nothing is recorded', async (t) => {
  const ctx = await november(t);
  const file = cfonb120({ iban: iban(ctx), from: '2026-11-01', to: '2026-11-05', openingCents: 0, closingCents: 1_500, entries: [{ ref: '0000001', date: '2026-11-04', direction: 'credit', amountCents: 1_000, endToEndId: ctx.buyerInvoice.number }] });
  const res = await upload(ctx.finance, 'releve.txt', Buffer.from(file, 'latin1'));
  t.equal(res.statusCode, 422);
  t.match(res.body, /fr-message fr-message--error">Le relevé ne s’équilibre pas : solde d’ouverture 0,00\s€ \+ mouvements 10,00\s€ = 10,00\s€, solde de clôture annoncé 15,00\s€/);
  t.equal(ctx.db.select().from(bankStatements).all().length, 0);
  t.equal(ctx.db.select().from(payments).all().length, 0);
  const none = await upload(ctx.finance, '', '');
  t.match(none.body, /Choisissez le fichier du relevé/);
  const forged = await upload(ctx.finance, 'releve.txt', file, 'forged');
  t.equal(forged.statusCode, 403, 'the form’s CSRF token is checked');
  const buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: '/finances/releves-bancaires/a-traiter', headers: html })).statusCode, 403, 'finance only');
});

t.test('the queue: a credit citing the order is suggested its invoice, matched only once the recap is confirmed', async (t) => {
  const ctx = await november(t);
  const file = camt053('02', { iban: iban(ctx), from: '2026-11-01', to: '2026-11-09', openingCents: 0, entries: [{ ref: 'Q1', date: '2026-11-08', direction: 'credit', amountCents: 2_000, remittance: `ACOMPTE ${ctx.waiting.reference}` }] });
  t.equal((await upload(ctx.finance, 'q.xml', file)).statusCode, 303);
  const entry = ctx.db.select().from(bankEntries).get()!;
  const queue = await ctx.finance.inject({ method: 'GET', url: '/finances/releves-bancaires/a-traiter', headers: html });
  const first = queue.body.indexOf('Rapprocher de la facture ');
  t.match(queue.body.slice(first, first + 60), ctx.buyerInvoice.number, 'the buyer’s invoice of the cited order comes first');
  t.match(queue.body, new RegExp(`${ctx.waiting.reference.replace(/-/g, '.')} cité`));
  const url = `/finances/releves-bancaires/mouvements/${entry.id}/rapprocher`;

  const unknown = await form(ctx.finance, url, { number: 'FAC-2099-000999' });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.body, /Aucune facture ni aucun virement ne porte le numéro « FAC-2099-000999 »/);
  t.match(unknown.body, /value="FAC-2099-000999"/, 'what finance typed is kept');

  const recap = await form(ctx.finance, url, { number: ctx.buyerInvoice.number });
  t.equal(recap.statusCode, 200);
  t.match(recap.body, new RegExp(`Rapprocher ce virement de la facture ${ctx.buyerInvoice.number}`));
  t.match(recap.body, /Un paiement de 20,00\s€ est enregistré sur la facture .* à la date du 8 novembre 2026/);
  t.match(recap.body, /Cette action ne pourra pas être annulée/);
  t.equal(ctx.db.select().from(payments).all().length, 0, 'nothing before confirming');

  const done = await form(ctx.finance, url, { number: ctx.buyerInvoice.number, confirmation: 'oui' });
  t.equal(done.statusCode, 303);
  t.match(ctx.db.select().from(payments).get()!, { amountCents: 2_000, receivedOn: '2026-11-08' });
  t.equal(ctx.db.select().from(invoices).where(eq(invoices.id, ctx.buyerInvoice.id)).get()!.paidCents, 2_000);
  const twice = await form(ctx.finance, url, { number: ctx.buyerInvoice.number, confirmation: 'oui' });
  t.equal(twice.statusCode, 409);
  t.match(twice.body, /déjà été rapproché ou écarté/);
});

t.test('setting a movement aside needs a reason and a confirmed recap', async (t) => {
  const ctx = await november(t);
  const file = camt053('02', { iban: iban(ctx), from: '2026-11-01', to: '2026-11-09', openingCents: 500, entries: [{ ref: 'F1', date: '2026-11-08', direction: 'debit', amountCents: 350, remittance: 'FRAIS TENUE DE COMPTE' }] });
  t.equal((await upload(ctx.finance, 'f.xml', file)).statusCode, 303);
  const entry = ctx.db.select().from(bankEntries).get()!;
  const url = `/finances/releves-bancaires/mouvements/${entry.id}/ecarter`;
  const empty = await form(ctx.finance, url, { reason: '  ' });
  t.equal(empty.statusCode, 400);
  t.match(empty.body, /fr-message fr-message--error">Indiquez pourquoi ce mouvement est écarté/);
  const recap = await form(ctx.finance, url, { reason: 'Frais bancaires' });
  t.match(recap.body, /Écarter ce mouvement \?/);
  t.match(recap.body, /Motif<\/dt><dd>Frais bancaires/);
  t.equal(ctx.db.select().from(bankEntries).get()!.status, 'unmatched');
  t.equal((await form(ctx.finance, url, { reason: 'Frais bancaires', confirmation: 'oui' })).statusCode, 303);
  t.match(ctx.db.select().from(bankEntries).get()!, { status: 'dismissed', dismissedReason: 'Frais bancaires' });
  const statement = await ctx.finance.inject({ method: 'GET', url: `/finances/releves-bancaires/${entry.statementId}`, headers: html });
  t.match(statement.body, /Écarté : Frais bancaires/);
});
