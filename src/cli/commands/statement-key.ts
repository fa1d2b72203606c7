/**
 * `minibank statement-key rotate|show` (issue 16 item 3): rotates the statement signing key, keeping
 * the public halves of the earlier keys so statements they signed still verify, or prints the
 * public JWK Set. Works on STATEMENT_KEY_FILE or DATA_DIR/statement-key.json; running servers pick
 * up a rotation on their next statement (they re-read the file when it changes).
 */
import { ensureStatementKeyFile, rotateStatementKey, statementKeyStore } from '../../services/statement-keys.js';
import { statementKeyFilePath } from '../../statement-key-file.js';
import { EXIT_OK, parseCommandArgs, UsageError, type Command } from '../command.js';

export const statementKey: Command = {
  name: 'statement-key',
  summary: 'rotate the statement signing key, or show the public keys',
  help: `Usage: minibank statement-key rotate
       minibank statement-key show

rotate  generates a new Ed25519 statement key; the old key's public half stays published at
        /.well-known/minibank/statement-key so statements it signed still verify; its private
        half is dropped. With several instances, they must share the key file (STATEMENT_KEY_FILE).
show    prints the public keys as the JWK Set the server publishes (creating the key if none).`,
  async run(args, loadConfig) {
    const { positionals } = parseCommandArgs(args, {}, { min: 1, max: 1, names: 'rotate or show' });
    const file = statementKeyFilePath(loadConfig());
    if (positionals[0] === 'rotate') {
      const { keyId, retired } = rotateStatementKey(file);
      console.log(`new statement key ${keyId} in ${file}; ${retired} retired (still published for verification)`);
      return EXIT_OK;
    }
    if (positionals[0] === 'show') {
      ensureStatementKeyFile(file);
      console.log(JSON.stringify(statementKeyStore(file).jwks(), null, 2));
      return EXIT_OK;
    }
    throw new UsageError(`unknown action "${positionals[0]}"`);
  },
};
