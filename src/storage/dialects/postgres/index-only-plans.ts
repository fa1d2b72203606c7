/**
 * PostgreSQL planner settings for statements that touch a few rows by key on tables that grow (the
 * chain sealer's functions, migration 021; the movement notice writer's round): planned afresh on
 * every run (a cached generic plan cannot know the window or horizon), never by sequential scans,
 * hash or merge joins (estimates from stale statistics chose joins over whole tables, a cost that
 * grew with the bank: docs/performance.md "PostgreSQL: plans that read a growing table"), and without
 * JIT, which a plan penalised that way could otherwise trigger (157 ms of compiling measured for one insert).
 */
const INDEX_ONLY_PLANS: readonly (readonly [name: string, value: string])[] = [
  ['plan_cache_mode', 'force_custom_plan'],
  ['enable_seqscan', 'off'],
  ['enable_hashjoin', 'off'],
  ['enable_mergejoin', 'off'],
  ['jit', 'off'],
];

/** The settings as a function's SET clauses (`set name = value`, one per line). */
export const indexOnlyPlansForFunction = (): string => INDEX_ONLY_PLANS.map(([name, value]) => `set ${name} = ${value}`).join('\n');

/** The settings for the rest of the current transaction (`set local ...`), as one statement text. */
export const indexOnlyPlansForTransaction = (): string => INDEX_ONLY_PLANS.map(([name, value]) => `set local ${name} = ${value}`).join('; ');
