/**
 * Data files are private to the account that runs minibank (issue 11 class 14): the data folder is
 * 0700 and every file in it (the SQLite database and its -wal/-shm/-journal, the access log, the
 * generated secret, backups) is 0600. Files are created with that mode; an existing file or folder
 * that group or others can read is fixed (chmod) with a warning, except a folder this process does
 * not own or a sticky one such as /tmp, which only gets the warning (changing those would harm others).
 * The secret file is the exception: a loose one is refused (secret-file.ts), since a fix cannot
 * undo that others may already have read it.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Bits that give group or others any access. */
const SHARED_BITS = 0o077;
const STICKY_BIT = 0o1000;

/** Where a fix or a refusal to fix is reported. Default: a process warning (stderr), code MINIBANK_LOOSE_PERMISSIONS. */
export type PermissionWarn = (message: string) => void;

export const warnOnStderr: PermissionWarn = (message) => process.emitWarning(message, { code: 'MINIBANK_LOOSE_PERMISSIONS' });

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/** True when group or others have any access to `p` (which must exist). */
export function isShared(p: string): boolean {
  return (fs.statSync(p).mode & SHARED_BITS) !== 0;
}

function tighten(p: string, mode: number, warn: PermissionWarn): void {
  const stat = fs.statSync(p);
  if ((stat.mode & SHARED_BITS) === 0) return;
  const ownedByUs = typeof process.getuid !== 'function' || stat.uid === process.getuid();
  if (!ownedByUs || (stat.isDirectory() && (stat.mode & STICKY_BIT) !== 0)) {
    warn(
      `${p} is accessible to other users (mode ${octal(stat.mode)}) and was left as it is (not ours to change): keep minibank's data in a folder of its own`,
    );
    return;
  }
  fs.chmodSync(p, mode);
  warn(`${p} was accessible to other users (mode ${octal(stat.mode)}); changed to ${octal(mode)}`);
}

/** Creates `dir` (and its parents) as 0700, or makes an existing one 0700 with a warning. */
export function ensurePrivateDir(dir: string, warn: PermissionWarn = warnOnStderr): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tighten(dir, PRIVATE_DIR_MODE, warn);
}

/** Creates `file` empty with mode 0600 if it does not exist, or makes an existing one 0600 with a warning. */
export function ensurePrivateFile(file: string, warn: PermissionWarn = warnOnStderr): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  tighten(file, PRIVATE_FILE_MODE, warn);
}

/** Makes `file` 0600 with a warning if it exists and is shared; nothing if it does not exist. */
export function tightenIfExists(file: string, warn: PermissionWarn = warnOnStderr): void {
  if (fs.existsSync(file)) tighten(file, PRIVATE_FILE_MODE, warn);
}

/** Warns (never changes anything) when a folder chosen by the operator, such as a backup target, is open to others. */
export function warnIfSharedDir(dir: string, warn: PermissionWarn = warnOnStderr): void {
  if (fs.existsSync(dir) && isShared(dir)) {
    warn(
      `${path.resolve(dir)} is accessible to other users (mode ${octal(fs.statSync(dir).mode)}): the file is private (0600), but keep backups in a folder only minibank's account can open (chmod 700)`,
    );
  }
}

/** The SQLite database file and its companions, which SQLite creates with the main file's mode. */
export const sqliteFiles = (file: string): string[] => ['', '-wal', '-shm', '-journal'].map((suffix) => `${file}${suffix}`);
