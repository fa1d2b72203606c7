/**
 * Where the statement key lives (issue 16 item 3): STATEMENT_KEY_FILE, or DATA_DIR/statement-key.json.
 * One key store per file per process, so every route and page signs with the same loaded key.
 */
import path from 'node:path';
import type { Config } from './config.js';
import { statementKeyStore, type StatementKeys } from './services/statement-keys.js';

/** The absolute path of the statement key file for `config`. */
export function statementKeyFilePath(config: Pick<Config, 'statementKeyFile' | 'dataDir'>): string {
  return path.resolve(config.statementKeyFile || path.join(config.dataDir, 'statement-key.json'));
}

const stores = new Map<string, StatementKeys>();

/** The key store for `config`'s key file (created on first use; re-read when the file changes). */
export function statementKeysFor(config: Pick<Config, 'statementKeyFile' | 'dataDir'>): StatementKeys {
  const file = statementKeyFilePath(config);
  let store = stores.get(file);
  if (!store) {
    store = statementKeyStore(file);
    stores.set(file, store);
  }
  return store;
}
