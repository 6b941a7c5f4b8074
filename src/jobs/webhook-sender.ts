import { Injectable } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookTarget } from './webhook-targets.js';

/** One delivery's answer: the receiver's status. */
export interface WebhookAnswer {
  status: number;
}

/** Silence on the connection that ends a try. */
const IDLE_TIMEOUT_MS = 10_000;
/** The whole try, however the receiver trickles its answer. */
export const WEBHOOK_TRY_TIMEOUT_MS = 30_000;

/**
 * Thin adapter around node:http(s) for webhook POSTs: it connects to the address
 * WebhookTargets checked (not whatever the name resolves to by then), with the URL's host in
 * `Host` and TLS's server name, and reads nothing of the answer but its status.
 */
@Injectable()
export class WebhookSender {
  post({ url, address, family }: WebhookTarget, body: string, headers: Record<string, string>): Promise<WebhookAnswer> {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: address,
          family,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          servername: url.hostname,
          headers: { ...headers, host: url.host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: IDLE_TIMEOUT_MS,
          signal: AbortSignal.timeout(WEBHOOK_TRY_TIMEOUT_MS),
        },
        (answer) => {
          answer.resume(); // the body is not read, only drained
          answer.once('end', () => resolve({ status: answer.statusCode ?? 0 }));
        },
      );
      outgoing.once('timeout', () => outgoing.destroy(new Error(`no answer within ${IDLE_TIMEOUT_MS / 1000} s`)));
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  }
}
