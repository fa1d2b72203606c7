import fs from 'node:fs';
import { formatDecimal } from '../../domain/money.js';
import { sqliteFile } from '../../storage/open-storage.js';
import { countBank } from '../../storage/repositories/stats-repository.js';
import type { Db } from '../../storage/storage.js';
import { CommandFailed, EXIT_OK, parseCommandArgs, withStorage, type Command } from '../command.js';

export interface BankStats {
  users: bigint;
  accounts: { user: bigint; frozen: bigint };
  transactions: { total: bigint; byType: Record<string, bigint> };
  /** Sum of user balances per currency, in minor units: the money customers hold. */
  circulation: Record<string, bigint>;
}

/** The bank's numbers from the database (stats-repository.ts). */
export async function collectStats(db: Db): Promise<BankStats> {
  const counts = await countBank(db);
  return {
    users: counts.users,
    accounts: { user: counts.userAccounts, frozen: counts.frozenAccounts },
    transactions: { total: Object.values(counts.transactionsByType).reduce((a, b) => a + b, 0n), byType: counts.transactionsByType },
    circulation: counts.circulation,
  };
}

/**
 * The `--json` form (issue 12 item 8): counts as JSON numbers (they are far below 2^53), amounts
 * as exact strings of minor units, as documented in the help.
 */
export function statsJson(stats: BankStats): string {
  const count = (n: bigint) => Number(n);
  return JSON.stringify({
    users: count(stats.users),
    accounts: { user: count(stats.accounts.user), frozen: count(stats.accounts.frozen) },
    transactions: {
      total: count(stats.transactions.total),
      byType: Object.fromEntries(Object.entries(stats.transactions.byType).map(([type, n]) => [type, count(n)])),
    },
    circulation: Object.fromEntries(Object.entries(stats.circulation).map(([currency, total]) => [currency, total.toString()])),
  });
}

export const stats: Command = {
  name: 'stats',
  summary: 'users, accounts, transactions and money in circulation per currency',
  help: `Usage: minibank stats [--json]

Counts users, user accounts (and how many are frozen), ledger transactions by type, and the money
in circulation per currency (the sum of customers' balances; the bank's cash account holds the
opposite). Read-only; safe while the server runs.

Options:
  --json   one JSON object (counts as numbers, amounts as strings of minor units) instead of text`,
  async run(args, loadConfig) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' } }, { min: 0, max: 0, names: '' });
    const config = loadConfig();
    if (!config.databaseUrl && !fs.existsSync(sqliteFile(config))) throw new CommandFailed(`no database at ${sqliteFile(config)} (check DATA_DIR)`);
    const result = await withStorage(config, (storage) => collectStats(storage.db));
    if (values.json) {
      console.log(statsJson(result));
      return EXIT_OK;
    }
    console.log(`users          ${result.users}`);
    console.log(`accounts       ${result.accounts.user} (${result.accounts.frozen} frozen)`);
    console.log(`transactions   ${result.transactions.total}`);
    for (const [type, n] of Object.entries(result.transactions.byType)) console.log(`  ${type.padEnd(13)}${n}`);
    console.log('in circulation');
    const currencies = Object.entries(result.circulation);
    if (currencies.length === 0) console.log('  (no accounts)');
    for (const [currency, total] of currencies) console.log(`  ${currency}          ${formatDecimal(total, currency)} (${total} minor units)`);
    return EXIT_OK;
  },
};
