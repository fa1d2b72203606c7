/**
 * What a run tells people: a plain-text summary, a JSON report with every violation and the
 * operations behind it, and an SVG plot of throughput and total money over time with the faults
 * marked.
 */
import type { CheckResult, TotalSample, Violation } from './checker.js';
import type { History, Outcome, TransferOp } from './history.js';
import type { FaultEvent } from './nemesis.js';
import type { ChaosOptions } from './options.js';

export interface RunStats {
  transfers: {
    total: number;
    load: Record<Outcome, number>;
    final: Record<Outcome, number>;
    attempts: number;
    inlineRetries: number;
    resolveRetries: number;
    resolvedUnknown: Record<Outcome, number>;
    replayed: number;
  };
  reads: { total: number; byOutcome: Record<Outcome, number> };
  unknownCauses: Record<string, number>;
  faults: {
    kills: number;
    pauses: number;
    terms: number;
    crashes: number;
    workerKills: number;
    byInstance: Record<string, { kills: number; pauses: number; terms: number }>;
  };
  loadSeconds: number;
}

const zero = (): Record<Outcome, number> => ({ ok: 0, fail: 0, unknown: 0 });

export function computeStats(history: History, faults: FaultEvent[], loadSeconds: number): RunStats {
  const transfers = {
    total: history.transfers.length,
    load: zero(),
    final: zero(),
    attempts: 0,
    inlineRetries: 0,
    resolveRetries: 0,
    resolvedUnknown: zero(),
    replayed: 0,
  };
  const unknownCauses: Record<string, number> = {};
  for (const op of history.transfers) {
    transfers.load[op.loadOutcome]++;
    transfers.final[op.final]++;
    if (op.loadOutcome === 'unknown') transfers.resolvedUnknown[op.final]++;
    for (const [i, a] of op.attempts.entries()) {
      if (a.phase === 'replay') {
        transfers.replayed++;
        continue;
      }
      transfers.attempts++;
      if (a.phase === 'load' && i > 0) transfers.inlineRetries++;
      if (a.phase === 'resolve') transfers.resolveRetries++;
      if (a.outcome === 'unknown') {
        const cause = a.error ?? `${a.status}${a.code ? ` ${a.code}` : ''}`;
        unknownCauses[cause] = (unknownCauses[cause] ?? 0) + 1;
      }
    }
  }
  const reads = { total: history.reads.length, byOutcome: zero() };
  for (const r of history.reads) {
    reads.byOutcome[r.attempt.outcome]++;
    if (r.attempt.outcome === 'unknown') {
      const cause = `read ${r.attempt.error ?? r.attempt.status}`;
      unknownCauses[cause] = (unknownCauses[cause] ?? 0) + 1;
    }
  }
  const byInstance: Record<string, { kills: number; pauses: number; terms: number }> = {};
  for (const f of faults) {
    const slot = (byInstance[`instance ${f.instance}`] ??= { kills: 0, pauses: 0, terms: 0 });
    if (f.kind === 'kill') slot.kills++;
    if (f.kind === 'pause') slot.pauses++;
    if (f.kind === 'term') slot.terms++;
  }
  return {
    transfers,
    reads,
    unknownCauses,
    faults: {
      kills: faults.filter((f) => f.kind === 'kill').length,
      pauses: faults.filter((f) => f.kind === 'pause').length,
      terms: faults.filter((f) => f.kind === 'term').length,
      crashes: faults.filter((f) => f.kind === 'crash').length,
      workerKills: faults.filter((f) => f.kind === 'worker').length,
      byInstance,
    },
    loadSeconds,
  };
}

export function summaryText(
  options: ChaosOptions,
  stats: RunStats,
  result: CheckResult,
  history: History,
  extra: { initialTotal: number; artifacts: string },
): string {
  const t = stats.transfers;
  const lines = [
    `chaos run: backend=${options.backend} instances=${options.instances} seconds=${options.seconds} clients=${options.clients} users=${options.users} seed=${options.seed}`,
    `transfers: ${t.total} ops (${t.load.ok} ok, ${t.load.fail} refused, ${t.load.unknown} unknown when the load ended), ${t.attempts} attempts`,
    `  retries with the original key: ${t.inlineRetries} during the load, ${t.resolveRetries} after it; unknowns resolved to ${t.resolvedUnknown.ok} ok / ${t.resolvedUnknown.fail} refused / ${t.resolvedUnknown.unknown} still unknown`,
    `  final: ${t.final.ok} acknowledged, ${t.final.fail} refused, ${t.final.unknown} unresolved; ${t.replayed} replays of definite transfers`,
    `reads: ${stats.reads.total} (${stats.reads.byOutcome.ok} ok, ${stats.reads.byOutcome.fail} refused, ${stats.reads.byOutcome.unknown} unknown)`,
    `unknown causes: ${
      Object.entries(stats.unknownCauses)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || 'none'
    }`,
    `faults: ${stats.faults.kills} kill -9, ${stats.faults.pauses} SIGSTOP/SIGCONT, ${stats.faults.terms} SIGTERM restarts under load, ${stats.faults.workerKills} movement worker kills mid-batch, ${stats.faults.crashes} restarts after an unexpected exit (${Object.entries(
      stats.faults.byInstance,
    )
      .map(([k, v]) => `${k}: ${v.kills} kills ${v.pauses} pauses ${v.terms} terms`)
      .join('; ')})`,
    `money: initial ${extra.initialTotal}, final ${result.finalTotal}; ledger holds ${result.ledgerTransactions} transactions`,
    `checks: ${result.checks.join(', ')}`,
  ];
  if (result.violations.length === 0) lines.push('violations: none');
  else {
    lines.push(`VIOLATIONS: ${result.violations.length}`);
    const opsById = new Map(history.transfers.map((op) => [op.id, op]));
    for (const v of result.violations.slice(0, 50)) {
      lines.push(`  [${v.check}] ${v.message}`);
      for (const id of v.ops.slice(0, 3)) {
        const op = opsById.get(id);
        if (op) lines.push(`      ${describeOp(op)}`);
      }
    }
    if (result.violations.length > 50) lines.push(`  ... and ${result.violations.length - 50} more in the JSON report`);
  }
  lines.push(`artifacts: ${extra.artifacts}`);
  return lines.join('\n');
}

export function describeOp(op: TransferOp): string {
  const attempts = op.attempts.map(
    (a) =>
      `${a.phase}@${(a.startMs / 1000).toFixed(2)}s i${a.instance}:${a.status ?? a.error}${a.code ? ` ${a.code}` : ''}${a.replayed ? ' replayed' : ''}${a.txId ? ` tx ${a.txId}` : ''}`,
  );
  return `${op.id}: user ${op.from} -> user ${op.to} (${op.toBy}) amount ${op.amount} key ${op.key}; attempts: ${attempts.join(' | ')}`;
}

export function jsonReport(
  options: ChaosOptions,
  stats: RunStats,
  result: CheckResult,
  history: History,
  faults: FaultEvent[],
  samples: TotalSample[],
  initialTotal: number,
): unknown {
  const opsById = new Map(history.transfers.map((op) => [op.id, op]));
  const withOps = (v: Violation) => ({ ...v, details: v.ops.map((id) => opsById.get(id)).filter(Boolean) });
  return {
    options,
    initialTotal,
    finalTotal: result.finalTotal,
    ok: result.violations.length === 0,
    stats,
    checks: result.checks,
    violations: result.violations.map(withOps),
    faults,
    timeline: history.timeline,
    totalSamples: samples,
    // The unknown and retried operations in full; the rest are counted above.
    retriedTransfers: history.transfers.filter((op) => op.attempts.filter((a) => a.phase !== 'replay').length > 1),
  };
}

/** Two panels sharing a time axis: requests per second by outcome, and the sampled total money. */
export function svgPlot(history: History, faults: FaultEvent[], samples: TotalSample[], initialTotal: number, title: string, loadEndMs: number): string {
  const width = 1000;
  const left = 70;
  const right = 20;
  const plotW = width - left - right;
  const top1 = 40;
  const h1 = 220;
  const top2 = top1 + h1 + 50;
  const h2 = 140;
  const height = top2 + h2 + 60;
  const lastMs = Math.max(1000, history.timeline.length * 1000, ...faults.map((f) => f.endMs), ...samples.map((s) => s.atMs));
  const x = (ms: number) => left + (ms / lastMs) * plotW;
  const maxRate = Math.max(1, ...history.timeline.map((b) => Math.max(b.ok, b.fail, b.unknown)));
  const y1 = (v: number) => top1 + h1 - (v / maxRate) * h1;
  const totals = samples.map((s) => s.total).filter((v): v is number => v !== null);
  const spread = Math.max(1, ...totals.map((v) => Math.abs(v - initialTotal)));
  const y2 = (v: number) => top2 + h2 / 2 - ((v - initialTotal) / spread) * (h2 / 2 - 8);
  const line = (points: [number, number][], color: string) =>
    points.length
      ? `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`
      : '';
  const series = (key: 'ok' | 'fail' | 'unknown') => history.timeline.map((b): [number, number] => [x(b.second * 1000 + 500), y1(b[key])]);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${left}" y="20" font-size="14">${escapeXml(title)}</text>`);
  for (const f of faults) {
    const color = f.kind === 'kill' ? '#e53935' : f.kind === 'pause' ? '#fb8c00' : f.kind === 'term' ? '#00838f' : '#6a1b9a';
    const x0 = x(f.startMs);
    const w = Math.max(1, x(f.endMs) - x0);
    for (const [top, h] of [
      [top1, h1],
      [top2, h2],
    ] as const) {
      parts.push(`<rect x="${x0.toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${h}" fill="${color}" fill-opacity="0.15"/>`);
      parts.push(`<line x1="${x0.toFixed(1)}" x2="${x0.toFixed(1)}" y1="${top}" y2="${top + h}" stroke="${color}" stroke-width="1"/>`);
    }
    parts.push(
      `<text x="${(x0 + 1).toFixed(1)}" y="${top1 - 3}" fill="${color}" font-size="8">${f.kind === 'kill' ? 'K' : f.kind === 'pause' ? 'P' : f.kind === 'term' ? 'T' : 'C'}${f.instance}</text>`,
    );
  }
  for (const [top, h] of [
    [top1, h1],
    [top2, h2],
  ] as const) {
    parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${h}" fill="none" stroke="#444"/>`);
    parts.push(`<line x1="${x(loadEndMs).toFixed(1)}" x2="${x(loadEndMs).toFixed(1)}" y1="${top}" y2="${top + h}" stroke="#000" stroke-dasharray="2 2"/>`);
  }
  parts.push(`<text x="${(x(loadEndMs) + 3).toFixed(1)}" y="${top2 + 12}" font-size="9">load ends; unknowns resolved, then every transfer replayed</text>`);
  parts.push(line(series('ok'), '#2e7d32'), line(series('fail'), '#1565c0'), line(series('unknown'), '#c62828'));
  parts.push(`<text x="${left - 5}" y="${top1 + 4}" text-anchor="end">${maxRate}/s</text><text x="${left - 5}" y="${top1 + h1}" text-anchor="end">0</text>`);
  parts.push(
    `<text x="${left}" y="${top1 + h1 + 15}">requests per second: <tspan fill="#2e7d32">ok</tspan>, <tspan fill="#1565c0">refused</tspan>, <tspan fill="#c62828">unknown</tspan>; faults: <tspan fill="#e53935">K kill -9 (until ready again)</tspan>, <tspan fill="#fb8c00">P SIGSTOP..SIGCONT</tspan>, <tspan fill="#00838f">T SIGTERM restart</tspan>, <tspan fill="#6a1b9a">C unexpected exit</tspan></text>`,
  );
  const totalPoints = samples.filter((s) => s.total !== null).map((s): [number, number] => [x(s.atMs), y2(s.total as number)]);
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y2(initialTotal)}" y2="${y2(initialTotal)}" stroke="#999" stroke-dasharray="4 3"/>`);
  parts.push(line(totalPoints, '#000'));
  for (const p of totalPoints)
    if (Math.abs(p[1] - y2(initialTotal)) > 0.5) parts.push(`<circle cx="${p[0].toFixed(1)}" cy="${p[1].toFixed(1)}" r="3" fill="#c62828"/>`);
  parts.push(`<text x="${left - 5}" y="${y2(initialTotal) + 4}" text-anchor="end">${initialTotal}</text>`);
  parts.push(`<text x="${left}" y="${top2 + h2 + 15}">total of user balances (committed, sampled from the database); dashed: the initial total</text>`);
  const step = lastMs > 120_000 ? 30_000 : lastMs > 30_000 ? 10_000 : 5_000;
  for (let ms = 0; ms <= lastMs; ms += step) parts.push(`<text x="${x(ms).toFixed(1)}" y="${top2 + h2 + 35}" text-anchor="middle">${ms / 1000}s</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}
