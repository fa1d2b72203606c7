/**
 * How long the password-strength check (zxcvbn, src/app/password-policy.ts) takes on the passwords
 * that cost it most, by length: it runs on the event loop at sign-up and password change, so its
 * worst case is how long one unauthenticated request can stall the server. Prints figures only.
 *
 *   npx tsx bench/password-policy.ts
 */
import crypto from 'node:crypto';
import { checkPassword } from '../src/app/password-policy.js';

const SHAPES: Record<string, (n: number) => string> = {
  random: (n) => crypto.randomBytes(n).toString('base64').slice(0, n),
  words: (n) => 'correct horse battery staple '.repeat(20).slice(0, n),
  repeat: (n) => 'ab1!'.repeat(100).slice(0, n),
  leet: (n) => 'P@55w0rd!'.repeat(40).slice(0, n),
  keyboard: (n) => 'qwertyuiop[]asdfghjkl;'.repeat(20).slice(0, n),
};

await checkPassword('load the dictionaries first 12345!', 'bench').catch(() => undefined);
console.log('| length | ' + Object.keys(SHAPES).join(' ms | ') + ' ms |');
console.log('| --- |' + ' --- |'.repeat(Object.keys(SHAPES).length));
for (const length of [16, 32, 64, 128, 256]) {
  const cells = [];
  for (const make of Object.values(SHAPES)) {
    const start = performance.now();
    await checkPassword(make(length), 'bench').catch(() => undefined);
    cells.push((performance.now() - start).toFixed(1));
  }
  console.log(`| ${length} | ${cells.join(' | ')} |`);
}
