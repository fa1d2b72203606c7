import fs from 'node:fs';
import { sql } from 'kysely';
import { formatDecimal } from '../../domain/money.js';
import { sqliteFile } from '../../storage/open-storage.js';
import type { Db } from '../../storage/storage.js';
import { CommandFailed, EXIT_OK, parseCommandArgs, withStorage, type Command } from '../command.js';

export interface BankStats {
  users: bigint;
  accounts: { user: bigint; frozen: bigint };
  transactions: { total: bigint; byType: Record<string, bigint> };
  /** Sum of user balances per currency, in minor units: the money customers hold. */
  circulation: Record<string, bigint>;
}

const big = (v: unknown): bigint => BigInt(String(v ?? 0));

export async function collectStats(db: Db): Promise<BankStats> {
  const users = await db.selectFrom('users').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow();
  const accounts = await db
    .selectFrom('accounts')
    .where('kind', '=', 'user')
    .select([sql<string>`count(*)`.as('n'), sql<string>`sum(case when status = 'frozen' then 1 else 0 end)`.as('frozen')])
    .executeTakeFirstOrThrow();
  const byTypeRows = await db.selectFrom('ledger_transactions').select(['type', sql<string>`count(*)`.as('n')]).groupBy('type').orderBy('type').execute();
  const circulationRows = await db
    .selectFrom('accounts')
    .where('kind', '=', 'user')
    .select(['currency', sql<string>`sum(balance)`.as('total')])
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  const byType = Object.fromEntries(byTypeRows.map((r) => [r.type, big(r.n)]));
  return {
    users: big(users.n),
    accounts: { user: big(accounts.n), frozen: big(accounts.frozen) },
    transactions: { total: Object.values(byType).reduce((a, b) => a + b, 0n), byType },
    circulation: Object.fromEntries(circulationRows.map((r) => [r.currency, big(r.total)])),
  };
}

export const stats: Command = {
  name: 'stats',
  summary: 'users, accounts, transactions and money in circulation per currency',
  help: `Usage: minibank stats [--json]

Counts users, user accounts (and how many are frozen), ledger transactions by type, and the money
in circulation per currency (the sum of customers' balances; the bank's cash account holds the
opposite). Read-only; safe while the server runs.

Options:
  --json   one JSON object (amounts as strings of minor units) instead of text`,
  async run(args, loadConfig) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' } }, { min: 0, max: 0, names: '' });
    const config = loadConfig();
    if (!config.databaseUrl && !fs.existsSync(sqliteFile(config))) throw new CommandFailed(`no database at ${sqliteFile(config)} (check DATA_DIR)`);
    const result = await withStorage(config, (storage) => collectStats(storage.db));
    if (values.json) {
      console.log(JSON.stringify(result, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
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
