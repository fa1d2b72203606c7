/**
 * The shape of one `minibank` subcommand, and the small helpers they share. Exit codes: 0 success,
 * 1 the operation or check failed, 2 bad usage or configuration.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** The command keeps the process alive (the server); main must not set an exit code. */
export const KEEP_RUNNING = -1;

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[], loadConfig: () => Config): Promise<number>;
}

/** Bad arguments: printed with the command's help, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** An expected failure with a message for the operator (no stack trace), exit 1. */
export class CommandFailed extends Error {
  override name = 'CommandFailed';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict parsing: unknown flags and a wrong number of positionals are usage errors. */
export function parseCommandArgs<O extends Options>(args: string[], options: O, positionals: { min: number; max: number; names: string }) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (count > positionals.max) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`);
  return parsed;
}

export async function withStorage<T>(config: Config, work: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = openStorage(config);
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}

/** A DATABASE_URL with its password replaced, safe to print. */
export function maskedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<DATABASE_URL>';
  }
}
