import { describe, expect, it } from 'vitest';
import { MAX_EVENT_CHARS, SseParser } from './sse.js';

describe('SseParser', () => {
  it('parses events split across chunks at any point, with ids, names and multi-line data', () => {
    const text = ': keep-alive\n\nid: 7\nevent: revision\ndata: {"a":\ndata: 1}\n\nretry: 2500\nevent: proposal\r\ndata: x\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(events, `cut at ${cut}`).toEqual([
        { id: '7', event: 'revision', data: '{"a":\n1}' },
        { id: undefined, event: 'proposal', data: 'x' },
      ]);
      expect(p.lastId).toBe('7');
      expect(p.retryMs).toBe(2500);
    }
  });

  it('gives "message" to an unnamed event and skips an event without data', () => {
    const p = new SseParser();
    expect(p.push('event: ping\n\ndata:plain\n\n')).toEqual([{ id: undefined, event: 'message', data: 'plain' }]);
  });

  it('refuses an event longer than its bound instead of growing without end', () => {
    const p = new SseParser();
    const line = `data: ${'x'.repeat(1000)}\n`;
    expect(() => {
      for (let i = 0; i < MAX_EVENT_CHARS / 1000 + 2; i++) p.push(line);
    }).toThrow(/longer than/);
    expect(() => new SseParser().push('x'.repeat(MAX_EVENT_CHARS + 1))).toThrow(/longer than/);
  });
});
