/**
 * Payment requests (contract "Payment requests (round 2)"): a user asks another to pay an amount
 * into one of their accounts. A request moves no money by itself; paying it is an ordinary transfer
 * linked to it. Pure rules: the statuses, how a stored row reads at a given time, the expiry bounds.
 */
import { DomainError } from './errors.js';

/** What is stored. `expired` is never stored: it is how a pending row reads once its time has passed. */
export type StoredRequestStatus = 'pending' | 'paid' | 'declined' | 'cancelled';
export type RequestStatus = StoredRequestStatus | 'expired';

export const REQUEST_STATUSES: readonly RequestStatus[] = ['pending', 'paid', 'declined', 'cancelled', 'expired'];

/** Bounds of `expires_in`, in seconds: the same as a hold's (contract "Holds"), one minute to 30 days. */
export const REQUEST_EXPIRES_IN_MIN_S = 60;
export const REQUEST_EXPIRES_IN_MAX_S = 2_592_000;
/** A request not given an expiry lasts seven days, as a hold does. */
export const REQUEST_EXPIRES_IN_DEFAULT_S = 604_800;

/**
 * The status a stored request has at `nowMs` (epoch ms): a pending one whose `expiresAtMs` has come
 * reads `expired`, so expiry needs no sweeper and no request to arrive (issue 14 item 2's rule).
 */
export function requestStatusAt(stored: StoredRequestStatus, expiresAtMs: bigint, nowMs: bigint): RequestStatus {
  return stored === 'pending' && nowMs >= expiresAtMs ? 'expired' : stored;
}

/**
 * The expiry of a request made at `nowMs` with `expiresInS` seconds (default seven days), in epoch ms.
 * @throws DomainError invalid_request (param expires_in) outside 60..2592000 or not a whole number.
 */
export function requestExpiresAtMs(nowMs: bigint, expiresInS: number | undefined): bigint {
  const seconds = expiresInS ?? REQUEST_EXPIRES_IN_DEFAULT_S;
  if (!Number.isSafeInteger(seconds) || seconds < REQUEST_EXPIRES_IN_MIN_S || seconds > REQUEST_EXPIRES_IN_MAX_S) {
    throw new DomainError(
      'invalid_request',
      `expires_in must be a whole number of seconds from ${REQUEST_EXPIRES_IN_MIN_S} to ${REQUEST_EXPIRES_IN_MAX_S}.`,
      'expires_in',
    );
  }
  return nowMs + BigInt(seconds) * 1000n;
}

/** The request is paid, declined, cancelled or expired: it cannot change any more (409). */
export const requestNotPending = (status: RequestStatus) =>
  new DomainError('request_not_pending', `This payment request is ${status}; only a pending request can be paid, declined or cancelled.`);

/** Another user's request, or none: one answer, so request ids cannot be probed (contract: "Anyone else: 404"). */
export const requestNotFound = () => new DomainError('not_found', 'No such payment request.');

/** Asking oneself for money (contract: 422 same_account). */
export const requestToSelf = () => new DomainError('same_account', 'You cannot ask yourself for money.', 'from');

/** The requester already has as many pending requests out as MAX_PENDING_REQUESTS allows. */
export const tooManyPendingRequests = (max: number) =>
  new DomainError('limit_reached', `You already have ${max} pending payment requests; wait for some to be paid, or cancel some, first.`);
