// Finds a run's canaries (`<prefix>-<carrier>...`) in text, also where a store keeps it hex- or base64-encoded
// (pg_dump writes bytea as hex; events carry bytes as base64), and records which carrier was found where.
const HEX_RUN = /(?:[0-9a-fA-F]{2}){8,}/g;
const BASE64_RUN = /[A-Za-z0-9+/_-]{12,}={0,2}/g;

export class CanaryScanner {
  /** carrier → the places it was found in (e.g. `topic medshare.consent.v1`, `database x`, `log y`). */
  readonly found = new Map<string, Set<string>>();
  private readonly pattern: RegExp;

  /** `carriers`: the suffixes planted after `<prefix>-`; a hit is named by the longest one it starts with. */
  constructor(
    readonly prefix: string,
    private readonly carriers: readonly string[],
  ) {
    if (!/^[a-z0-9]+$/.test(prefix)) throw new RangeError('a canary prefix is lower-case letters and digits');
    this.pattern = new RegExp(`${prefix}(?:-([a-z0-9-]*))?`, 'gi');
  }

  canary(carrier: string): string {
    if (!this.carriers.includes(carrier)) throw new RangeError(`unknown carrier ${carrier}`);
    return `${this.prefix}-${carrier}`;
  }

  /** Scans `content` and the hex and base64 runs in it; returns the carriers found in it. */
  scan(content: string | Buffer, place: string): Set<string> {
    const text = typeof content === 'string' ? content : content.toString('latin1');
    const carriers = new Set<string>();
    const views = [text, ...decoded(text, HEX_RUN, 'hex'), ...decoded(text, BASE64_RUN, 'base64')];
    for (const view of views) {
      for (const match of view.matchAll(this.pattern)) carriers.add(this.carrierOf(match[1]?.toLowerCase() ?? ''));
    }
    for (const carrier of carriers) {
      const places = this.found.get(carrier) ?? new Set<string>();
      places.add(place);
      this.found.set(carrier, places);
    }
    return carriers;
  }

  private carrierOf(tail: string): string {
    const named = this.carriers.filter((carrier) => tail === carrier || tail.startsWith(`${carrier}-`) || tail.startsWith(carrier));
    return named.sort((a, b) => b.length - a.length)[0] ?? `unknown:${tail}`;
  }
}

/** Decoded runs of `pattern` in `text`, as latin1 (any byte maps to one character: the ASCII canary survives). */
function decoded(text: string, pattern: RegExp, encoding: 'hex' | 'base64'): string[] {
  const views: string[] = [];
  for (const [run] of text.matchAll(pattern)) {
    // Three alignments for base64: a canary inside a longer run may start at any byte.
    const starts = encoding === 'hex' ? [0] : [0, 1, 2, 3];
    for (const start of starts) views.push(Buffer.from(run.slice(start).replace(/-/g, '+').replace(/_/g, '/'), encoding).toString('latin1'));
  }
  return views;
}
