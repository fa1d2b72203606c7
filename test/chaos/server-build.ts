/**
 * How the servers are launched. A restart after kill -9 is the bottleneck of a chaos run, and
 * `node --import tsx` transpiles every file again at each start; so by default the run bundles
 * src/cli/main.ts once with esbuild (the compiler tsx itself uses; npm packages stay external) and
 * starts plain `node` on the bundle. The bundle sits three folders below the repository root, like
 * src/http/pages/views.ts does, so paths computed from import.meta.url (the views) still resolve.
 * `--server tsx` runs the sources directly instead. `minibank verify` at the end runs from the same
 * bundle: one run judges one snapshot of the code, even while the work tree changes under it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './options.js';

export type ServerMode = 'bundle' | 'tsx';

export interface ServerCommand {
  /** `node` arguments up to the subcommand: add 'serve' or 'verify'. */
  entry: string[];
  mode: ServerMode;
  cleanup(): void;
}

export async function prepareServerCommand(mode: ServerMode, tag: string): Promise<ServerCommand> {
  const tsx: ServerCommand = { entry: ['--import', 'tsx', 'src/cli/main.ts'], mode: 'tsx', cleanup: () => {} };
  if (mode === 'tsx') return tsx;
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (error) {
    console.warn(`[chaos] esbuild is not available (${(error as Error).message.split('\n')[0]}); starting the server through tsx instead`);
    return tsx;
  }
  const outfile = path.join(REPO_ROOT, 'test-artifacts', 'chaos', '.build', `server-${tag}-${process.pid}.mjs`);
  // A build error means the sources do not compile: that fails the run (tsx would fail the same way).
  await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, 'src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  // SQLite's money movement worker runs in its own thread from its own file: bundled beside the
  // server under the name src/http/movement-worker-client.ts looks for (issue 17 item 3).
  const workerFile = outfile.replace(/\.mjs$/, '.movement-worker.mjs');
  await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, 'src/http/movement-worker-main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: workerFile,
    logLevel: 'silent',
  });
  const cleanup = () => {
    fs.rmSync(outfile, { force: true });
    fs.rmSync(workerFile, { force: true });
  };
  return { entry: [outfile], mode: 'bundle', cleanup };
}
