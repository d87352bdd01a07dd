import { randomBytes } from 'node:crypto';

/**
 * UUIDv7: time-ordered, so ids sort by creation (cursor pagination by id, index locality) and are unique across
 * processes without coordination.
 */
const POOL_SIZE = 16 * 256;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

/** 16 random bytes from a pre-filled pool (one `randomBytes` call per 256 ids instead of one per id). */
function take16(): Buffer {
  if (offset + 16 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + 16));
  offset += 16;
  return bytes;
}

let lastMs = -1;
let counter = 0;
/** 12 bits of `rand_a` and the 6 free bits of the variant byte: 262,144 ids per millisecond before a wrap. */
const COUNTER_MAX = 0x3ffff;

/**
 * Monotonic within a process (RFC 9562 §6.2, method 1): ids made in the same millisecond carry a counter in
 * `rand_a` (and the variant byte's free bits), so rows written in one pass — a connection's emails E1, E2, E3 —
 * sort in the order they were made. The counter starts at a random point in its lower half.
 */
export function newId(now: number = Date.now()): string {
  const bytes = take16();
  if (now === lastMs && counter < COUNTER_MAX) {
    counter++;
  } else {
    lastMs = now;
    counter = bytes.readUIntBE(6, 3) & 0x1ffff;
  }
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((counter >> 14) & 0x0f);
  bytes[7] = (counter >> 6) & 0xff;
  bytes[8] = 0x80 | (counter & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
