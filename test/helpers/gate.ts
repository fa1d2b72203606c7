/**
 * Holds the next call of one method at a gate, so a test can make two requests overlap exactly
 * where it wants (a password check in flight while a password change commits), with no sleeps:
 * `entered` resolves when the call reaches the gate, `release()` lets it go on. One call only; the
 * method is restored as that call arrives, so later calls (the other request's) run straight through.
 */
export interface Gate {
  entered: Promise<void>;
  release(): void;
}

export function gateNextCall<T extends object, K extends keyof T>(target: T, method: K): Gate {
  const original = target[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  let signalEntered!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((resolve) => (signalEntered = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  (target as Record<K, unknown>)[method] = async (...args: unknown[]) => {
    (target as Record<K, unknown>)[method] = original;
    signalEntered();
    await released;
    return original.apply(target, args);
  };
  return { entered, release };
}
