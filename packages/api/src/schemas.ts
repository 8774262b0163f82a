import { z } from 'zod';

/** `?cursor=&limit=` of every list. */
export const pageQuery = (maxLimit = 1000) =>
  z.strictObject({
    cursor: z.string().min(1).max(512).optional().describe('the nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(maxLimit).optional().describe('items on this page (default api.pageSize)'),
  });

/** A page of a list: its items and the cursor of the next page (null on the last). */
export const page = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });

/** A Redis stream entry id, the cursor of the lists read from streams. */
export const streamId = z.string().regex(/^\d{1,20}-\d{1,20}$/, 'expected a stream entry id such as 1763712345678-0');

export const paramValue = z.union([z.number(), z.string(), z.boolean()]);
