/**
 * The password rules (OWASP ASVS 5.0 V6.2): 12 to 256 characters, any characters, nothing truncated
 * or altered, no composition rules; and not guessable. Guessability is estimated offline by
 * zxcvbn-ts with its shipped dictionaries (about 50,000 common passwords plus English words, names
 * and keyboard layouts), which also catches the obvious variations of them: a common word plus
 * digits or a year, l33t spelling, repeats, sequences and keyboard walks. No network look-up.
 */
import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { DomainError } from '../domain/errors.js';

export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_CHARS = 256;

/**
 * Passwords an attacker needs fewer than 10^10 guesses for are refused. zxcvbn's own "score 3"
 * (10^8) still lets through "Welcome2024!!" and "purple elephant"; 10^10 refuses those while a
 * four-word passphrase or twelve random characters pass easily.
 */
export const MIN_GUESSES_LOG10 = 10;

zxcvbnOptions.setOptions({
  dictionary: { ...common.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: en.translations,
});

const commonPasswords = new Set<string>((common.dictionary as { passwords: string[] }).passwords);

/**
 * Context-specific words (ASVS 5.0 V6.1.2, V6.2.11): the bank's own name and vocabulary, which an
 * attacker tries first. They join the username as dictionary words for the estimate.
 */
export const CONTEXT_WORDS = ['minibank', 'mini bank', 'bank', 'banking', 'account', 'deposit', 'withdraw', 'transfer', 'money', 'password', 'login', 'signin', 'admin'];

/** Throws `invalid_request` (param `password`) with a message that says why; returns when acceptable. */
export function checkPassword(password: string, username: string, param = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_CHARS) throw refuse(`Password must be at least ${PASSWORD_MIN_CHARS} characters.`, param);
  if (length > PASSWORD_MAX_CHARS) throw refuse(`Password must be at most ${PASSWORD_MAX_CHARS} characters.`, param);
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  if (lower === name) throw refuse('Password cannot be your username.', param);
  if (commonPasswords.has(lower)) throw refuse('That is one of the most commonly used passwords; choose another.', param);
  // The username is a dictionary word for this check, so "alice" + digits is caught too.
  const estimate = zxcvbn(password, name ? [name, ...CONTEXT_WORDS] : CONTEXT_WORDS);
  if (estimate.guessesLog10 < MIN_GUESSES_LOG10) {
    const usesName = name.length >= 3 && lower.includes(name);
    const why = usesName ? 'it is built on your username' : (estimate.feedback.warning ?? 'it is built from common words or patterns').replace(/\.$/, '').toLowerCase();
    throw refuse(`Password is too easy to guess: ${why}. A few unrelated words or a longer phrase works well.`, param);
  }
}

const refuse = (message: string, param: string) => new DomainError('invalid_request', message, param);
