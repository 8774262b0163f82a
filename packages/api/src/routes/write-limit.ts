import type { ApiConfig } from '@awo/shared';

/** The route config of a write: rate-limited per token, all writes sharing one budget (api.rateLimit). */
export function writeLimit(api: Pick<ApiConfig, 'rateLimit'>) {
  return { rateLimit: { max: api.rateLimit.max, timeWindow: api.rateLimit.window, groupId: 'writes' } };
}
