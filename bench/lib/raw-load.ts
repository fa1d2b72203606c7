/**
 * The bench's load generator (issue 17 item 6): HTTP/1.1 keep-alive over plain sockets, every request
 * serialised to bytes BEFORE the run. autocannon rebuilt a varied request (token, Idempotency-Key,
 * body) in JavaScript for every send, so the generator, which shares the machine with the server,
 * spent about twice as much per transfer as per hello-world request and capped every ratio. Here a
 * send is one `socket.write` of a ready Buffer, and a response is only framed (Content-Length or
 * chunked), never parsed further, whatever the scenario.
 *
 * Each connection sends its next request when the previous answer has arrived (no pipelining), like
 * autocannon with pipelining 1. Only 127.0.0.1 is accepted: the bench measures this machine.
 */
import net from 'node:net';

export interface RawRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface RawFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors and non-2xx answers. */
  errors: number;
  total: number;
  statusCodes: Record<string, number>;
  /** True when the prepared requests ran out before the time did (the run is then shorter). */
  ranOut: boolean;
}

/** One request as the bytes sent on the wire. */
export function serialise(host: string, request: RawRequest): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `host: ${host}`];
  for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`${name}: ${value}`);
  if (body) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  return body ? Buffer.concat([head, body]) : head;
}

/** Where the response starting at `buffer[0]` ends, or -1 if more bytes are needed; and its status. */
function frame(buffer: Buffer): { end: number; status: number } {
  const headEnd = buffer.indexOf('\r\n\r\n');
  if (headEnd < 0) return { end: -1, status: 0 };
  const head = buffer.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const end = headEnd + 4 + Number(length[1]);
    return { end: buffer.length >= end ? end : -1, status };
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const last = buffer.indexOf('\r\n0\r\n\r\n', headEnd + 2);
    return { end: last < 0 ? -1 : last + 7, status };
  }
  return { end: headEnd + 4, status };
}

const quantile = (sorted: Float64Array, q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);

/**
 * Drives `url` with `connections` keep-alive connections for `durationS` seconds, sending the
 * prepared requests in turn across all connections. With `cycle` they are sent round and round;
 * without, each is sent once (a transfer's Idempotency-Key is never reused) and the run ends early,
 * `ranOut`, if they are all used. Several URLs (`--instances N`, issue 17 item 5) get the
 * connections round-robin: connection i goes to url i mod N.
 */
export async function runRaw(
  url: string | readonly string[],
  requests: readonly Buffer[],
  options: { connections: number; durationS: number; cycle: boolean },
): Promise<RawFigures> {
  const targets = (typeof url === 'string' ? [url] : url).map((u) => new URL(u));
  for (const target of targets) if (target.hostname !== '127.0.0.1') throw new Error(`the bench only loads 127.0.0.1, not ${target.hostname}`);
  let next = 0;
  let ranOut = false;
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationS * 1000;

  const take = (): Buffer | undefined => {
    if (performance.now() >= deadline) return undefined;
    const request = options.cycle ? requests[next++ % requests.length] : requests[next++];
    if (!request) ranOut = true;
    return request;
  };

  const connection = (_: unknown, index: number) =>
    new Promise<void>((resolve) => {
      const target = targets[index % targets.length]!;
      const socket = net.connect(Number(target.port), target.hostname);
      socket.setNoDelay(true);
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        const request = take();
        if (!request) return socket.end();
        sentAt = performance.now();
        socket.write(request);
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        const { end, status } = frame(pending);
        if (end < 0) return;
        pending = pending.subarray(end);
        latencies.push(performance.now() - sentAt);
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
        if (status < 200 || status > 299) errors++;
        send();
      });
      socket.on('error', () => errors++);
      socket.on('close', () => resolve());
    });

  await Promise.all(Array.from({ length: options.connections }, connection));
  const elapsedS = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    requestsPerSecond: latencies.length / elapsedS,
    p50Ms: Number(quantile(sorted, 0.5).toFixed(1)),
    p99Ms: Number(quantile(sorted, 0.99).toFixed(1)),
    errors,
    total: latencies.length,
    statusCodes,
    ranOut,
  };
}
