// Container health probe: GET a health path (default /health/live) on this service's port; exit 0 when 2xx.
// Runs as `node healthcheck.js [path]` inside the image, so it needs no curl or wget. Over HTTPS when the service
// serves HTTPS (HTTPS_CERT_FILE set); the probe asks its own process on 127.0.0.1 whether it answers, so it does
// not check the certificate's name or issuer.
const { request } = require(process.env.HTTPS_CERT_FILE ? 'node:https' : 'node:http');

const path = process.argv[2] ?? '/health/live';
const port = process.env.PORT ?? '3000';

request({ host: '127.0.0.1', port, path, timeout: 4000, rejectUnauthorized: false }, (response) => {
  response.resume();
  process.exit(response.statusCode >= 200 && response.statusCode < 300 ? 0 : 1);
})
  .on('error', () => process.exit(1))
  .on('timeout', () => process.exit(1))
  .end();
