import type { Db, DbOrTx } from '../../../db/client.ts';
import type { TerritoryRestrictionColumn } from '../../../db/schema/orders.ts';
import type { Clock } from '../../shared/clock.ts';
import { shareOrHidden, suppressSmallCells } from '../../shared/small-cells.ts';
import { isOperator, type Actor } from '../identity/actor.ts';
import { findOrganisation } from '../accounts/accounts.repository.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { findProgram } from '../programs/programs.repository.ts';
import { listPublicCategories } from '../programs/public-categories.repository.ts';
import { getTerritories } from '../territories/territories.ts';
import type { ProgramReportView, StateTermsInput } from './oversight.schemas.ts';
import { notAStateOrganisation, stateProgramNotFound } from './oversight.errors.ts';
import { owedOnUse } from './program-rules.ts';
import * as repo from './state.repository.ts';
import { distributionsByPublic } from './usage.repository.ts';
import { thresholdFor } from './usage.service.ts';

/** The operator links a programme to the State organisation that funds it and sets the call's rules. */
export function setStateTerms(deps: { db: Db; clock: Clock; actor: Actor; programId: string; input: StateTermsInput }): repo.StateTermsRow {
  const { db, clock, actor, programId, input } = deps;
  return db.transaction(
    (tx) => {
      if (!findProgram(tx, programId)) throw stateProgramNotFound();
      if (input.stateOrganisationId !== null) {
        // The operator sets the terms: it sees every organisation, so an unknown id reads as "not a State".
        const org = findOrganisation(tx, actor, input.stateOrganisationId);
        if (!org || org.kind !== 'state') throw notAStateOrganisation();
      }
      const row: repo.StateTermsRow = { programId, ...input, updatedAt: clock.now().toISOString() };
      repo.upsertStateTerms(tx, row);
      recordAudit(tx, clock, actor, 'program.state_terms_set', { type: 'program', id: programId }, { ...input });
      return row;
    },
    { behavior: 'immediate' },
  );
}

/** The programme if the actor may read its report: the operator, or the State organisation that funds it. */
function readableProgram(db: DbOrTx, actor: Actor, programId: string) {
  const program = findProgram(db, programId);
  const terms = program ? repo.findStateTerms(db, programId) : undefined;
  if (!program) throw stateProgramNotFound();
  if (!isOperator(actor) && !(actor.organisationKind === 'state' && terms?.stateOrganisationId === actor.organisationId)) throw stateProgramNotFound();
  return { program, terms };
}

/**
 * What the State reads of a programme it funds: its money (envelope to credited), per buyer what
 * became of the passes, the share of distributions to priority publics against the quota, and for
 * a programme paying on use, what it owes on the passes used against what it was invoiced.
 */
export function programReport(deps: { db: DbOrTx; clock: Clock; actor: Actor; programId: string }): ProgramReportView {
  const { db, actor, programId } = deps;
  const { program, terms } = readableProgram(db, actor, programId);
  const threshold = thresholdFor(actor);
  const money = repo.programMoney(db, programId);
  const orders = repo.programOrders(db, programId);
  const counts = new Map(repo.orderPassCounts(db, programId).map((c) => [c.orderId, c]));

  const territories = getTerritories();
  const buyers = new Map<string, { buyerId: string; buyerName: string; territories: Set<string>; bought: number; distributed: number; used: number }>();
  for (const o of orders) {
    const b = buyers.get(o.buyerId) ?? { buyerId: o.buyerId, buyerName: o.buyerName, territories: new Set<string>(), bought: 0, distributed: 0, used: 0 };
    b.territories.add(territories.describeTerritory(o.territory === null ? null : (JSON.parse(o.territory) as TerritoryRestrictionColumn)));
    const c = counts.get(o.orderId);
    b.bought += c?.bought ?? 0;
    b.distributed += c?.distributed ?? 0;
    b.used += c?.used ?? 0;
    buyers.set(o.buyerId, b);
  }
  const rows = [...buyers.values()];
  const distributedColumn = suppressSmallCells(rows.map((r) => ({ count: r.distributed })), threshold);
  const usedColumn = suppressSmallCells(rows.map((r) => ({ count: r.used })), threshold);
  const byBuyer = rows.map((r, i) => ({
    buyerId: r.buyerId,
    buyerName: r.buyerName,
    territory: [...r.territories].join(' ; '),
    bought: r.bought,
    distributed: distributedColumn[i]!.count,
    used: usedColumn[i]!.count,
    masked: distributedColumn[i]!.count === null || usedColumn[i]!.count === null,
  }));

  const priorityCodes = new Set(listPublicCategories(db, { includeInactive: true }).filter((c) => c.priority).map((c) => c.code));
  const byPublic = distributionsByPublic(db, { programId });
  const total = byPublic.reduce((sum, r) => sum + r.n, 0);
  const priorityCount = byPublic.filter((r) => priorityCodes.has(r.publicCategory)).reduce((sum, r) => sum + r.n, 0);
  const priorityShare = shareOrHidden(priorityCount, total, threshold);
  const quota = terms?.priorityQuotaBasisPoints ?? null;
  const paysOn = terms?.paysOn ?? 'purchase';

  return {
    programId,
    programName: program.name,
    rateBasisPoints: program.rateBasisPoints,
    paysOn,
    smallCellThreshold: threshold,
    envelopeCents: program.envelopeCents,
    // The programme row keeps what orders still hold; committed in all includes what came back.
    committedCents: program.committedCents + program.releasedCents,
    ...money,
    releasedCents: program.releasedCents,
    remainingCents: program.envelopeCents - program.committedCents,
    byBuyer,
    priority: {
      distributions: total,
      priorityShare,
      quotaBasisPoints: quota,
      // Compared on the counts, not the rounded share: 49.96 % is not half.
      quotaMet: quota === null || priorityShare === null ? null : priorityCount * 10_000 >= quota * total,
    },
    payOnUse:
      paysOn === 'use'
        ? orders.map((o) => ({
            orderId: o.orderId,
            reference: o.reference,
            buyerName: o.buyerName,
            usedCents: o.usedCents,
            owedOnUseCents: owedOnUse(o.usedCents, program.rateBasisPoints, o.stateShareCents),
            invoicedCents: o.invoicedCents,
          }))
        : [],
  };
}

export function statePrograms(db: DbOrTx, actor: Actor) {
  return actor.organisationKind === 'state' ? repo.programsOfState(db, actor.organisationId) : [];
}
