// Reads a request body up to a byte limit: a declared or streamed size beyond it is a 413, never buffered whole.
import type { IncomingMessage } from 'node:http';
import { IngestionErrorCode, failure } from '../intake/ingestion-error';

export function readBodyWithin(request: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => failure(IngestionErrorCode.TooLarge, 'too-costly', `The body exceeds ${limit} bytes`);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        request.off('data', onData);
        request.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', reject);
  });
}
