// Time-ordered unique event ids: UUIDv7 (RFC 9562 §5.7), so ids sort by creation time.
import { randomBytes } from 'node:crypto';

let lastMillis = 0;
let sequence = 0;

export function newEventId(now: number = Date.now()): string {
  // A 12-bit counter in rand_a keeps ids from one process monotonic within a millisecond.
  if (now <= lastMillis) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMillis += 1;
    now = lastMillis;
  } else {
    lastMillis = now;
    sequence = randomBytes(2).readUInt16BE(0) & 0x3ff;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
