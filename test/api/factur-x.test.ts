import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { organisations } from '../../db/schema/accounts.ts';
import { buildTestApp, loginAs, type Session } from '../helpers/app.ts';
import { createOrganisation, createProgram, createUser, seedReference, seedWorld } from '../helpers/fixtures.ts';
import { failedBusinessRules, xsdErrors } from '../helpers/en16931.ts';

const post = (s: Session, url: string, payload?: unknown) => s.inject({ method: 'POST', url, payload: payload as Record<string, unknown> });
const order = (extra: Record<string, unknown> = {}) => ({
  bookletCount: 3,
  passesPerBooklet: 7,
  faceValueCents: 1000,
  validFrom: '2027-01-01',
  validUntil: '2027-12-31',
  publics: null,
  territory: null,
  ...extra,
});

/**
 * A world whose operator charges a 2,5 % fee (so buyer invoices carry VAT), a public buyer that
 * gives its Chorus Pro data, a private buyer, and a co-financed order whose passes later expire.
 */
async function documents(t: Test) {
  const ctx = await buildTestApp(t, { config: { operatorFeeBasisPoints: 250 } });
  seedReference(ctx.db, ctx.clock);
  const world = await seedWorld(ctx.db);
  ctx.db.update(organisations).set({ siret: '13002603200016', address: '20 avenue de Ségur, 75007 Paris' }).where(eq(organisations.id, world.operator.id)).run();
  ctx.db.update(organisations).set({ siret: '22310001700019', address: '1 boulevard de la Marquette, 31090 Toulouse' }).where(eq(organisations.id, world.buyer.id)).run();
  const company = createOrganisation(ctx.db, { kind: 'buyer', name: 'Entreprise solidaire', buyerType: 'private', siret: '73282932000074', communeCode: '31555' });
  ctx.db.update(organisations).set({ address: '5 rue des Lois, 31000 Toulouse' }).where(eq(organisations.id, company.id)).run();
  const program = createProgram(ctx.db);
  const buyer = await loginAs(ctx.app, world.buyerAdmin);
  const privateBuyer = await loginAs(ctx.app, await createUser(ctx.db, company, { role: 'admin' }));
  const operator = await loginAs(ctx.app, world.operatorAdmin);
  const cofinanced = (
    await post(
      buyer,
      '/api/v1/orders',
      order({
        cofinancingProgramId: program.id,
        chorusServiceCode: 'SERV-NUM',
        engagementNumber: 'EJ-2026-0042',
        paymentArrangement: { kind: 'mandate_agreement', reference: 'CM-2026-04', date: '2026-03-01' },
      }),
    )
  ).json();
  t.equal((await post(operator, `/api/v1/orders/${cofinanced.id}/approve`)).statusCode, 200);
  const plain = (await post(privateBuyer, '/api/v1/orders', order())).json();
  t.equal((await post(operator, `/api/v1/orders/${plain.id}/approve`)).statusCode, 200);
  ctx.clock.set('2028-02-01T09:00:00Z');
  const admin = await loginAs(ctx.app, world.operatorAdmin);
  const expired = await post(admin, `/api/v1/orders/${cofinanced.id}/expire`);
  t.equal(expired.statusCode, 200, expired.body);
  return { ...ctx, world, admin, cofinanced, plain, creditNotes: expired.json().creditNotes as { id: string; number: string; party: string }[] };
}

function attachments(t: Test, pdf: Buffer): { list: string; xml: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pn-fx-'));
  writeFileSync(join(dir, 'doc.pdf'), pdf);
  const list = execFileSync('pdfdetach', ['-list', join(dir, 'doc.pdf')]).toString();
  execFileSync('pdfdetach', ['-saveall', '-o', dir, join(dir, 'doc.pdf')]);
  t.match(pdf.subarray(0, 8).toString(), /%PDF-1\.7/);
  return { list, xml: readFileSync(join(dir, 'factur-x.xml'), 'utf8') };
}

async function assertValid(t: Test, xml: string, what: string) {
  t.equal(xsdErrors(xml), null, `${what}: valid against the CII D16B schema`);
  t.same(await failedBusinessRules(xml), [], `${what}: no EN 16931 business rule broken`);
}

t.test('every invoice, call for funds and credit note is a Factur-X EN 16931 that passes the official validation', async (t) => {
  const ctx = await documents(t);
  const all = (await ctx.admin.inject({ method: 'GET', url: '/api/v1/invoices' })).json().items as { id: string; number: string; party: string; buyerId: string; vatCents: number }[];
  t.equal(all.length, 3, 'buyer invoice, call for funds, private buyer invoice');
  for (const invoice of all) {
    const pdf = await ctx.admin.inject({ method: 'GET', url: `/api/v1/invoices/${invoice.id}.pdf` });
    t.equal(pdf.statusCode, 200);
    const { list, xml } = attachments(t, pdf.rawPayload);
    t.match(list, /factur-x\.xml/, `${invoice.number}: factur-x.xml embedded`);
    t.match(pdf.rawPayload.toString('latin1'), /\/AFRelationship \/Alternative/);
    t.match(pdf.rawPayload.toString('latin1'), /<fx:ConformanceLevel>EN 16931<\/fx:ConformanceLevel>/);
    t.match(pdf.rawPayload.toString('latin1'), /<pdfaid:part>3<\/pdfaid:part>/);
    const raw = await ctx.admin.inject({ method: 'GET', url: `/api/v1/invoices/${invoice.id}/factur-x.xml` });
    t.equal(raw.statusCode, 200);
    t.equal(raw.body, xml, 'the XML download is the attachment');
    await assertValid(t, xml, invoice.number);
    t.match(xml, `<ram:ID>${invoice.number}</ram:ID>`);
    t.match(xml, /<ram:TypeCode>380<\/ram:TypeCode>/);
    if (invoice.party === 'buyer' && invoice.buyerId === ctx.world.buyer.id) {
      t.ok(invoice.vatCents > 0, 'the public buyer invoice has a fee with VAT');
      t.match(xml, /<ram:BuyerReference>SERV-NUM<\/ram:BuyerReference>/, 'BT-10: Chorus Pro service code');
      t.match(xml, /<ram:BuyerOrderReferencedDocument>\s*<ram:IssuerAssignedID>EJ-2026-0042</, 'BT-13: engagement number');
      t.match(xml, /<ram:ID schemeID="0009">22310001700019<\/ram:ID>/, 'buyer SIRET');
      t.match(xml, /<ram:CategoryCode>E<\/ram:CategoryCode>[\s\S]*<ram:CategoryCode>S<\/ram:CategoryCode>/, 'face value exempt beside the taxable fee');
      t.match(xml, /CGI, art\. 256 ter/, 'exemption reason');
      t.match(xml, /majoré de 8 points/, 'public late-payment clause');
    } else if (invoice.party === 'state') {
      t.match(xml, /Agence nationale de la cohésion des territoires/, 'the programme payer is the addressee');
      t.match(xml, /<ram:BuyerReference>SN-PASS<\/ram:BuyerReference>/);
      t.match(xml, /<ram:ExemptionReasonCode>VATEX-EU-O<\/ram:ExemptionReasonCode>/, 'wholly outside the scope of VAT');
      t.notMatch(xml, /schemeID="VA"/, 'BR-O-02: no VAT identifier on a document outside the scope of VAT');
    } else {
      t.match(xml, /majoré de 10 points/, 'private late-payment clause');
    }
  }

  t.same(ctx.creditNotes.map((n) => n.party), ['buyer', 'state'], 'one credit note per invoiced party');
  for (const creditNote of ctx.creditNotes) {
    const notePdf = await ctx.admin.inject({ method: 'GET', url: `/api/v1/credit-notes/${creditNote.id}.pdf` });
    t.equal(notePdf.statusCode, 200);
    const note = attachments(t, notePdf.rawPayload);
    t.match(note.list, /factur-x\.xml/);
    await assertValid(t, note.xml, creditNote.number);
    t.match(note.xml, /<ram:TypeCode>381<\/ram:TypeCode>/);
    const text = execFileSync('pdftotext', ['-', '-'], { input: notePdf.rawPayload }).toString();
    t.match(text, /Émis le 1er février 2028/, 'an avoir is “émis”, on the “1er”');
    if (creditNote.party === 'buyer') {
      const buyerInvoice = all.find((i) => i.party === 'buyer' && i.buyerId === ctx.world.buyer.id)!;
      t.match(note.xml, new RegExp(`<ram:InvoiceReferencedDocument>\\s*<ram:IssuerAssignedID>${buyerInvoice.number}<`), 'BT-25: the buyer invoice it corrects');
      t.match(note.xml, /<ram:BuyerTradeParty>\s*<ram:Name>Département de test</, 'addressed to the buyer');
      t.match(note.xml, /Convention de mandat n° CM-2026-04 du 1er mars 2026/, 'the buyer’s payment arrangement in the payment terms (BT-20)');
      t.notMatch(note.xml, /Part de l’État/, 'the State’s share is not on the buyer’s note');
    } else {
      const call = all.find((i) => i.party === 'state')!;
      t.match(note.xml, new RegExp(`<ram:InvoiceReferencedDocument>\\s*<ram:IssuerAssignedID>${call.number}<`), 'BT-25: the call for funds it corrects');
      t.match(note.xml, /<ram:BuyerTradeParty>\s*<ram:Name>Agence nationale de la cohésion des territoires</, 'addressed to the programme’s payer');
      t.match(note.xml, /<ram:BuyerReference>SN-PASS<\/ram:BuyerReference>/, 'with its Chorus Pro service code');
      t.match(note.xml, /<ram:ID schemeID="0009">13002603200016<\/ram:ID>/, 'and its SIRET');
      t.match(text.replace(/\s+/g, ' '), /Destinataire .*Agence nationale de la cohésion des territoires/, 'the printed addressee is the payer');
    }
  }
  const buyerInvoiceXml = (await ctx.admin.inject({ method: 'GET', url: `/api/v1/invoices/${all.find((i) => i.party === 'buyer' && i.buyerId === ctx.world.buyer.id)!.id}/factur-x.xml` })).body;
  t.match(buyerInvoiceXml, /<ram:SpecifiedTradePaymentTerms>\s*<ram:Description>[^<]*Convention de mandat n° CM-2026-04 du 1er mars 2026/, 'the arrangement is on the buyer’s invoice');
});

t.test('a tampered amount breaks the validation', async (t) => {
  const ctx = await documents(t);
  const [invoice] = (await ctx.admin.inject({ method: 'GET', url: '/api/v1/invoices' })).json().items as { id: string }[];
  const xml = (await ctx.admin.inject({ method: 'GET', url: `/api/v1/invoices/${invoice!.id}/factur-x.xml` })).body;
  const tampered = xml.replace(/<ram:DuePayableAmount>(\d+)\.(\d\d)</, (_m, euros: string, cents: string) => `<ram:DuePayableAmount>${Number(euros) + 1}.${cents}<`);
  t.not(tampered, xml);
  const failed = await failedBusinessRules(tampered);
  t.ok(failed.some((f) => f.startsWith('BR-CO-16')), `amount due ≠ total − prepaid is caught: ${failed.join(' | ')}`);
});

t.test('another buyer’s invoice XML is a 404', async (t) => {
  const ctx = await documents(t);
  const all = (await ctx.admin.inject({ method: 'GET', url: '/api/v1/invoices' })).json().items as { id: string; buyerId: string }[];
  const other = all.find((i) => i.buyerId !== ctx.world.buyer.id)!;
  const buyer = await loginAs(ctx.app, ctx.world.buyerAdmin);
  t.equal((await buyer.inject({ method: 'GET', url: `/api/v1/invoices/${other.id}/factur-x.xml` })).statusCode, 404);
});
