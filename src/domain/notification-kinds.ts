/**
 * The kinds of notification a user gets (issue 18 item 3) and their wording. Security kinds always
 * reach a confirmed address by email (they cannot be turned off: a user must hear of a sign-in or
 * a password change they did not make); the others can be turned off for email in /settings. Every
 * kind is always on the in-app list.
 */
import { formatDecimal } from './money.js';

export const notificationKinds = [
  'new_sign_in',
  'password_changed',
  'second_factor_changed',
  'staff_action',
  'money_received',
  'money_sent',
  'payment_request_received',
] as const;

export type NotificationKind = (typeof notificationKinds)[number];

export const securityKinds: readonly NotificationKind[] = ['new_sign_in', 'password_changed', 'second_factor_changed', 'staff_action'];

/** Kinds a user may turn off for email. */
export const optionalKinds: readonly NotificationKind[] = notificationKinds.filter((k) => !securityKinds.includes(k));

export const isNotificationKind = (value: string): value is NotificationKind => (notificationKinds as readonly string[]).includes(value);

/** Short labels for the settings page and email subjects. */
export const kindLabels: Readonly<Record<NotificationKind, string>> = {
  new_sign_in: 'Sign-in from a new browser',
  password_changed: 'Password changed',
  second_factor_changed: 'Second factor added or removed',
  staff_action: 'Action by bank staff on your account',
  money_received: 'Money received',
  money_sent: 'Money sent above your threshold',
  payment_request_received: 'Payment request received',
};

const amount = (minor: bigint, currency: string) => `${formatDecimal(minor, currency)} ${currency}`;

export const moneyReceivedText = (minor: bigint, currency: string, from: string | null): string =>
  `You received ${amount(minor, currency)}${from ? ` from ${from}` : ''}.`;

export const moneySentText = (minor: bigint, currency: string, to: string | null): string => `You sent ${amount(minor, currency)}${to ? ` to ${to}` : ''}.`;

export const paymentRequestText = (minor: bigint, currency: string, from: string): string => `${from} asks you to pay ${amount(minor, currency)}.`;

/** The notice for a security event type, or null when that event notifies nobody. */
export function securityNotice(type: string, details: Readonly<Record<string, unknown>> | undefined): { kind: NotificationKind; text: string } | null {
  switch (type) {
    case 'login_succeeded':
      // A browser that proved an earlier sign-in (known-device token) is not new; nor is an API
      // client signing in again from the same IP address and user agent (sign-in.ts).
      return details?.known_device === true || details?.known_client === true
        ? null
        : { kind: 'new_sign_in', text: 'A new sign-in to your account, from a browser or app not seen before.' };
    case 'password_changed':
      return { kind: 'password_changed', text: 'Your password was changed.' };
    case 'totp_enrolled':
    case 'passkey_added':
      return { kind: 'second_factor_changed', text: 'A second factor was added to your account.' };
    case 'totp_disabled':
    case 'passkey_removed':
      return { kind: 'second_factor_changed', text: 'A second factor was removed from your account.' };
    case 'account_frozen_by_staff':
      return { kind: 'staff_action', text: 'Bank staff froze one of your accounts.' };
    case 'account_unfrozen_by_staff':
      return { kind: 'staff_action', text: 'Bank staff unfroze one of your accounts.' };
    case 'signed_out_by_staff':
      return { kind: 'staff_action', text: 'Bank staff signed you out everywhere.' };
    case 'transaction_reversed_by_staff':
      return { kind: 'staff_action', text: 'Bank staff reversed a transaction on your account.' };
    default:
      return null;
  }
}
