import { describe, expect, it } from 'vitest';
import { newId } from './ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newId', () => {
  it('is a UUIDv7 whose first 48 bits are the given millisecond', () => {
    for (const now of [0, 1, 1_764_000_000_000, 2 ** 32 + 5, 2 ** 48 - 1]) {
      const id = newId(now);
      expect(id).toMatch(UUID_V7);
      expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
    }
  });

  it('sorts in the order ids were made, within one millisecond and across several, and never repeats', () => {
    const made: string[] = [];
    for (let ms = 0; ms < 5; ms++) for (let i = 0; i < 5_000; i++) made.push(newId(1_764_000_000_000 + ms));
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
  });

  it('gives each id its own text (no shared buffer leaks into earlier ids)', () => {
    const first = newId(1_764_000_000_000);
    const copy = `${first}`;
    newId(1_764_000_000_001);
    expect(first).toBe(copy);
    expect(first).toMatch(UUID_V7);
  });
});
