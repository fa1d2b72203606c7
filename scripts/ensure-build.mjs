#!/usr/bin/env node
/**
 * `npm start`'s prestart (issue 12 item 7): the server runs from dist/, compiled once at install
 * (`prepare`). Starting must not recompile every time, so this only checks: when dist/ is missing or
 * a file under src/ is newer than the compiled entry point (a `git pull`, an edit), it says so and
 * builds once; otherwise it does nothing. Exits with the build's status, so a failed build stops the start.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'cli', 'main.js');

/** The newest modification time of a .ts file under dir, in ms. */
function newestSourceMs(dir) {
  let newest = 0;
  for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestSourceMs(full));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

const builtMs = fs.existsSync(entry) ? fs.statSync(entry).mtimeMs : 0;
if (builtMs === 0 || newestSourceMs(path.join(root, 'src')) > builtMs) {
  console.error(`minibank: ${builtMs === 0 ? 'dist/ is missing' : 'dist/ is older than src/'}; building once (npm run build)...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('minibank: the build failed (see above); fix it, or run `npm run build`, then `npm start` again.');
    process.exit(build.status ?? 1);
  }
}
