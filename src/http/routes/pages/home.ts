import type { FastifyInstance } from 'fastify';
import { renderPage } from '../../pages/views.js';

/** The landing page, at `/` and at `/index` (the name earlier versions used). */
export default async function homePage(app: FastifyInstance): Promise<void> {
  const handler = async (_request: unknown, reply: Parameters<typeof renderPage>[0]) => renderPage(reply, 'home', { title: 'Banking that adds up' });
  app.get('/', { config: { auth: 'public', limit: 'global' } }, (request, reply) => handler(request, reply));
  app.get('/index', { config: { auth: 'public', limit: 'global' } }, (request, reply) => handler(request, reply));
}
