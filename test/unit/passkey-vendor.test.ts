/**
 * The browser library the passkey script uses is a copy of @simplewebauthn/browser's bundle under
 * src/views/static/vendor (served from /static like every other file, under the same CSP). This
 * proves the copy is the installed package's file, byte for byte after its licence header, so an
 * upgrade of the package that forgets the copy fails here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';

const VENDORED = new URL('../../src/views/static/vendor/simplewebauthn-browser.umd.min.js', import.meta.url);
const INSTALLED = new URL('../../node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js', import.meta.url);

describe('the vendored WebAuthn browser library', () => {
  it('is the installed @simplewebauthn/browser bundle, with its MIT licence on top', () => {
    const vendored = fs.readFileSync(VENDORED, 'utf8');
    const installed = fs.readFileSync(INSTALLED, 'utf8');
    const version = (
      JSON.parse(fs.readFileSync(new URL('../../node_modules/@simplewebauthn/browser/package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
    const headerEnd = vendored.indexOf(' */\n') + 4;
    assert.match(vendored.slice(0, headerEnd), /MIT License/);
    assert.match(vendored.slice(0, headerEnd), new RegExp(`@simplewebauthn/browser ${version.replace(/\./g, '\\.')}`));
    assert.equal(vendored.slice(headerEnd), installed);
  });
});
