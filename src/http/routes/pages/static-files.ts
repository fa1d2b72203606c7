/**
 * The stylesheet, script and images under /static/, served by @fastify/static in a scope of their
 * own. Whatever a client asks for that is not a file we serve (missing, a directory, a dotfile, a
 * path that climbs out with `..` or `%2e%2e%2f`, a NUL byte) is one answer, 404 `not_found`: the
 * plugin's 400s and 403s would otherwise say which of those it was (issue 11 class 7). Errors are
 * rethrown to the app's error handler (plugins/errors.ts), which renders the friendly page.
 */
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError } from '../../../domain/errors.js';
import { VIEWS_DIR } from '../../pages/views.js';

export const STATIC_PREFIX = '/static/';

export default async function staticFiles(app: FastifyInstance): Promise<void> {
  // The routes @fastify/static adds are public files (route-needs.ts), only the global rate limit.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, auth: 'public', limit: 'global' };
  });
  // Thrown from this scope's handler, an error goes on to the parent's handler (errors.ts).
  app.setErrorHandler(async (error: FastifyError) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) throw new DomainError('not_found', 'Not found.');
    throw error;
  });
  await app.register(fastifyStatic, {
    root: path.join(VIEWS_DIR, 'static'),
    prefix: STATIC_PREFIX,
    maxAge: 3_600_000,
    index: false,
    dotfiles: 'deny',
  });
}
