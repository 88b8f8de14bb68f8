import { advanceCursor, rangesOf } from './offset-cursor';

describe('offset ranges', () => {
  const events = [
    { topic: 'b', partition: 1, offset: '7' },
    { topic: 'a', partition: 0, offset: '3' },
    { topic: 'b', partition: 1, offset: '9' },
  ];

  it('starts each range where the cursor left the partition, so consecutive blocks leave no gap', () => {
    expect(rangesOf({ 'b:1': '5' }, events)).toEqual([
      { topic: 'a', partition: 0, first: '3', last: '3' },
      { topic: 'b', partition: 1, first: '5', last: '9' },
    ]);
  });

  it('moves the cursor past the last offset of each range and keeps the others', () => {
    expect(advanceCursor({ 'c:0': '1', 'b:1': '5' }, rangesOf({ 'b:1': '5' }, events))).toEqual({ 'c:0': '1', 'b:1': '10', 'a:0': '4' });
  });
});
