// Arithmetic on tree sizes and leaf indices, which are non-negative safe integers (up to 2^53 - 1);
// plain division keeps it exact where JavaScript's bitwise operators would truncate to 32 bits.

export function isTreeSize(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** The RFC 9162 split point: the largest power of two strictly smaller than n (n ≥ 2). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** log2 of a power of two. */
export function levelOf(powerOfTwo: number): number {
  return Math.round(Math.log2(powerOfTwo));
}

export function requireTreeSize(value: number, what: string): void {
  if (!isTreeSize(value)) throw new RangeError(`${what} must be a non-negative safe integer, got ${value}`);
}
