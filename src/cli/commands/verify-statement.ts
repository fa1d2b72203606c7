/**
 * `minibank verify-statement <file.json> [--key <file or JWK/JWK Set text>]` (issue 16 item 4):
 * checks a signed monthly statement offline, without the database: the Ed25519 signature against
 * the statement keys, and the arithmetic (opening + credits - debits = closing, every running
 * balance, the totals). Exit 0 sound, 1 not (with every reason), 2 bad usage.
 *
 * The keys: --key names a file holding a JWK or a JWK Set (as fetched by the user from
 * GET /.well-known/minibank/statement-key), or is that JSON text itself. Without --key, on the
 * bank's own machine, the public keys of the local statement key file are used (STATEMENT_KEY_FILE
 * or DATA_DIR/statement-key.json). The tool never fetches anything over the network.
 */
import fs from 'node:fs';
import { statementProblems } from '../../domain/statement.js';
import { publicJwkOf } from '../../services/statement-keys.js';
import { parseKeyText, signatureProblem, type PublicJwk } from '../../services/statement-signature.js';
import { statementKeyFilePath } from '../../statement-key-file.js';
import type { Config } from '../../config.js';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, UsageError, type Command } from '../command.js';

/** Most bytes of a statement file read (a month of an account is far smaller). */
const MAX_STATEMENT_BYTES = 64 * 1024 * 1024;

/** Every problem with `statementText` checked against `keys` (empty: sound). */
export function statementFileProblems(statementText: string, keys: readonly PublicJwk[]): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(statementText);
  } catch (error) {
    return [`the file is not JSON: ${(error as Error).message}`];
  }
  const problems = statementProblems(parsed);
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const signature = signatureProblem(parsed as Record<string, unknown>, keys);
    if (signature !== null) problems.unshift(signature);
  }
  return problems;
}

/** The keys --key names (a file or JSON text), or the local key file's public keys without it. */
export function keysFrom(keyArg: string | undefined, loadConfig: () => Config): PublicJwk[] {
  if (keyArg !== undefined) {
    const text = keyArg.trimStart().startsWith('{') || keyArg.trimStart().startsWith('[') ? keyArg : readOrUsage(keyArg, 'key file');
    try {
      return parseKeyText(text);
    } catch (error) {
      throw new UsageError(`--key: ${(error as Error).message}`);
    }
  }
  const file = statementKeyFilePath(loadConfig());
  if (!fs.existsSync(file)) {
    throw new UsageError(
      `no --key given and no statement key file at ${file}: download the bank's keys from GET /.well-known/minibank/statement-key and pass them with --key <file>`,
    );
  }
  const content = JSON.parse(fs.readFileSync(file, 'utf8')) as { current: { private_key: string }; previous: PublicJwk[] };
  return [publicJwkOf(content.current.private_key), ...content.previous];
}

function readOrUsage(file: string, what: string): string {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new UsageError(`cannot read the ${what} ${file}`);
  }
  if (size > MAX_STATEMENT_BYTES) throw new UsageError(`the ${what} ${file} is larger than ${MAX_STATEMENT_BYTES} bytes`);
  return fs.readFileSync(file, 'utf8');
}

export const verifyStatement: Command = {
  name: 'verify-statement',
  summary: 'check a signed monthly statement offline: signature and arithmetic',
  help: `Usage: minibank verify-statement <statement.json> [--key <file or JSON>]

Checks a monthly statement (as GET /api/v1/accounts/{id}/statements/{YYYY-MM} or the statement
page's JSON download gives it) without the database: the Ed25519 signature over its RFC 8785
canonical JSON, and its arithmetic (opening + credits - debits = closing, every running balance,
the totals). The format is in docs/ledger.md.

--key   a file holding the bank's public keys (a JWK Set, as served at
        /.well-known/minibank/statement-key, or a single JWK), or that JSON text itself.
        Fetch it yourself (this tool never goes online). Without --key, the public halves of the
        local statement key file are used (STATEMENT_KEY_FILE or DATA_DIR/statement-key.json).

Exit 0 when the statement is sound, 1 with every reason when not, 2 on bad usage.`,
  async run(args, loadConfig) {
    const { values, positionals } = parseCommandArgs(args, { key: { type: 'string' } }, { min: 1, max: 1, names: '<statement.json>' });
    const keys = keysFrom(values.key, loadConfig);
    const problems = statementFileProblems(readOrUsage(positionals[0]!, 'statement'), keys);
    if (problems.length === 0) {
      console.log('statement is sound: the signature verifies and the figures add up');
      return EXIT_OK;
    }
    console.log(`statement is NOT sound, ${problems.length} problem(s):`);
    for (const problem of problems) console.log(`  - ${problem}`);
    return EXIT_FAILED;
  },
};
