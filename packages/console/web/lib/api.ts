import type { z } from 'zod';

const TOKEN_KEY = 'awo.console.token';

/** The bearer token typed into the page, kept for this tab only (sessionStorage). */
export function savedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An answer the API refused (4xx/5xx) or that did not match what the page expects. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The base URL of the API: the page is served by `awo api`, so its own origin. */
const BASE = '/api/v1';

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = savedToken();
  return { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

async function answer<S extends z.ZodType>(res: Response, schema: S, what: string): Promise<z.infer<S>> {
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, `${what}: the answer is not JSON (HTTP ${res.status})`);
  }
  if (!res.ok) {
    // The API's errors are `{ error: { code, message, field? } }`.
    const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const msg = typeof e?.message === 'string' ? e.message : `HTTP ${res.status}`;
    const code = typeof e?.code === 'string' ? `${e.code}: ` : '';
    throw new ApiError(res.status, `${what}: HTTP ${res.status} ${code}${msg}`, body);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(res.status, `${what}: unexpected answer at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** GET `path` (under /api/v1), checked against `schema`. */
export async function getJson<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
  const res = await fetch(`${BASE}${path}`, { headers: headers(), ...(signal ? { signal } : {}) });
  return answer(res, schema, `GET ${path}`);
}

/** POST `body` as JSON to `path` (under /api/v1), the answer checked against `schema`. */
export async function postJson<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> {
  const res = await fetch(`${BASE}${path}`, { method: 'POST', headers: headers({ 'content-type': 'application/json' }), body: JSON.stringify(body ?? {}) });
  return answer(res, schema, `POST ${path}`);
}

/** DELETE `path` (under /api/v1), the answer checked against `schema`. */
export async function deleteJson<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
  const res = await fetch(`${BASE}${path}`, { method: 'DELETE', headers: headers() });
  return answer(res, schema, `DELETE ${path}`);
}

/** The path segment for an id, escaped. */
export const seg = (id: string | number): string => encodeURIComponent(String(id));

export { headers as authHeaders, BASE as API_BASE };
