/**
 * The pending transfer review, carried in the review page's address (issue 12 item 8: the review
 * step is POST, 303, then a GET page, so Back never asks to resubmit a form). The typed details are
 * sealed (jose JWE, `dir` + A256GCM, RFC 7516) with a key derived for this one purpose from the app
 * secret: nobody can forge or alter a review (it is bound to the session that made it), and the
 * payer's account, payee, amount and note stay out of the access log and the browser history. It expires, and it is
 * only a display: the confirm step posts the fields again with its CSRF token and idempotency key.
 */
import { EncryptJWT, jwtDecrypt } from 'jose';
import { resolveSecret } from '../../secret-file.js';
import type { Config } from '../../config.js';
import { deriveKey } from '../plugins/cookies.js';

/** How long a review page stays valid after the form was posted. */
export const REVIEW_TTL_SECONDS = 15 * 60;
const TOKEN_MAX_CHARS = 4096;

/** What was typed on the transfer form (as typed: the review page parses it again). */
export interface ReviewFields {
  /** The id of the payer's account chosen on the form (issue 14 item 1); checked as theirs again on every view. */
  account: string;
  to: string;
  amount: string;
  memo: string;
  formKey: string;
}

export interface ReviewSealer {
  /** Seals `fields` for the session with handle `sessionHandle`, at `nowMs` (the app clock). */
  seal(fields: ReviewFields, sessionHandle: string, nowMs: number): Promise<string>;
  /** The fields, or null when the token is damaged, forged, expired or from another session. */
  open(token: unknown, sessionHandle: string, nowMs: number): Promise<ReviewFields | null>;
}

export function reviewSealer(config: Pick<Config, 'secret' | 'dataDir'>): ReviewSealer {
  const key = Buffer.from(deriveKey(resolveSecret(config), 'transfer-review'), 'base64url');
  return {
    async seal(fields, sessionHandle, nowMs) {
      const now = Math.floor(nowMs / 1000);
      return new EncryptJWT({ account: fields.account, to: fields.to, amount: fields.amount, memo: fields.memo, key: fields.formKey })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setSubject(sessionHandle)
        .setIssuedAt(now)
        .setExpirationTime(now + REVIEW_TTL_SECONDS)
        .encrypt(key);
    },
    async open(token, sessionHandle, nowMs) {
      if (typeof token !== 'string' || token.length === 0 || token.length > TOKEN_MAX_CHARS) return null;
      try {
        const { payload } = await jwtDecrypt(token, key, {
          subject: sessionHandle,
          currentDate: new Date(nowMs),
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
        const { account, to, amount, memo, key: formKey } = payload;
        if (typeof account !== 'string' || typeof to !== 'string' || typeof amount !== 'string' || typeof memo !== 'string' || typeof formKey !== 'string') {
          return null; // Also a review sealed before the account was carried: the person starts over.
        }
        return { account, to, amount, memo, formKey };
      } catch {
        return null; // Damaged, forged, expired or another session's: the caller starts over.
      }
    },
  };
}
