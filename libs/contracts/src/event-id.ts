// Time-ordered unique event ids: UUIDv7 (RFC 9562 §5.7), so ids sort by creation time.
import { randomBytes } from 'node:crypto';

/** Random bytes drawn 4 KiB at a time: one randomBytes call per id cost ~2 % of a busy service's CPU. */
const POOL_BYTES = 4096;
let pool = randomBytes(POOL_BYTES);
let taken = 0;
const bytes = Buffer.alloc(16);

let lastMillis = 0;
let sequence = 0;

function random(length: number): Buffer {
  if (taken + length > POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    taken = 0;
  }
  taken += length;
  return pool.subarray(taken - length, taken);
}

export function newEventId(now: number = Date.now()): string {
  // A 12-bit counter in rand_a keeps ids from one process monotonic within a millisecond.
  if (now <= lastMillis) {
    sequence = (sequence + 1) & 0xfff;
    if (sequence === 0) lastMillis += 1;
    now = lastMillis;
  } else {
    lastMillis = now;
    sequence = random(2).readUInt16BE(0) & 0x3ff;
  }
  random(16).copy(bytes);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
