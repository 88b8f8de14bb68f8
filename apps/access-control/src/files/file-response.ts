// Sends permitted bytes as an HTTP answer: whole (200) or one byte range (206, Content-Range), 416 past the end.
// The bytes come from a source that yields only the range asked (a stored file decrypts only the chunks it touches).
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Response } from 'express';
import { parseByteRange, type ByteRange } from './byte-range';

export interface ByteSource {
  size: number;
  contentType: string;
  bytes(range: ByteRange): AsyncIterable<Buffer> | Iterable<Buffer>;
}

export async function sendBytes(response: Response, source: ByteSource, rangeHeader: string | undefined): Promise<void> {
  const range = parseByteRange(rangeHeader, source.size);
  response.set({ 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store' });
  if (range === 'unsatisfiable') {
    response.status(416).set('Content-Range', `bytes */${source.size}`).end();
    return;
  }
  const bytes = range === 'whole' ? { start: 0, end: source.size - 1 } : range;
  response
    .status(range === 'whole' ? 200 : 206)
    .type(source.contentType)
    .set('Content-Length', String(Math.max(0, bytes.end - bytes.start + 1)));
  if (range !== 'whole') response.set('Content-Range', `bytes ${bytes.start}-${bytes.end}/${source.size}`);
  // A failure after the headers left can only cut the body short: the client sees fewer bytes than Content-Length.
  await pipeline(Readable.from(source.size === 0 ? [] : source.bytes(bytes)), response);
}
