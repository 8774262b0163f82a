/** Typed-array helpers of the simulator: a binary min-heap, rings with power-of-two capacity, a quantile. */

/** Inserts v into the min-heap h[0..n) (the caller grows h and counts the new element). */
export function siftUp(h: Float64Array, v: number, n: number): void {
  let i = n;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pv = h[p] as number;
    if (pv <= v) break;
    h[i] = pv;
    i = p;
  }
  h[i] = v;
}

/** Puts v at the top of the min-heap h[0..n) and sifts it down. */
export function siftDown(h: Float64Array, v: number, n: number): void {
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let cv = h[c] as number;
    const r = c + 1;
    if (r < n && (h[r] as number) < cv) {
      c = r;
      cv = h[r] as number;
    }
    if (cv >= v) break;
    h[i] = cv;
    i = c;
  }
  h[i] = v;
}

export function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(Math.max(64, a.length * 2));
  b.set(a);
  return b;
}

/** The smallest power of two (at least 64) above n. */
export function ringCapacity(n: number): number {
  return 2 ** Math.max(6, Math.ceil(Math.log2(n + 1)));
}

/** A ring (power-of-two capacity) copied, oldest first, into one that holds at least `need`. */
export function copyRing(a: Float64Array, head: number, len: number, need: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(ringCapacity(Math.max(need, a.length)));
  for (let i = 0; i < len; i++) b[i] = a[(head + i) & (a.length - 1)] as number;
  return b;
}


/**
 * The q-quantile, interpolating linearly between ranks (as awo's monitor does), of `zeros`
 * zeros together with the (unsorted, positive) `values`; 0 when there is nothing.
 */
export function interpolatedQuantile(zeros: number, values: Float64Array, q: number): number {
  const n = zeros + values.length;
  if (n === 0) return 0;
  const rank = q * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  if (hi < zeros) return 0;
  const sorted = values.slice().sort();
  const at = (k: number) => (k < zeros ? 0 : (sorted[k - zeros] as number));
  return at(lo) + (at(hi) - at(lo)) * (rank - lo);
}
