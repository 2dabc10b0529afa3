/**
 * Checks the journal of the configured database: recomputes the hash chain from the stored rows, the
 * trial balance, and every account's running totals from its lines. Exit code 1 when either is broken, so that a cron job or a CI step can alert.
 *
 *   npm run ledger:verify
 */
import { pathToFileURL } from 'node:url';
import { migrateDatabase, openDatabase, type Db } from '../db/client.ts';
import { loadConfigOrExit } from '../server/config.ts';
import { trialBalance, verifyBalances, verifyChain } from '../server/modules/finance/ledger.ts';
import { formatEuros } from '../server/shared/money.ts';

export function ledgerReport(db: Db): { ok: boolean; text: string } {
  const chain = verifyChain(db);
  const trial = trialBalance(db);
  const balances = verifyBalances(db);
  const lines = ['Vérification du journal comptable', ''];
  if (chain.ok) {
    lines.push(`Chaînage : correct (${chain.entries} écriture${chain.entries > 1 ? 's' : ''}).`);
    if (chain.entries > 0) {
      // A deleted tail leaves a valid chain: only a copy of the last hash kept elsewhere reveals it.
      lines.push(`Dernière écriture : n° ${chain.lastSeq}, empreinte ${chain.lastHash}`);
      lines.push('Conservez cette empreinte hors de la base pour pouvoir détecter une suppression des dernières écritures.');
    }
  } else {
    lines.push(`Chaînage : ROMPU à l’écriture n° ${chain.brokenAtSeq} (${chain.reason}) : ${chain.detail}.`);
  }
  lines.push(
    `Balance : ${trial.balanced ? 'équilibrée' : 'DÉSÉQUILIBRÉE'} (débits ${formatEuros(trial.debitCents)}, crédits ${formatEuros(trial.creditCents)}).`,
  );
  if (balances.ok) {
    lines.push(`Soldes des comptes : conformes aux lignes (${balances.accounts} compte${balances.accounts > 1 ? 's' : ''}).`);
  } else {
    lines.push(`Soldes des comptes : ${balances.mismatches.length} compte(s) NE correspondent PAS à leurs lignes :`);
    for (const m of balances.mismatches) {
      lines.push(
        `  - ${m.code} : enregistré ${formatEuros(m.storedDebitCents)} au débit, ${formatEuros(m.storedCreditCents)} au crédit ; lignes ${formatEuros(m.linesDebitCents)} au débit, ${formatEuros(m.linesCreditCents)} au crédit`,
      );
    }
  }
  const ok = chain.ok && trial.balanced && balances.ok;
  lines.push('', ok ? 'Résultat : journal intègre.' : 'Résultat : journal NON intègre, à examiner avant toute nouvelle opération financière.');
  return { ok, text: lines.join('\n') };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const config = loadConfigOrExit(2);
  const db = openDatabase(config.databasePath);
  try {
    migrateDatabase(db);
    const { ok, text } = ledgerReport(db);
    console.log(text);
    process.exitCode = ok ? 0 : 1;
  } finally {
    db.$client.close();
  }
}
