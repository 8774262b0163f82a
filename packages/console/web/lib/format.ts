/** Small formatting helpers shared by the panels. */

export type ParamValue = number | string | boolean;

export type Change =
  | { op: 'set'; step: string; param: string; from: ParamValue | null; to: ParamValue }
  | { op: 'add-step'; step: string; after: string[]; queue?: string | undefined }
  | { op: 'remove-step'; step: string }
  | { op: 'link'; step: string; from: string[]; to: string[] };

/** A change in words, as `awo plan` and `awo explain` write it. */
export function describeChange(c: Change): string {
  switch (c.op) {
    case 'set':
      return `${c.step}.${c.param} ${c.from ?? '∅'} → ${c.to}`;
    case 'add-step':
      return `add step ${c.step}${c.after.length ? ` after ${c.after.join(', ')}` : ''}`;
    case 'remove-step':
      return `remove step ${c.step}`;
    case 'link':
      return `${c.step} now after ${c.to.join(', ') || 'nothing'} (was ${c.from.join(', ') || 'nothing'})`;
  }
}

export function time(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function ago(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return `in ${fmtDuration(-s)}`;
  return `${fmtDuration(s)} ago`;
}

function fmtDuration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(1) : n.toFixed(3);
}

export function millis(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms.toFixed(ms < 10 ? 2 : 1)}ms`;
}
