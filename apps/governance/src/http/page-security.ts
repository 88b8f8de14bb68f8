// Headers of every HTML page governance serves: nothing external, nothing framed, nothing cached.

/** No external assets and nothing inline runs without the per-response nonce (none at all without one). */
export function pageSecurityPolicy(nonce?: string): string {
  return [
    "default-src 'none'",
    ...(nonce === undefined ? [] : [`script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`]),
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function pageSecurityHeaders(nonce?: string): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': pageSecurityPolicy(nonce),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
  };
}
