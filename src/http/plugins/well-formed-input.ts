/**
 * Query strings, on every route (API and pages), before anything reads them: a name or value whose
 * percent-encoded bytes are not UTF-8 (`?memo=%ED%A0%80`, `?to=%FF`) is 400 `invalid_request` naming
 * the field (issue 11 class 8; the rule is in well-formed-text.ts). Without this the query parser
 * keeps such a value as the literal text "%ED%A0%80". Bodies are checked where they are parsed.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { illFormedTextError, illFormedUrlencodedField } from '../well-formed-text.js';

export default fp(
  async function wellFormedInput(app: FastifyInstance) {
    app.addHook('onRequest', async (request) => {
      const start = request.url.indexOf('?');
      if (start === -1) return;
      const field = illFormedUrlencodedField(request.url.slice(start + 1));
      if (field !== null) throw illFormedTextError(field);
    });
  },
  { name: 'well-formed-input' },
);
