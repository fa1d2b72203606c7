/**
 * The password rules (OWASP ASVS 5.0 V6.2): 12 to 256 characters, any characters, nothing truncated
 * or altered, no composition rules; and not guessable. Guessability is estimated offline by
 * zxcvbn-ts with its shipped dictionaries (about 50,000 common passwords plus English words, names
 * and keyboard layouts), which also catches the obvious variations of them: a common word plus
 * digits or a year, l33t spelling, repeats, sequences and keyboard walks. No network look-up.
 */
import type { ZxcvbnResult } from '@zxcvbn-ts/core';
import { DomainError } from '../domain/errors.js';

export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_CHARS = 256;

/**
 * Passwords an attacker needs fewer than 10^10 guesses for are refused. zxcvbn's own "score 3"
 * (10^8) still lets through "Welcome2024!!" and "purple elephant"; 10^10 refuses those while a
 * four-word passphrase or twelve random characters pass easily.
 */
export const MIN_GUESSES_LOG10 = 10;

/**
 * zxcvbn's matching grows much faster than the password: with its defaults one 256-character
 * password ("P@55w0rd!" repeated) held the event loop for 28 s, an unauthenticated denial of
 * service through sign-up. So it judges the first JUDGED_CHARS characters (a password whose first
 * 64 characters are hard to guess is at least as hard as a whole), and its l33t matcher tries at
 * most L33T_MAX_SUBSTITUTIONS substitutions (default 100), which still catches "p4$$w0rd" and
 * "M0nk3y". Worst case measured after: under 0.1 s (`npx tsx bench/password-policy.ts`). The
 * whole password is still what gets hashed and compared; nothing is truncated there.
 */
export const JUDGED_CHARS = 64;
const L33T_MAX_SUBSTITUTIONS = 3;

interface Estimator {
  zxcvbn(password: string, userInputs: string[]): ZxcvbnResult;
  commonPasswords: Set<string>;
}

let estimatorLoad: Promise<Estimator> | undefined;

/**
 * The dictionaries add about 35 MB to the server's memory and take 0.2-0.6 s to load, and only
 * sign-up and password changes need them, so they are loaded on first use rather than at start-up.
 * Concurrent first callers share one load; a failed load is retried by the next caller instead of
 * being remembered.
 */
function loadEstimator(): Promise<Estimator> {
  estimatorLoad ??= (async () => {
    const [{ zxcvbn, zxcvbnOptions }, common, en] = await Promise.all([
      import('@zxcvbn-ts/core'),
      import('@zxcvbn-ts/language-common'),
      import('@zxcvbn-ts/language-en'),
    ]);
    zxcvbnOptions.setOptions({
      dictionary: { ...common.dictionary, ...en.dictionary },
      graphs: common.adjacencyGraphs,
      translations: en.translations,
      l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
    });
    return { zxcvbn, commonPasswords: new Set<string>((common.dictionary as { passwords: string[] }).passwords) };
  })();
  estimatorLoad.catch(() => {
    estimatorLoad = undefined;
  });
  return estimatorLoad;
}

/**
 * Context-specific words (ASVS 5.0 V6.1.2, V6.2.11): the bank's own name and vocabulary, which an
 * attacker tries first. They join the username as dictionary words for the estimate.
 */
export const CONTEXT_WORDS = [
  'minibank',
  'mini bank',
  'bank',
  'banking',
  'account',
  'deposit',
  'withdraw',
  'transfer',
  'money',
  'password',
  'login',
  'signin',
  'admin',
];

/**
 * Rejects with `invalid_request` (param `password`) and a message that says why; resolves when
 * acceptable. The length and username rules are checked before the dictionaries are loaded.
 */
export async function checkPassword(password: string, username: string, param = 'password'): Promise<void> {
  const length = [...password].length;
  if (length < PASSWORD_MIN_CHARS) throw refuse(`Password must be at least ${PASSWORD_MIN_CHARS} characters.`, param);
  if (length > PASSWORD_MAX_CHARS) throw refuse(`Password must be at most ${PASSWORD_MAX_CHARS} characters.`, param);
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  if (lower === name) throw refuse('Password cannot be your username.', param);
  const { zxcvbn, commonPasswords } = await loadEstimator();
  if (commonPasswords.has(lower)) throw refuse('That is one of the most commonly used passwords; choose another.', param);
  // The username is a dictionary word for this check, so "alice" + digits is caught too.
  const judged = length > JUDGED_CHARS ? [...password].slice(0, JUDGED_CHARS).join('') : password;
  const estimate = zxcvbn(judged, name ? [name, ...CONTEXT_WORDS] : CONTEXT_WORDS);
  if (estimate.guessesLog10 < MIN_GUESSES_LOG10) {
    const usesName = name.length >= 3 && lower.includes(name);
    const why = usesName
      ? 'it is built on your username'
      : (estimate.feedback.warning ?? 'it is built from common words or patterns').replace(/\.$/, '').toLowerCase();
    throw refuse(`Password is too easy to guess: ${why}. A few unrelated words or a longer phrase works well.`, param);
  }
}

const refuse = (message: string, param: string) => new DomainError('invalid_request', message, param);
