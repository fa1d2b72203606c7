/**
 * The security machinery the use cases share: the login throttle (null when RATE_LIMITS=off), the
 * known-device tokens that let an owner past a lock, and the observers told about every audit event
 * (log line, metrics). Built once in the composition root (src/http/app.ts).
 */
import type { KnownDevices } from '../services/known-device.js';
import type { LoginThrottle } from './login-throttle.js';
import type { SecurityEventObserver } from './security-events.js';

export interface SecurityServices {
  readonly throttle: LoginThrottle | null;
  readonly devices: KnownDevices;
  readonly observers: SecurityEventObserver[];
}
