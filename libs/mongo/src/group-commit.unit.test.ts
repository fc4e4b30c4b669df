import { describe, expect, it } from 'vitest';
import { groupCommit, insertErrors } from './group-commit.js';

describe('group commit', () => {
  it('writes the first item alone and what arrives meanwhile together', async () => {
    const batches: number[][] = [];
    const write = groupCommit<number>(async (items) => {
      batches.push(items);
      await new Promise((r) => setTimeout(r, 5));
      return [];
    });
    await Promise.all([1, 2, 3, 4].map((n) => write(n)));
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('fails only the items the bulk write reports, and all of them when it throws', async () => {
    let call = 0;
    const write = groupCommit<string>(async (items) => {
      call += 1;
      if (call === 1) return [undefined];
      if (call === 2) return items.map((i) => (i === 'dup' ? new Error('duplicate') : undefined));
      throw new Error('down');
    });
    const first = write('a');
    const results = await Promise.allSettled([first, write('b'), write('dup')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    await expect(write('c')).rejects.toThrow('down');
  });

  it('reads per-document errors of an unordered insertMany, one or many', () => {
    const one = insertErrors(3, { writeErrors: { index: 1, code: 11000, errmsg: 'dup' } });
    expect(one.map((e) => (e as { code?: number } | undefined)?.code)).toEqual([undefined, 11000, undefined]);
    const many = insertErrors(2, {
      writeErrors: [
        { index: 0, code: 11000 },
        { index: 1, code: 11000 },
      ],
    });
    expect(many.every((e) => e !== undefined)).toBe(true);
    expect(() => insertErrors(1, new Error('network'))).toThrow('network');
  });
});
