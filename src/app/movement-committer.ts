/**
 * Where a money movement's write transaction runs (issue 17 item 3). By default in this process,
 * on the context's storage (post-movement.ts as it always was); on SQLite with SQLITE_WRITE_WORKER
 * on, in a worker thread that owns its own write connection and group commit, so the event loop
 * keeps serving while the disk syncs. Either way a caller is answered only after the COMMIT of its
 * batch returned. The command is message-serialisable (bigints survive structured clone).
 */
import { isDomainError } from '../domain/errors.js';
import type { AppContext } from './context.js';
import { claimInFlight, type IdempotentResult, type NamespacedKey } from './idempotency.js';
import type { ActorCredential, MovementRequest } from './move-money.js';
import type { MovementOutcome } from './movement-outcome.js';
import { observationOf, reportMovement } from './observer.js';

/** One call of postMovement, as plain data. */
export interface MovementCommand {
  actorUserId: string;
  request: MovementRequest;
  idempotency?: { key: NamespacedKey; requestHash: string };
  via: ActorCredential;
}

export interface MovementCommitter {
  /**
   * Runs the command's write transaction; settles after its COMMIT.
   * @throws DomainError as postMovement does (idempotency_conflict...), `unavailable` when the
   * worker stopped before answering; any other fault as an Error keeping its `code`.
   */
  commit(command: MovementCommand): Promise<IdempotentResult<MovementOutcome>>;
  /** Finishes the commands already sent, then stops (no command is accepted after). */
  close(): Promise<void>;
}

/**
 * postMovement through `committer`: the in-flight check of the Idempotency-Key and the metrics stay
 * on this thread (a key still running here is idempotency_conflict, as in runIdempotent).
 */
export async function postThroughCommitter(
  ctx: AppContext,
  committer: MovementCommitter,
  command: MovementCommand,
): Promise<IdempotentResult<MovementOutcome>> {
  const release = command.idempotency ? claimInFlight(ctx, { userId: command.actorUserId, key: command.idempotency.key }) : () => {};
  try {
    const result = await committer.commit(command);
    reportMovement(ctx.observer, command.request.type, observationOf(result));
    return result;
  } catch (error) {
    reportMovement(ctx.observer, command.request.type, { outcome: isDomainError(error) ? error.code : 'internal_error', currency: null, amountMinor: 0n });
    throw error;
  } finally {
    release();
  }
}
