/**
 * POSTs one webhook, signed per Standard Webhooks (standardwebhooks library: `webhook-id`,
 * `webhook-timestamp` in Unix seconds, `webhook-signature` "v1,<base64 HMAC-SHA256>" over
 * "id.timestamp.body"). Each try signs afresh with its own timestamp; the id stays the message's.
 * Redirects are not followed (the target is operator configuration; a redirect could point
 * anywhere). Only a 2xx answer within `timeoutMs` counts as delivered.
 */
import { Webhook } from 'standardwebhooks';

export interface WebhookSender {
  /**
   * Sends `body` (JSON text) to `url` under `id`, signed at `at`.
   * @throws Error naming the status, the timeout or the network failure.
   */
  send(url: string, id: string, body: string, at: Date): Promise<void>;
}

/** A sender signing with `secret` (`whsec_` + base64) and giving up on an answer after `timeoutMs` (ms). */
export function createWebhookSender(options: { secret: string; timeoutMs: number }): WebhookSender {
  const signer = new Webhook(options.secret);
  return {
    async send(url, id, body, at) {
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'minibank-webhooks',
        'webhook-id': id,
        'webhook-timestamp': Math.floor(at.getTime() / 1000).toString(),
        'webhook-signature': signer.sign(id, at, body),
      };
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (error) {
        const name = (error as Error).name;
        throw new Error(name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${options.timeoutMs} ms` : `network: ${(error as Error).message}`);
      }
      // The body is not needed; reading it releases the connection.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status}`);
    },
  };
}
