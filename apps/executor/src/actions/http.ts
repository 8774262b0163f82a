import { SpanKind } from '@opentelemetry/api';
import { AwoError, errorMessage, inSpan, injectHeaders, ATTR } from '@awo/shared';
import { truncate } from '../template.js';
import type { ActionConfigOf, ActionHandler } from '../types.js';

const OUTPUT_MAX = 4096;

/** The URL without credentials or query, safe for spans and errors. */
function safeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Reads at most `max` characters of a body, then stops reading. */
async function readLimited(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length <= max) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

/**
 * `http`: POSTs the action as JSON to the URL from the config (never one from a message), with
 * the config's headers, `Idempotency-Key: <job id>` and the trace context. A non-2xx answer
 * (redirects included: they are not followed) or a timeout is a failure.
 */
export const httpHandler: ActionHandler<ActionConfigOf<'http'>> = (action, config, ctx) => {
  const url = new URL(config.url);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const attributes = { [ATTR.HTTP_REQUEST_METHOD]: 'POST', [ATTR.SERVER_ADDRESS]: url.hostname, [ATTR.SERVER_PORT]: port, [ATTR.URL_FULL]: safeUrl(url) };
  return inSpan(ctx.tracer, `POST ${url.host}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    const headers = new Headers(config.headers);
    headers.set('content-type', 'application/json');
    headers.set('idempotency-key', action.id);
    for (const [name, value] of Object.entries(injectHeaders())) if (value) headers.set(name, value);
    const timeout = AbortSignal.timeout(config.timeout);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(action), redirect: 'manual', signal: AbortSignal.any([ctx.signal, timeout]) });
    } catch (err) {
      if (timeout.aborted) throw new AwoError('AWO_TIMEOUT', `POST ${safeUrl(url)} timed out after ${config.timeout} ms`, { cause: err });
      throw new AwoError('AWO_ACTION_FAILED', `POST ${safeUrl(url)} failed: ${errorMessage(err)}`, { cause: err });
    }
    span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, response.status);
    const body = await readLimited(response, OUTPUT_MAX).catch(() => '');
    if (response.status < 200 || response.status > 299) {
      span.setAttribute(ATTR.ERROR_TYPE, String(response.status));
      throw new AwoError('AWO_ACTION_FAILED', truncate(`POST ${safeUrl(url)} answered ${response.status}: ${body}`, 1024), { details: { status: response.status } });
    }
    return { output: truncate(`${response.status} ${body}`.trim(), OUTPUT_MAX) };
  });
};
