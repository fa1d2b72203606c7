/** The one table the bench prints, the results JSON, and the copy kept in docs/performance.md. */
import fs from 'node:fs';
import path from 'node:path';

export interface Row {
  scenario: string;
  requestsPerSecond: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number | null;
  /** Server CPU per request (user + system), in microseconds. */
  cpuUsPerRequest: number | null;
  /** PostgreSQL's CPU per request (all its processes), in microseconds; absent on SQLite (in-process). */
  databaseCpuUsPerRequest?: number | null;
  /** Throughput divided by the reference throughput named in `ratioTo`. */
  ratio: number | null;
  ratioTo: string;
  target: string;
  met: boolean | null;
  note: string;
  /** The server's peak RSS during this scenario (warm-up included), in MB; the highest process's with several. */
  peakRssMb?: number | null;
}

const fmt = (v: number | null, digits = 0) => (v === null || !Number.isFinite(v) ? '-' : v.toFixed(digits));

export function renderTable(rows: Row[]): string {
  const header = [
    'scenario',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'server CPU us/req',
    'database CPU us/req',
    'ratio',
    'target',
    'met',
    'note',
    'peak RSS MB',
  ];
  const cells = rows.map((r) => [
    r.scenario,
    fmt(r.requestsPerSecond),
    fmt(r.p50Ms, 1),
    fmt(r.p99Ms, 1),
    fmt(r.errors),
    fmt(r.cpuUsPerRequest),
    fmt(r.databaseCpuUsPerRequest ?? null),
    r.ratio === null ? '-' : `${r.ratio.toFixed(2)} ${r.ratioTo}`,
    r.target,
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
    r.note,
    fmt(r.peakRssMb ?? null),
  ]);
  return [header, header.map(() => '---'), ...cells].map((line) => `| ${line.join(' | ')} |`).join('\n');
}

export function writeResults(dir: string, results: unknown, backend: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}-${backend}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return file;
}

/** Replaces the block between the markers for this backend in docs/performance.md. */
export function recordInDocs(docFile: string, backend: string, block: string): void {
  const begin = `<!-- bench:${backend}:begin -->`;
  const end = `<!-- bench:${backend}:end -->`;
  const text = fs.existsSync(docFile) ? fs.readFileSync(docFile, 'utf8') : '';
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  const replacement = `${begin}\n${block}\n${end}`;
  const next = start >= 0 && stop > start ? text.slice(0, start) + replacement + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${replacement}\n`;
  fs.writeFileSync(docFile, next);
}
