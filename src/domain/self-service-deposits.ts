/**
 * Issue 12 item 9: a self-service deposit creates money from nothing (the bank's cash account pays
 * it). That suits a test bank, a classroom or a community bank, and an operator may turn it off with
 * SELF_SERVICE_DEPOSITS=off. This is the one place the rule lives; the API route, the /deposit page
 * and the navigation ask it.
 */
import { DomainError } from './errors.js';

/** What the deposit page says it does, and the refusal says is turned off. */
export const SELF_SERVICE_DEPOSITS_EXPLAINED =
  'Adds money to your account from the bank itself: this bank lets you create money for testing, a classroom or a community bank.';

/**
 * Throws 403 `forbidden` (contract "Errors") when self-service deposits are turned off; returns
 * quietly when they are on. Called before anything is read or written, so a refusal moves nothing.
 */
export function assertSelfServiceDepositsOn(enabled: boolean): void {
  if (!enabled) throw new DomainError('forbidden', 'This bank does not let you add money yourself: self-service deposits are turned off.');
}
