import type { Message } from 'kafkajs';
import { bySize, sizeOf } from './send-size';

const message = (bytes: number, headers?: Message['headers']): Message => ({ key: null, value: Buffer.alloc(bytes), headers });

describe('bySize', () => {
  it.each([
    ['nothing gives no runs', [], 100, []],
    ['everything under the limit is one run', [30, 30, 40], 100, [[30, 30, 40]]],
    ['a run closes before the message that would pass the limit', [60, 30, 20, 90], 100, [[60, 30], [20], [90]]],
    ['a message larger than the limit goes alone', [10, 250, 10], 100, [[10], [250], [10]]],
  ])('%s', (_case, sizes, limit, expected) => {
    const runs = bySize(
      sizes.map((bytes) => message(bytes)),
      limit,
    );
    expect(runs.map((run) => run.map((entry) => sizeOf(entry)))).toEqual(expected);
  });

  it('keeps the order of the messages', () => {
    const messages = [5, 6, 7, 8].map((bytes) => message(bytes));
    expect(bySize(messages, 12).flat()).toEqual(messages);
  });

  it('counts keys and header names and values', () => {
    expect(sizeOf({ key: 'abc', value: Buffer.alloc(10), headers: { ce_id: 'x'.repeat(20), multi: ['ab', Buffer.alloc(3)] } })).toBe(
      3 + 10 + 5 + 20 + 5 + 2 + 3,
    );
  });
});
