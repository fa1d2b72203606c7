/** autocannon runs, reduced to the figures the table prints. */
import crypto from 'node:crypto';
import autocannon from 'autocannon';

export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  total: number;
  statusCodes: Record<string, number>;
  /** Server CPU time (user + system) per request during the measured run, in microseconds: far less
   * sensitive to other load on a shared machine than requests per second. */
  serverCpuUsPerRequest?: number | null;
  /** The server's peak RSS (MB) at the end of this scenario: which scenario drives memory up. */
  serverPeakRssMb?: number | null;
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Called per request to vary the token, body or key. */
  vary?: () => { path?: string; headers?: Record<string, string>; body?: string };
}

export async function runLoad(url: string, request: LoadRequest, options: { connections: number; durationS: number }): Promise<LoadFigures> {
  const vary = request.vary;
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.durationS,
    timeout: 30,
    requests: [
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        ...(vary
          ? {
              setupRequest: (req: autocannon.Request) => {
                const v = vary();
                return {
                  ...req,
                  ...(v.path ? { path: v.path } : {}),
                  headers: { ...req.headers, ...v.headers },
                  ...(v.body !== undefined ? { body: v.body } : {}),
                };
              },
            }
          : {}),
      },
    ],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = Number((stat as { count: number }).count);
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    total: result.requests.total,
    statusCodes,
  };
}

export const randomKey = () => crypto.randomUUID();
export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
