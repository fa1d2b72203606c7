/**
 * The signed statement document (contract "Statements and the ledger chain"; format in
 * docs/ledger.md): the use case's figures as the API's JSON (transactions exactly as the API lists
 * them), sealed with the statement key. The API, the JSON download and the PDF all come from here,
 * so they carry the same figures and signature.
 */
import { buildStatement, type StatementData } from '../app/statements.js';
import type { AppContext } from '../app/context.js';
import { jsonInteger, type SignedStatement, type UnsignedStatement } from '../domain/statement.js';
import { sealStatement } from '../services/statement-signature.js';
import { statementKeysFor } from '../statement-key-file.js';
import { rfc3339, transactionJson } from './routes/api/serialize.js';

/** The statement's JSON without key_id and signature; every amount a JSON number (exact: |n| < 2^53). */
export function unsignedStatementJson(data: StatementData): Omit<UnsignedStatement, 'key_id'> {
  return {
    account: { ...data.account },
    month: data.month.text,
    final: data.month.final,
    opening_balance: jsonInteger(data.openingMinor),
    closing_balance: jsonInteger(data.figures.closingMinor),
    total_credits: jsonInteger(data.figures.creditsMinor),
    total_debits: jsonInteger(data.figures.debitsMinor),
    transactions: data.transactions.map((t) => ({
      ...transactionJson(t),
      amount: jsonInteger(t.amountMinor),
      balance_after: jsonInteger(t.balanceAfterMinor),
    })),
    ledger_head: { seq: jsonInteger(data.ledgerHead.seq), hash: data.ledgerHead.hash },
    issued_at: rfc3339(data.issuedAtMs),
  };
}

/** Builds and signs the user's statement for one account and month (errors as buildStatement's). */
export async function signedStatement(
  ctx: AppContext,
  userId: string,
  accountId: string,
  month: string,
): Promise<{ data: StatementData; json: SignedStatement }> {
  const data = await buildStatement(ctx, userId, accountId, month);
  return { data, json: sealStatement(statementKeysFor(ctx.config), unsignedStatementJson(data)) };
}
