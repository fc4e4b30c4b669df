import { DeliveryError, DeliveryErrorCode, describeError } from '../errors.js';
import { safeUrl } from '../destination-uri.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signPayload } from '../signature.js';

/**
 * HTTP(S) webhooks: a signed JSON POST; any 2xx is delivered, anything else (other statuses,
 * refused connections, the timeout) is retried. Redirects are not followed.
 */
export function createHttpTransport(options: { timeoutMs: number; clock?: () => number }) {
  const clock = options.clock ?? Date.now;
  return {
    async post(url: URL, body: string, headers: Record<string, string>, secret: string): Promise<number> {
      const timestamp = clock();
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(options.timeoutMs),
          headers: {
            ...headers,
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
            'user-agent': 'asyncfn-destination',
          },
        });
      } catch (cause) {
        throw new DeliveryError(
          DeliveryErrorCode.DestinationUnreachable,
          `POST ${safeUrl(url)} failed: ${describeError(cause)}`,
          { cause },
        );
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status >= 300) {
        throw new DeliveryError(
          DeliveryErrorCode.DestinationRejected,
          `POST ${safeUrl(url)} answered HTTP ${res.status}`,
        );
      }
      return res.status;
    },
  };
}
