import { redactUrl } from '@awo/shared';

/** Bodies larger than this are refused: a monitor reads small documents. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** How `httpGet` fetches. */
export interface GetOptions {
  signal: AbortSignal;
  /** ms for the whole request, body included. */
  timeout: number;
  accept: string;
}

/**
 * GETs a URL with the global fetch and returns its body as text. A non-2xx answer, a timeout,
 * a refused connection or an oversized body throws with the URL (password removed) and why.
 */
export async function httpGet(url: string, options: GetOptions): Promise<string> {
  const shown = redactUrl(url);
  const timeout = AbortSignal.timeout(options.timeout);
  const signal = AbortSignal.any([options.signal, timeout]);
  try {
    const res = await fetch(url, { signal, headers: { accept: options.accept }, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new Error(`GET ${shown} answered ${res.status} ${res.statusText}`.trim());
    }
    return await readBody(res, shown);
  } catch (err) {
    if (timeout.aborted) throw new Error(`GET ${shown} timed out after ${options.timeout} ms`, { cause: err });
    if (options.signal.aborted) throw err;
    if (err instanceof Error && err.message === 'fetch failed') {
      const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
      throw new Error(`GET ${shown} failed: ${cause}`, { cause: err });
    }
    throw err;
  }
}

async function readBody(res: Response, shown: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`GET ${shown}: body of ${declared} bytes is over the ${MAX_BODY_BYTES}-byte limit`);
  }
  if (!res.body) return '';
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new Error(`GET ${shown}: body is over the ${MAX_BODY_BYTES}-byte limit`);
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
