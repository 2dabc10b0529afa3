import { sql } from 'drizzle-orm';
import { type Db } from '../../db/client.ts';
import { reimbursementBatches } from '../../db/schema/reimbursement.ts';
import { batchSepaXml } from '../../server/modules/finance/reimbursement.service.ts';
import { reconciliationReport } from '../../server/modules/finance/reconciliation.ts';
import { accountBalances } from '../../server/modules/finance/ledger.ts';

import { config, type World } from './system-world.ts';
import { bankViolations } from './system-bank.ts';

// --- The invariants ------------------------------------------------------------------------------

export const count = (db: Db, query: ReturnType<typeof sql>): number => Number(db.get<{ n: number | null }>(query)?.n ?? 0);

/**
 * Every invariant of finance.md that a single process can break, recomputed from the rows: the
 * reconciliation report (1–4, 6, 8, 10 and the envelopes), plus what it does not state itself.
 * Returns a description of each violation; empty when all hold.
 */
export function violations(w: World): string[] {
  const { db } = w;
  const out: string[] = [];
  const report = reconciliationReport(db);
  if (!report.balanced) {
    // The bank-against-statements check is a reconciliation status, not an invariant: queued
    // movements and typed-in ones not yet on a statement keep it apart, by exactly their amounts
    // (bankViolations below states that).
    for (const c of report.checks.filter((c) => !c.balanced && c.id !== 'bank_statement')) out.push(`reconciliation ${c.id} (${c.label}): expected ${c.expected}, actual ${c.actual}`);
  }
  const rules: [string, ReturnType<typeof sql>][] = [
    // Statements: an entry read as a payment is that payment, same amount, at the booking date; each payout or return it names exists.
    ['a matched bank credit differs from its payment', sql`SELECT COUNT(*) AS n FROM bank_entries e WHERE e.matched_kind = 'payment'
      AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.id = e.matched_id AND p.amount_cents = e.amount_cents AND p.received_on = e.booking_date)`],
    ['a bank debit is matched to a payout that is not paid', sql`SELECT COUNT(*) AS n FROM bank_entries e WHERE e.matched_kind = 'payout'
      AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.id = e.matched_id AND p.amount_cents = e.amount_cents AND p.status IN ('paid', 'rejected'))`],
    ['an unread bank entry has a match', sql`SELECT COUNT(*) AS n FROM bank_entries WHERE status = 'unmatched' AND matched_id IS NOT NULL`],
    // 5. Single use: never two live redemptions of one pass.
    ['a pass has two live redemptions', sql`SELECT COUNT(*) AS n FROM (SELECT pass_id FROM redemptions WHERE status = 'live' GROUP BY pass_id HAVING COUNT(*) > 1)`],
    // 5. Envelope: what orders hold ≤ envelope, and equal to the State shares of the approved orders
    // less what the State's credit notes released (issue #14: remaining = envelope − committed + released).
    ['a programme is committed over its envelope', sql`SELECT COUNT(*) AS n FROM cofinancing_programs WHERE committed_cents > envelope_cents`],
    [
      'a programme commitment differs from the State shares of its approved orders less the releases',
      sql`SELECT COUNT(*) AS n FROM cofinancing_programs c WHERE c.committed_cents != (
            SELECT COALESCE(SUM(o.state_share_cents), 0) FROM orders o WHERE o.program_id = c.id AND o.status IN ('approved', 'closed'))
            - (SELECT COALESCE(SUM(r.amount_cents), 0) FROM program_releases r WHERE r.program_id = c.id)
            OR c.released_cents != (SELECT COALESCE(SUM(r.amount_cents), 0) FROM program_releases r WHERE r.program_id = c.id)`,
    ],
    [
      'a State credit note that did not release exactly its amount to the envelope',
      sql`SELECT COUNT(*) AS n FROM credit_notes c WHERE c.party = 'state'
            AND (SELECT COUNT(*) FROM program_releases r WHERE r.credit_note_id = c.id AND r.amount_cents = c.total_cents AND r.program_id = c.program_id) != 1`,
    ],
    [
      'a buyer is committed over the per-buyer cap',
      sql`SELECT COUNT(*) AS n FROM (SELECT o.program_id, o.buyer_id, SUM(o.state_share_cents) AS committed, MAX(c.per_buyer_cap_cents) AS cap
            FROM orders o JOIN cofinancing_programs c ON c.id = o.program_id
            WHERE o.status IN ('approved', 'closed') AND c.per_buyer_cap_cents IS NOT NULL GROUP BY o.program_id, o.buyer_id) g
          WHERE g.committed - (SELECT COALESCE(SUM(r.amount_cents), 0) FROM program_releases r WHERE r.program_id = g.program_id AND r.buyer_id = g.buyer_id) > g.cap`,
    ],
    // A pass is used exactly when it has a live redemption.
    [
      'a redeemed or reimbursed pass without exactly one live redemption',
      sql`SELECT COUNT(*) AS n FROM passes p WHERE p.status IN ('redeemed', 'reimbursed')
            AND (SELECT COUNT(*) FROM redemptions r WHERE r.pass_id = p.id AND r.status = 'live') != 1`,
    ],
    [
      'a live redemption of a pass that is not used',
      sql`SELECT COUNT(*) AS n FROM redemptions r JOIN passes p ON p.id = r.pass_id WHERE r.status = 'live' AND p.status NOT IN ('redeemed', 'reimbursed')`,
    ],
    // 6. The reimbursement chain.
    [
      'a batched live redemption without exactly one reimbursement line',
      sql`SELECT COUNT(*) AS n FROM redemptions r WHERE r.status = 'live' AND r.batched_at IS NOT NULL
            AND (SELECT COUNT(*) FROM reimbursement_lines l WHERE l.redemption_id = r.id) != 1`,
    ],
    [
      'a reimbursement line for a redemption never batched',
      sql`SELECT COUNT(*) AS n FROM reimbursement_lines l JOIN redemptions r ON r.id = l.redemption_id WHERE r.batched_at IS NULL`,
    ],
    [
      'a reimbursement line in two non-rejected payouts',
      sql`SELECT COUNT(*) AS n FROM (SELECT pl.line_id FROM payout_lines pl JOIN payouts p ON p.id = pl.payout_id
            WHERE p.status != 'rejected' GROUP BY pl.line_id HAVING COUNT(*) > 1)`,
    ],
    [
      'an active payout line in a rejected payout',
      sql`SELECT COUNT(*) AS n FROM payout_lines pl JOIN payouts p ON p.id = pl.payout_id WHERE pl.active = 1 AND p.status = 'rejected'`,
    ],
    [
      'a payout line count differs from its lines',
      sql`SELECT COUNT(*) AS n FROM payouts p WHERE p.status != 'rejected'
            AND p.line_count != (SELECT COUNT(*) FROM payout_lines pl WHERE pl.payout_id = p.id AND pl.active = 1)`,
    ],
    [
      'a batch count differs from its payouts',
      sql`SELECT COUNT(*) AS n FROM reimbursement_batches b WHERE b.payout_count != (SELECT COUNT(*) FROM payouts p WHERE p.batch_id = b.id AND p.status != 'rejected')
            OR b.line_count != (SELECT COALESCE(SUM(p.line_count), 0) FROM payouts p WHERE p.batch_id = b.id AND p.status != 'rejected')`,
    ],
    [
      'a payout status out of step with its batch',
      sql`SELECT COUNT(*) AS n FROM payouts p JOIN reimbursement_batches b ON b.id = p.batch_id WHERE p.status != 'rejected'
            AND p.status != CASE b.status WHEN 'draft' THEN 'pending' ELSE b.status END`,
    ],
    [
      'a reimbursed pass whose redemption is not in a paid payout',
      sql`SELECT COUNT(*) AS n FROM passes ps JOIN redemptions r ON r.pass_id = ps.id AND r.status = 'live'
            WHERE ps.status = 'reimbursed' AND NOT EXISTS (SELECT 1 FROM reimbursement_lines l JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1
              JOIN payouts p ON p.id = pl.payout_id WHERE l.redemption_id = r.id AND p.status = 'paid')`,
    ],
    [
      'a redeemed pass whose redemption is in a paid payout',
      sql`SELECT COUNT(*) AS n FROM passes ps JOIN redemptions r ON r.pass_id = ps.id AND r.status = 'live'
            WHERE ps.status = 'redeemed' AND EXISTS (SELECT 1 FROM reimbursement_lines l JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1
              JOIN payouts p ON p.id = pl.payout_id WHERE l.redemption_id = r.id AND p.status = 'paid')`,
    ],
    // 8. Credit notes: each expired pass in exactly one, split in proportion to the order (remainder to the buyer).
    [
      'an expired pass not in exactly one credit note',
      sql`SELECT COUNT(*) AS n FROM passes p WHERE p.status = 'expired' AND (SELECT COUNT(*) FROM credit_note_passes cp WHERE cp.pass_id = p.id) != 1`,
    ],
    ['a credit note names a pass that is not expired', sql`SELECT COUNT(*) AS n FROM credit_note_passes cp JOIN passes p ON p.id = cp.pass_id WHERE p.status != 'expired'`],
    // One expiry raises one note per invoiced party in one transaction (same order, same instant);
    // its passes are linked to the first. Together the notes of an expiry equal those passes.
    [
      'the credit notes of an expiry differ from its passes',
      sql`SELECT COUNT(*) AS n FROM (SELECT c.order_id, c.created_at, SUM(c.total_cents) AS total,
            (SELECT COALESCE(SUM(p.face_value_cents), 0) FROM credit_note_passes cp JOIN passes p ON p.id = cp.pass_id
              JOIN credit_notes c2 ON c2.id = cp.credit_note_id WHERE c2.order_id = c.order_id AND c2.created_at = c.created_at) AS passes
            FROM credit_notes c GROUP BY c.order_id, c.created_at) WHERE total != passes`,
    ],
    [
      'the credit notes of an expiry not split in proportion to its order',
      sql`SELECT COUNT(*) AS n FROM (SELECT c.order_id, SUM(c.total_cents) AS total, SUM(c.state_share_cents) AS state
            FROM credit_notes c GROUP BY c.order_id, c.created_at) g JOIN orders o ON o.id = g.order_id
          WHERE g.state != (g.total * o.state_share_cents) / o.total_cents`,
    ],
    [
      'a credit note with a share of the party it is not addressed to',
      sql`SELECT COUNT(*) AS n FROM credit_notes WHERE (party = 'buyer' AND (state_share_cents != 0 OR buyer_share_cents != total_cents))
            OR (party = 'state' AND (buyer_share_cents != 0 OR state_share_cents != total_cents))`,
    ],
    // Domain rule 3: a pass is usable only once its booklet is handed out and its order funded. One
    // exception, by design: a redemption cancelled after its order expired gives back an active pass
    // in the expired booklet, which the next expiry run (closed orders included) credits.
    [
      'an active pass of a booklet not handed out, or of an unfunded order',
      sql`SELECT COUNT(*) AS n FROM passes p JOIN booklets b ON b.id = p.booklet_id JOIN orders o ON o.id = p.order_id
            WHERE p.status = 'active' AND (o.funded_at IS NULL OR b.status NOT IN ('distributed', 'started', 'used_up'))
              AND NOT (o.status = 'closed' AND b.status = 'expired' AND EXISTS (SELECT 1 FROM redemptions r WHERE r.pass_id = p.id AND r.status = 'cancelled'))`,
    ],
    // Passes exist for approved (or closed) orders only, as many as ordered.
    [
      'an order whose passes differ from what was ordered',
      sql`SELECT COUNT(*) AS n FROM orders o WHERE (SELECT COUNT(*) FROM passes p WHERE p.order_id = o.id)
            != CASE WHEN o.status IN ('approved', 'closed') THEN o.booklet_count * o.passes_per_booklet ELSE 0 END`,
    ],
  ];
  for (const [label, query] of rules) {
    const n = count(db, query);
    if (n > 0) out.push(`${label} (${n})`);
  }
  out.push(...accountsAgainstRows(db));
  out.push(...bankViolations(w));
  // 6. The SEPA file of each released batch: NbOfTxs and CtrlSum equal the batch in the database.
  for (const batch of db.select().from(reimbursementBatches).all()) {
    if (batch.status === 'draft' || batch.payoutCount === 0) continue;
    const { xml } = batchSepaXml(db, config, batch.id);
    const nb = Number(/<NbOfTxs>(\d+)<\/NbOfTxs>/.exec(xml)?.[1]);
    const sum = /<CtrlSum>([\d.]+)<\/CtrlSum>/.exec(xml)?.[1];
    if (nb !== batch.payoutCount || sum !== (batch.totalCents / 100).toFixed(2)) {
      out.push(`SEPA file of ${batch.period}: NbOfTxs ${nb}, CtrlSum ${sum}; batch ${batch.payoutCount} payouts, ${batch.totalCents} cents`);
    }
  }
  return out;
}

/**
 * Every journal account, one by one, equals what the rows say it should hold (debit minus credit):
 * the aggregate checks of the report cannot see money moved from one place, buyer or programme to another.
 */
function accountsAgainstRows(db: Db): string[] {
  const expected = new Map<string, number>();
  const add = (code: string, cents: number | null) => expected.set(code, (expected.get(code) ?? 0) + Number(cents ?? 0));
  const rows = (query: ReturnType<typeof sql>) => db.all<{ id: string | null; v: number | null }>(query);
  add('bank', count(db, sql`SELECT SUM(amount_cents) AS n FROM payments`));
  add('bank', -count(db, sql`SELECT SUM(amount_cents) AS n FROM payouts WHERE status = 'paid'`));
  add('bank:in_transit', -count(db, sql`SELECT SUM(amount_cents) AS n FROM payouts WHERE status = 'approved'`));
  for (const r of rows(sql`SELECT buyer_id AS id, SUM(total_cents - paid_cents) AS v FROM invoices WHERE party = 'buyer' GROUP BY buyer_id`)) add(`buyer:${r.id}:receivable`, r.v);
  for (const r of rows(sql`SELECT program_id AS id, SUM(total_cents - paid_cents) AS v FROM invoices WHERE party = 'state' GROUP BY program_id`)) add(`program:${r.id}:receivable`, r.v);
  add('passes:outstanding', -count(db, sql`SELECT SUM(face_value_cents) AS n FROM passes WHERE status IN ('issued', 'active', 'blocked')`));
  // 4. What each place is owed: its live redemptions not in an exported (approved or paid) payout.
  for (const r of rows(sql`SELECT r.place_id AS id, SUM(r.amount_cents) AS v FROM redemptions r WHERE r.status = 'live' AND NOT EXISTS (
      SELECT 1 FROM reimbursement_lines l JOIN payout_lines pl ON pl.line_id = l.id AND pl.active = 1 JOIN payouts p ON p.id = pl.payout_id
      WHERE l.redemption_id = r.id AND p.status IN ('approved', 'paid')) GROUP BY r.place_id`)) {
    add(`place:${r.id}:payable`, -Number(r.v));
  }
  for (const r of rows(sql`SELECT buyer_id AS id, SUM(buyer_share_cents) AS v FROM credit_notes GROUP BY buyer_id`)) add(`buyer:${r.id}:credit_note`, -Number(r.v));
  for (const r of rows(sql`SELECT program_id AS id, SUM(state_share_cents) AS v FROM credit_notes WHERE state_share_cents > 0 GROUP BY program_id`)) add(`program:${r.id}:credit_note`, -Number(r.v));
  add('fees:revenue', -count(db, sql`SELECT SUM(fee_cents) AS n FROM orders WHERE status IN ('approved', 'closed')`));
  add('vat:collected', -count(db, sql`SELECT SUM(vat_cents) AS n FROM orders WHERE status IN ('approved', 'closed')`));
  const actual = new Map(accountBalances(db).map((a) => [a.code, a.balanceCents]));
  const out: string[] = [];
  for (const code of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(code) ?? 0;
    const got = actual.get(code) ?? 0;
    if (want !== got) out.push(`account ${code}: rows say ${want}, journal says ${got}`);
  }
  return out;
}

/** States a run should reach for the property to mean something: counted over the runs, shown in the output. */
export const REACHED: [string, ReturnType<typeof sql>][] = [
  ['redemption', sql`SELECT COUNT(*) AS n FROM redemptions WHERE status = 'live'`],
  ['cancelled redemption', sql`SELECT COUNT(*) AS n FROM redemptions WHERE status = 'cancelled'`],
  ['batch', sql`SELECT COUNT(*) AS n FROM payouts`],
  ['paid batch', sql`SELECT COUNT(*) AS n FROM reimbursement_batches WHERE status = 'paid' AND total_cents > 0`],
  ['rejected payout', sql`SELECT COUNT(*) AS n FROM payouts WHERE status = 'rejected'`],
  ['re-batched line', sql`SELECT COUNT(*) AS n FROM (SELECT line_id FROM payout_lines GROUP BY line_id HAVING COUNT(*) > 1)`],
  ['blocked pass', sql`SELECT COUNT(*) AS n FROM passes WHERE status = 'blocked'`],
  ['credit note', sql`SELECT COUNT(*) AS n FROM credit_notes`],
  ['payment read from a statement', sql`SELECT COUNT(*) AS n FROM bank_entries WHERE matched_kind = 'payment'`],
  ['payout paid from a statement', sql`SELECT COUNT(*) AS n FROM bank_entries WHERE matched_kind = 'payout'`],
  ['typed-in payment linked by a statement', sql`SELECT COUNT(*) AS n FROM bank_entries e JOIN payments p ON p.id = e.matched_id WHERE e.matched_kind = 'payment' AND p.reference NOT LIKE 'Relevé %'`],
  ['return read from a statement', sql`SELECT COUNT(*) AS n FROM bank_entries WHERE matched_kind = 'payout_return'`],
  ['movement set aside', sql`SELECT COUNT(*) AS n FROM bank_entries WHERE status = 'dismissed'`],
  ['movement known from an earlier statement', sql`SELECT COUNT(*) AS n FROM bank_statements WHERE new_entry_count < entry_count`],
  ['capped commitment', sql`SELECT COUNT(*) AS n FROM orders WHERE program_id IS NOT NULL AND state_share_cents * 2 < total_cents AND status != 'cancelled'`],
];
