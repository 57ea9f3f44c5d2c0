import { describe, expect, it } from 'vitest';
import { writeAscii } from '../src/ascii-bytes';

describe('writeAscii', () => {
  it('writes ASCII as one byte per character at the position and returns the position after it', () => {
    const buf = Buffer.alloc(16, 0xee);
    expect(writeAscii('go_gc', buf, 3)).toBe(8);
    expect(buf.subarray(3, 8).toString('latin1')).toBe('go_gc');
    expect(buf[2]).toBe(0xee);
    expect(buf[8]).toBe(0xee);
    expect(writeAscii('', buf, 5)).toBe(5);
    expect(writeAscii('\u007f', buf, 0)).toBe(1);
  });

  it('gives -1 for any character past ASCII, wherever it is', () => {
    const buf = Buffer.alloc(16);
    expect(writeAscii('\u0080', buf, 0)).toBe(-1);
    expect(writeAscii('caf\u00e9', buf, 0)).toBe(-1);
    expect(writeAscii('a\ud83d\ude00', buf, 0)).toBe(-1);
  });
});
