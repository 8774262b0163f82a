const SAFE = /^[A-Za-z0-9_-]$/;

/** Escapes all but `[A-Za-z0-9_-]` as `~XX` (UTF-8 bytes), so `.` can separate parts unambiguously. */
export function encodePart(text: string): string {
  let out = '';
  for (const ch of text) {
    if (SAFE.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
