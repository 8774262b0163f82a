/**
 * The value at a dotted path in a parsed JSON document: `data.queue.depth`, `items.0.value`.
 * A segment that is missing throws with where the walk stopped and what was found there.
 */
export function pickPath(doc: unknown, path: string): unknown {
  const segments = path.split('.');
  let current: unknown = doc;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const at = i === 0 ? 'the document' : `"${segments.slice(0, i).join('.')}"`;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) throw new Error(`path "${path}": ${at} is an array, expected an index, got "${segment}"`);
      const index = Number(segment);
      if (index >= current.length) throw new Error(`path "${path}": ${at} has ${current.length} items, no index ${index}`);
      current = current[index];
    } else if (current !== null && typeof current === 'object') {
      if (!Object.prototype.hasOwnProperty.call(current, segment)) throw new Error(`path "${path}": no "${segment}" in ${at}`);
      current = (current as Record<string, unknown>)[segment];
    } else {
      throw new Error(`path "${path}": ${at} is ${describe(current)}, cannot look up "${segment}" in it`);
    }
  }
  return current;
}

/** The finite number at a dotted path; anything else (a string, null, a missing key) throws. */
export function pickNumber(doc: unknown, path: string): number {
  const value = pickPath(doc, path);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`path "${path}": expected a number, got ${describe(value)}`);
  return value;
}

/** A short description of a JSON value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
