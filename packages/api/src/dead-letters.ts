import { AwoError, runScript, STREAMS, type DeadLetter, type Keys, type RedisClient } from '@awo/shared';
import { notFound } from './errors.js';
import { entryById, streamPage } from './stream-page.js';

const LUA_DIR = new URL('./lua/', import.meta.url);
/** How long the mark that a dead letter was replayed is kept. */
const REPLAY_MARK_MS = 7 * 86_400_000;
/** What `rawFields` appends to a value it cut: such an entry cannot be replayed as it was. */
const CUT = /…\(\d+ chars\)$/;

export interface DeadLetterItem {
  entryId: string;
  deadLetter: DeadLetter;
  /** The stream id it was replayed as, once replayed. */
  replayedAs: string | null;
}

/**
 * The dead-letter stream for operators: a page of it (validated, each with whether it was
 * replayed) and replaying one, once: its entry goes back to the stream it came from, which must
 * be one of awo's own streams under this prefix (never a key the entry names otherwise). What
 * `GET /api/v1/dead-letters` and `awo dead-letters` both use.
 */
export class DeadLetters {
  readonly #replayable: Map<string, string>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly maxLen: number,
  ) {
    this.#replayable = new Map(STREAMS.filter((s) => s !== 'deadletter').map((s) => [keys.stream(s), s]));
  }

  async list(options: { limit: number; cursor?: string; scanLimit: number; stream?: string }): Promise<{ items: DeadLetterItem[]; nextCursor: string | null }> {
    const { stream } = options;
    const { items, nextCursor } = await streamPage(this.redis, this.keys.stream('deadletter'), 'deadletter', { limit: options.limit, ...(options.cursor ? { cursor: options.cursor } : {}), scanLimit: options.scanLimit, ...(stream ? { keep: (d) => d.stream === stream } : {}) });
    // Each mark sits in the slot of the stream it was replayed into: one GET each (a cluster refuses a cross-slot MGET).
    const marks = await Promise.all(items.map((e) => this.redis.get(this.keys.deadletterReplayed(e.id, e.message.stream))));
    return { items: items.map((e, i) => ({ entryId: e.id, deadLetter: e.message, replayedAs: marks[i] ?? null })), nextCursor };
  }

  /** Replays a dead letter (by its id in the dead-letter stream); returns the new entry's stream and id. */
  async replay(id: string): Promise<{ entryId: string; stream: string; replayedAs: string }> {
    const entry = await entryById(this.redis, this.keys.stream('deadletter'), 'deadletter', id);
    if (!entry) throw notFound(`dead letter ${id} is not in the dead-letter stream (never written, trimmed, or not a valid dead letter)`);
    const d = entry.message;
    if (!this.#replayable.has(d.stream)) throw new AwoError('AWO_API_CONFLICT', `dead letter ${id} came from "${d.stream}", which is not one of awo's streams under this prefix: not replayed`);
    const cut = Object.entries(d.raw).find(([, v]) => v.length > 8192 && CUT.test(v));
    if (cut) throw new AwoError('AWO_API_CONFLICT', `dead letter ${id} kept only part of its field "${cut[0]}": it cannot be replayed as it was`);
    const fields = Object.entries(d.raw).flat();
    if (fields.length === 0) throw new AwoError('AWO_API_CONFLICT', `dead letter ${id} kept no field of its entry: nothing to replay`);
    const [fresh, newId] = (await runScript(this.redis, 'dl-replay-2', [this.keys.deadletterReplayed(id, d.stream), d.stream], [REPLAY_MARK_MS, this.maxLen, ...fields], LUA_DIR)) as [number, string];
    if (fresh !== 1) throw new AwoError('AWO_API_CONFLICT', `dead letter ${id} was already replayed as ${newId}`);
    return { entryId: id, stream: d.stream, replayedAs: newId };
  }
}
