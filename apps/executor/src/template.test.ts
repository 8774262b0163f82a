import { describe, expect, it } from 'vitest';
import { commandArgs, substitute, truncate } from './template.js';

const action = { step: 'work', param: 'mode', value: 'a b; rm -rf / $(id) `id` *', version: 7 };

describe('command templates', () => {
  it('keeps a substituted value with spaces, ";" and shell syntax as exactly one argument', () => {
    expect(commandArgs(['--step={{step}}', '{{value}}', '{{param}}@{{version}}', '*'], action)).toEqual(['--step=work', 'a b; rm -rf / $(id) `id` *', 'mode@7', '*']);
  });

  it('writes numbers and booleans as JSON and takes "$" in values literally', () => {
    expect(commandArgs(['{{value}}'], { ...action, value: 5 })).toEqual(['5']);
    expect(commandArgs(['{{value}}'], { ...action, value: false })).toEqual(['false']);
    expect(substitute('x{{value}}y', { value: "$& $1 $'" })).toBe("x$& $1 $'y");
  });

  it('refuses a value that would become an option, unless "--" ended the options or the template starts with "-"', () => {
    const dash = { ...action, value: '--exec=/bin/sh' };
    expect(() => commandArgs(['scale', '{{value}}'], dash)).toThrow(/would become the option/);
    expect(() => commandArgs(['{{value}}x'], { ...action, value: '-rf' })).toThrow(/AWO_ACTION_NOT_ALLOWED|would become the option/);
    expect(commandArgs(['scale', '--', '{{value}}'], dash)).toEqual(['scale', '--', '--exec=/bin/sh']);
    expect(commandArgs(['--size={{value}}'], dash)).toEqual(['--size=--exec=/bin/sh']);
    // A negative number is an option to most programs too.
    expect(() => commandArgs(['{{value}}'], { ...action, value: -3 })).toThrow(/would become the option/);
    expect(commandArgs(['--', '{{value}}'], { ...action, value: -3 })).toEqual(['--', '-3']);
  });

  it('leaves unknown or missing names as they are', () => {
    expect(substitute('{{other}} {{step}} {{ value }}', { step: 's' })).toBe('{{other}} s {{ value }}');
    expect(substitute('{{param}}', {})).toBe('{{param}}');
  });

  it('cuts long output and says how long it was', () => {
    expect(truncate('abc', 5)).toBe('abc');
    const cut = truncate('x'.repeat(10_000), 4096);
    expect(cut.length).toBeLessThanOrEqual(4096);
    expect(cut.endsWith('…(10000 chars)')).toBe(true);
  });
});
