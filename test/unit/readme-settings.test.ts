import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { END, START, settingsTable } from '../../scripts/settings-table.js';

describe('README settings table', () => {
  it('lists every setting of src/config.ts exactly (run `npm run docs:settings` after adding one)', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
    assert.equal(table, settingsTable());
  });
});
