/**
 * Screenshots of the main pages, kept as test artifacts in test-artifacts/screenshots/ (ignored by
 * git). With UPDATE_DOCS_SCREENSHOTS=1 the ones the README shows are also copied to
 * docs/screenshots/; that is opt-in, so a normal test run never dirties the work tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACT_DIR = path.join(ROOT, 'test-artifacts', 'screenshots');
export const DOCS_DIR = path.join(ROOT, 'docs', 'screenshots');

/** The screenshots the README shows. */
const FOR_DOCS = new Set([
  'dashboard',
  'transfer-review',
  'transactions',
  'dashboard-phone',
  'statement',
  'statement-print',
  'requests',
  // Issue 13: the second factor's pages.
  'totp-enrolment',
  'second-factor-sign-in',
  'passkeys-settings',
  'transfer-step-up-code',
  'transfer-step-up',
  // Issue 15: the operators' console, and a frozen account as its owner sees it.
  'admin-search',
  'admin-customer',
  'admin-account',
  'dashboard-frozen',
  // Issue 15 B: the approval queue and the deposits report.
  'admin-approvals',
  'admin-deposits',
]);

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACT_DIR, { recursive: true });
  const file = path.join(ARTIFACT_DIR, `${name}.png`);
  // No caret blink or focus ring animation in the picture; the page is already loaded.
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1' && FOR_DOCS.has(name)) {
    fs.mkdirSync(DOCS_DIR, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_DIR, `${name}.png`));
  }
  return file;
}
