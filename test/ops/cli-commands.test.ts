/**
 * The `minibank` command's help is honest (issue 15 part A, item 4): every file in src/cli/commands/
 * is a command that `minibank --help` lists and that runs, and the help lists nothing else. The ledger
 * chain has no command of its own: `minibank verify` checks it, and `verify --from <seq>` checks it
 * alone. Run as an operator runs it: the real command in a child process, a temporary DATA_DIR.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-cli-commands-'));

function minibank(args: string[]) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(dir, 'data') },
    encoding: 'utf8',
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** The command names `minibank --help` lists, in order (the lines under "Commands:"). */
function listedCommands(help: string): string[] {
  const block = help.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
  return block.split('\n').map((line) => /^ {2}(\S+) +\S/.exec(line)?.[1] ?? `<unreadable line: ${line}>`);
}

describe('minibank --help (child process)', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists exactly the commands that src/cli/commands/ holds, one file each, and each answers --help', () => {
    const help = minibank(['--help']);
    assert.equal(help.code, 0, help.stderr);
    const listed = listedCommands(help.stdout);
    const files = fs
      .readdirSync(path.join(ROOT, 'src/cli/commands'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''));
    assert.deepEqual([...listed].sort(), [...files].sort(), 'a file in commands/ that is not a listed command, or a listed command without its file');
    for (const name of listed) {
      const own = minibank([name, '--help']);
      assert.equal(own.code, 0, `${name} --help: ${own.stderr}`);
      assert.match(own.stdout, new RegExp(`^Usage: minibank ${name}\\b`), `${name} --help`);
    }
  });

  it('has no verify-chain command: it is unknown (exit 2), and verify says it checks the chain, with --from for the chain alone', () => {
    const stray = minibank(['verify-chain']);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /unknown command "verify-chain"/);
    const help = minibank(['--help']).stdout;
    assert.match(help, /^ {2}verify +check the books .*hash chain$/m);
    const verifyHelp = minibank(['verify', '--help']).stdout;
    assert.match(verifyHelp, /recomputes the ledger's hash chain/);
    assert.match(verifyHelp, /--from <seq>/);
    const badFrom = minibank(['verify', '--from', 'x']);
    assert.equal(badFrom.code, 2, 'a bad chain position is a usage error');
    assert.match(badFrom.stderr, /--from takes a chain position/);
  });

  it('verifies a fresh SQLite bank, books and chain, with exit 0', () => {
    const whole = minibank(['verify']);
    assert.equal(whole.code, 0, whole.stdout + whole.stderr);
    assert.match(whole.stdout, /books are sound/);
    const chain = minibank(['verify', '--from', '1']);
    assert.equal(chain.code, 0, chain.stdout + chain.stderr);
    assert.match(chain.stdout, /chain is sound/);
  });
});
