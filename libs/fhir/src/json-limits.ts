// Bounds checked before any recursive walk of submitted JSON: validators, crawlers and canonicalisation all recurse,
// and a body nested 10,000 deep would overflow their stacks.

/** Deeper than any FHIR R4 resource needs (nested Questionnaire items and extensions inside a Bundle stay far below). */
export const MAX_JSON_DEPTH = 100;

/** True when `value` nests objects and arrays more than `maxDepth` levels deep; iterative, so any depth is safe to ask about. */
export function exceedsJsonDepth(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}
