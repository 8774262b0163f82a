import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full GC before it
 * collects again: 10% (`--heap-growing-percent=10`) instead of its own choice, which under a
 * steady stream of short-lived messages let the analyzer's old space fill with up to ~100 MB of
 * garbage before each full GC (peak RSS ~265 MB for ~40 MB live). A full GC of an agent's small
 * heap takes milliseconds, so collecting sooner costs little throughput (docs/benchmarks.md,
 * pipeline, has both figures). Read by V8 at each collection, so setting it at start-up works.
 */
export const AGENT_HEAP_GROWING_PERCENT = 10;

/** Applies {@link AGENT_HEAP_GROWING_PERCENT} to this process (call once, before agents start). */
export function tuneAgentHeap(): void {
  setFlagsFromString(`--heap-growing-percent=${AGENT_HEAP_GROWING_PERCENT}`);
}
