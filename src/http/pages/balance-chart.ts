/**
 * Geometry for the dashboard's 30-day balance chart, drawn as server-side SVG by the
 * `partials/balance-chart` template (no script, works with JavaScript off). Coordinates are the
 * only place money meets floating point here, and only to place pixels: the numbers people read
 * come from the exact formatters.
 */
import type { BalancePoint } from '../../app/balance-history.js';
import { formatMoney, formatShortDate, isoDate } from './format.js';

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 200;
const PAD = { top: 16, right: 12, bottom: 28, left: 12 };

export interface ChartModel {
  width: number;
  height: number;
  linePath: string;
  areaPath: string;
  baselineY: number;
  maxY: number;
  maxLabel: string;
  startLabel: string;
  endLabel: string;
  last: { x: number; y: number };
  /** One sentence for screen readers and the figure caption. */
  summary: string;
  /** The same data as a table (the text alternative). */
  rows: { date: string; isoDate: string; balance: string }[];
}

export function balanceChart(points: BalancePoint[], currency: string): ChartModel {
  if (points.length < 2) throw new Error('a chart needs at least two points');
  const max = points.reduce((m, p) => (p.balanceMinor > m ? p.balanceMinor : m), 0n);
  const scale = max > 0n ? max : 1n;
  const innerW = CHART_WIDTH - PAD.left - PAD.right;
  const innerH = CHART_HEIGHT - PAD.top - PAD.bottom;
  const baselineY = PAD.top + innerH;
  const coords = points.map((p, i) => {
    const x = PAD.left + (innerW * i) / (points.length - 1);
    // Scaled in integers first so huge balances keep their shape.
    const fraction = Number((p.balanceMinor * 10_000n) / scale) / 10_000;
    return { x: round(x), y: round(baselineY - innerH * fraction) };
  });
  const linePath = coords.map((c, i) => `${i === 0 ? 'M' : 'L'}${c.x} ${c.y}`).join(' ');
  const first = coords[0]!;
  const last = coords[coords.length - 1]!;
  const areaPath = `${linePath} L${last.x} ${baselineY} L${first.x} ${baselineY} Z`;
  const start = points[0]!;
  const end = points[points.length - 1]!;
  const summary =
    `Balance over the last ${points.length - 1} days: ${formatMoney(start.balanceMinor, currency)} on ${formatShortDate(start.atMs)}, ` +
    `${formatMoney(end.balanceMinor, currency)} now; highest ${formatMoney(max, currency)}.`;
  return {
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    linePath,
    areaPath,
    baselineY,
    maxY: PAD.top,
    maxLabel: formatMoney(max, currency),
    startLabel: formatShortDate(start.atMs),
    endLabel: 'Today',
    last,
    summary,
    rows: points.slice(1).map((p) => ({ date: formatShortDate(p.atMs - 1n), isoDate: isoDate(p.atMs - 1n), balance: formatMoney(p.balanceMinor, currency) })),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
