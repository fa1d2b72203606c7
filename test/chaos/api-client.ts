/**
 * The chaos clients' view of the bank: plain HTTP through the public API, each request bounded by a
 * timeout, each answer classified. Nothing here knows about the server's internals.
 */
import type { Outcome } from './history.js';

export interface ApiResult {
  outcome: Outcome;
  status?: number;
  code?: string;
  body?: unknown;
  error?: string;
  replayed: boolean;
}

export interface ApiRequest {
  method: 'GET' | 'POST';
  path: string;
  token?: string;
  body?: unknown;
  idempotencyKey?: string;
  timeoutMs: number;
}

export async function callApi(baseUrl: string, request: ApiRequest): Promise<ApiResult> {
  const headers: Record<string, string> = {};
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
  let status: number;
  let text: string;
  let replayed: boolean;
  try {
    const res = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    status = res.status;
    replayed = res.headers.get('idempotent-replayed') === 'true';
    text = await res.text();
  } catch (error) {
    return { outcome: 'unknown', error: networkErrorName(error), replayed: false };
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  const code = (body as { error?: { code?: string } } | undefined)?.error?.code;
  return { outcome: classify(status, code), status, code, body, replayed };
}

/**
 * 2xx is ok. A 4xx is a definite refusal (nothing moved), except 409 idempotency_conflict: that
 * says the first request with this key may still be running, so its fate is still unknown. 5xx is
 * unknown: the server may have committed before failing to answer.
 */
export function classify(status: number, code: string | undefined): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 409 && code === 'idempotency_conflict') return 'unknown';
  if (status >= 400 && status < 500) return 'fail';
  return 'unknown';
}

function networkErrorName(error: unknown): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  return e?.cause?.code ?? e?.code ?? e?.cause?.name ?? e?.name ?? 'error';
}
