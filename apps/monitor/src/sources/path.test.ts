import { describe, expect, it } from 'vitest';
import { pickNumber, pickPath } from './path.js';

const doc = { data: { queue: { depth: 12, name: 'work', none: null } }, items: [{ value: 1.5 }, { value: 'x' }], zero: 0 };

describe('pickPath / pickNumber', () => {
  it('walks objects and array indexes', () => {
    expect(pickNumber(doc, 'data.queue.depth')).toBe(12);
    expect(pickNumber(doc, 'items.0.value')).toBe(1.5);
    expect(pickNumber(doc, 'zero')).toBe(0);
    expect(pickNumber([3, 4], '1')).toBe(4);
    expect(pickPath(doc, 'data.queue')).toEqual({ depth: 12, name: 'work', none: null });
  });

  it('says where a path stops', () => {
    expect(() => pickNumber(doc, 'data.queue.size')).toThrow('path "data.queue.size": no "size" in "data.queue"');
    expect(() => pickNumber(doc, 'nope')).toThrow('path "nope": no "nope" in the document');
    expect(() => pickNumber(doc, 'items.2.value')).toThrow('path "items.2.value": "items" has 2 items, no index 2');
    expect(() => pickNumber(doc, 'items.first')).toThrow('"items" is an array, expected an index, got "first"');
    expect(() => pickNumber(doc, 'data.queue.depth.x')).toThrow('"data.queue.depth" is number 12, cannot look up "x" in it');
    expect(() => pickNumber(doc, 'data.queue.none.x')).toThrow('"data.queue.none" is null');
  });

  it('refuses what is not a number', () => {
    expect(() => pickNumber(doc, 'data.queue.name')).toThrow('path "data.queue.name": expected a number, got the string "work"');
    expect(() => pickNumber(doc, 'items.1.value')).toThrow('expected a number, got the string "x"');
    expect(() => pickNumber(doc, 'data.queue.none')).toThrow('expected a number, got null');
    expect(() => pickNumber(doc, 'data')).toThrow('expected a number, got an object');
    expect(() => pickNumber({ n: '12' }, 'n')).toThrow('the string "12"');
  });

  it('does not follow inherited properties', () => {
    expect(() => pickPath({}, 'constructor')).toThrow('no "constructor"');
    expect(() => pickPath({ a: 1 }, '__proto__')).toThrow('no "__proto__"');
  });
});
