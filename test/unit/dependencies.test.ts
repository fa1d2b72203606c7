/**
 * Issue 11 class 15: the installed dependencies are outside known advisories' ranges and run on the
 * Node this project supports. Reads the lockfile and the installed packages, so a downgrade or a
 * dependency that needs a newer Node fails here instead of in production.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import semver from 'semver';

const require = createRequire(import.meta.url);
const lock = JSON.parse(fs.readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } }>;
};

const versionParts = (v: string) => v.split('.').map(Number) as [number, number, number];
const atLeast = (v: string, min: string) => {
  const [a, b] = [versionParts(v), versionParts(min)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
};

describe('dependencies (issue 11 class 15)', () => {
  it("installs @fastify/static 10.1.3 or later, outside the published advisories' ranges", () => {
    const installed = (require('@fastify/static/package.json') as { version: string }).version;
    assert.ok(atLeast(installed, '10.1.3'), `@fastify/static ${installed}`);
    assert.ok(atLeast(lock.packages['node_modules/@fastify/static']!.version!, '10.1.3'), 'the lockfile pins a fixed version');
    // Nested copies too (a plugin that bundles its own, such as @fastify/swagger-ui): none in the advisories' ranges.
    for (const [where, entry] of Object.entries(lock.packages)) {
      if (where.endsWith('node_modules/@fastify/static')) assert.ok(atLeast(entry.version!, '10.1.3'), `${where} is ${entry.version}`);
    }
  });

  // What the project promises (package.json): `engines` for running the server, `devEngines` for
  // `npm test` (its linter). Every locked package must run on the lowest Node each one allows.
  const floors = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
    devEngines: { runtime: { name: string; version: string } };
  };
  const needsNewerNode = (floor: string, dev: boolean) =>
    Object.entries(lock.packages).flatMap(([name, p]) => {
      if (name === '' || Boolean(p.dev) !== dev || !p.engines?.node) return [];
      return semver.satisfies(floor, p.engines.node) ? [] : [`${name} ${p.version} needs node ${p.engines.node}`];
    });

  it('locks no runtime package that needs a newer Node than package.json engines promises', () => {
    const floor = semver.minVersion(floors.engines.node)!.version;
    assert.deepEqual(needsNewerNode(floor, false), []);
  });

  it('locks no development package (the test suite and its linter) that needs a newer Node than devEngines says', () => {
    assert.equal(floors.devEngines.runtime.name, 'node');
    const floor = semver.minVersion(floors.devEngines.runtime.version)!.version;
    assert.deepEqual(needsNewerNode(floor, true), []);
  });

  it('can fail: a package needing Node 22 is caught at the floor', () => {
    assert.equal(semver.satisfies(semver.minVersion(floors.engines.node)!.version, '>=22'), false);
  });

  it('keeps the cookie parser @fastify/cookie loads on the API it calls (the override to cookie 1.x)', async () => {
    const fromFastifyCookie = createRequire(require.resolve('@fastify/cookie'));
    const cookie = (await import(fromFastifyCookie.resolve('cookie'))) as { parseCookie?: unknown; stringifySetCookie?: unknown };
    assert.equal(typeof cookie.parseCookie, 'function');
    assert.equal(typeof cookie.stringifySetCookie, 'function');
  });
});
