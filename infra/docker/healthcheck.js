// Container health probe: GET a health path (default /health/live) on this service's port; exit 0 when 2xx.
// Runs as `node healthcheck.js [path]` inside the image, so it needs no curl or wget.
const path = process.argv[2] ?? '/health/live';
const port = process.env.PORT ?? '3000';

fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
