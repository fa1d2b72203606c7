/**
 * Lets metrics see every query's duration without the storage layer knowing about Prometheus:
 * the dialects hand Kysely's `log` callback to this fan-out, and observers subscribe and unsubscribe
 * (one per app instance; tests share a storage between several apps).
 */
import type { LogEvent } from 'kysely';

export type QueryKind = 'select' | 'insert' | 'update' | 'delete' | 'transaction' | 'other';

export interface QueryObservation {
  kind: QueryKind;
  durationMs: number;
  failed: boolean;
}

export type QueryListener = (observation: QueryObservation) => void;

export interface QueryObservers {
  /** Kysely's `log` option. */
  log(event: LogEvent): void;
  subscribe(listener: QueryListener): () => void;
}

const KINDS: Record<string, QueryKind> = {
  select: 'select',
  with: 'select',
  insert: 'insert',
  update: 'update',
  delete: 'delete',
  begin: 'transaction',
  commit: 'transaction',
  rollback: 'transaction',
  savepoint: 'transaction',
  release: 'transaction',
};

/** A data-modifying sub-statement of a WITH query (not `select ... for update`). */
const CTE_WRITE = /\b(?:(insert)\s+into|(update)\s+"?\w+"?\s+set|(delete)\s+from)\b/i;

/**
 * The statement's first keyword, so the metric's label set stays small and fixed. A WITH query is
 * a read unless it writes: then it counts as its first write (PostgreSQL's one-statement movement
 * debits and credits, so it is an update, as the step-by-step path's statements are).
 */
export function queryKind(sqlText: string): QueryKind {
  const word = /^\s*([a-z]+)/i.exec(sqlText)?.[1]?.toLowerCase() ?? '';
  if (word === 'with') {
    const write = CTE_WRITE.exec(sqlText);
    if (write) return KINDS[(write[1] ?? write[2] ?? write[3] ?? '').toLowerCase()] ?? 'other';
  }
  return KINDS[word] ?? 'other';
}

/** Most SQL texts whose kind is remembered: prepared queries repeat a few dozen texts (issue 17 item 4). */
const KNOWN_TEXTS = 1024;

export function createQueryObservers(): QueryObservers {
  const listeners = new Set<QueryListener>();
  const kinds = new Map<string, QueryKind>();
  const kindOf = (sqlText: string): QueryKind => {
    let kind = kinds.get(sqlText);
    if (kind === undefined) {
      kind = queryKind(sqlText);
      if (kinds.size < KNOWN_TEXTS) kinds.set(sqlText, kind);
    }
    return kind;
  };
  return {
    log(event) {
      if (listeners.size === 0) return;
      const observation = { kind: kindOf(event.query.sql), durationMs: event.queryDurationMillis, failed: event.level === 'error' };
      for (const listener of listeners) listener(observation);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
