/**
 * Prints the README's settings table from the one settings schema in src/config.ts, or with
 * `--write` replaces the table between the markers in README.md. A test checks they agree.
 */
import fs from 'node:fs';
import { settings } from '../src/config.js';

export function settingsTable(): string {
  const rows = Object.values(settings).map((s) => `| \`${s.env}\` | ${s.default === '' ? '(empty)' : `\`${s.default}\``} | ${s.doc} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export const START = '<!-- settings:start -->';
export const END = '<!-- settings:end -->';

if (process.argv[1]?.endsWith('settings-table.ts')) {
  if (process.argv.includes('--write')) {
    const readme = fs.readFileSync('README.md', 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    if (start < 0 || end < start) throw new Error('README.md lacks the settings markers');
    fs.writeFileSync('README.md', `${readme.slice(0, start + START.length)}\n${settingsTable()}\n${readme.slice(end)}`);
  } else {
    console.log(settingsTable());
  }
}
