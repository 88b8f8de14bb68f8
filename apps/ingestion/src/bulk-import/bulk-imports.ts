// Bulk $import (the FHIR asynchronous request pattern). The NDJSON body is spooled, encrypted, to a file of bounded
// size (memory stays flat); a job then reads it in chunks of lines, each a batch through the same versioned write
// path as any Bundle (IngestionService) under an Idempotency-Key of its own, so a chunk cut short by a crash
// publishes the same events again, never a second set. Lines whose patient or referenced resources come later in the
// job wait (by position in the spool) for later passes. Each chunk's refused and waiting lines and the job's new
// position are committed together, so a job resumes after the last chunk it finished: here after a restart, or on
// another instance that sees the spool once the lease runs out.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { newEventId } from '@medshare/contracts';
import { LOGGER, PlatformKeys, SERVICE_CONFIG, type Logger } from '@medshare/service-kit';
import { Counter } from 'prom-client';
import type { IngestionConfig } from '../config';
import { IngestionError, IngestionErrorCode, failure, issue, waitsForLaterLines } from '../intake/ingestion-error';
import { IngestionService, type Accepted } from '../intake/ingestion.service';
import { chunkBundle, lineOf, outcomeOf, refusedLine, refusedLinesOf, type ImportLine, type RefusedLine } from './import-chunk';
import { ImportJobRepository, type ChunkProgress, type ImportJob, type LineSpan } from './import-job.repository';
import { ndjsonLines, type NdjsonLine } from './ndjson-lines';
import { spoolCipher } from './spool-cipher';

const NDJSON_MEDIA_TYPES = new Set(['application/fhir+ndjson', 'application/ndjson', 'application/x-ndjson']);
const JOB_ID = /^imp-[0-9a-f-]{36}$/;
/** Room for a chunk's Bundle and entry requests around the lines' bytes. */
const ENVELOPE_BYTES = 64 * 1024;
const POLL_MS = 1000;

const linesTotal = new Counter({ name: 'medshare_import_lines_total', help: '$import lines processed, by outcome', labelNames: ['outcome'] });

/** Stops a job between chunks (shutdown, or its lease went to another instance). */
class JobInterrupted extends Error {}

@Injectable()
export class BulkImports implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly owner = randomUUID();
  private readonly secret: Uint8Array;
  private poller?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: IngestionConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly ingestion: IngestionService,
    private readonly jobs: ImportJobRepository,
    keys: PlatformKeys,
  ) {
    this.secret = keys.pseudonymKey().secret;
  }

  onApplicationBootstrap(): void {
    this.poller = setInterval(() => this.poll(), POLL_MS);
    this.poller.unref();
  }

  /** Finishes the chunk in flight and hands the job back, so a restarted instance resumes it at once. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.poller);
    await this.running;
  }

  /** Spools the body (encrypted, at most MAX_IMPORT_BYTES) and files a job; answered before any line is read. */
  async start(institution: string, request: IncomingMessage): Promise<ImportJob> {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!NDJSON_MEDIA_TYPES.has(mediaType)) throw failure(IngestionErrorCode.UnsupportedMediaType, 'not-supported', 'Send application/fhir+ndjson');
    const limit = this.config.MAX_IMPORT_BYTES;
    const tooLarge = () => failure(IngestionErrorCode.TooLarge, 'too-costly', `An import may hold at most ${limit} bytes`);
    if (Number(request.headers['content-length']) > limit) {
      request.resume();
      throw tooLarge();
    }
    const jobId = `imp-${newEventId()}`;
    await mkdir(this.config.IMPORT_SPOOL_DIR, { recursive: true });
    const spoolPath = join(this.config.IMPORT_SPOOL_DIR, `${jobId}.ndjson.enc`);
    let size = 0;
    const bounded = new Transform({
      transform(piece: Buffer, _encoding, done) {
        size += piece.byteLength;
        done(size > limit ? tooLarge() : null, piece);
      },
    });
    try {
      await pipeline(request, bounded, spoolCipher(this.secret, jobId), createWriteStream(spoolPath));
      // On disk before the 202: an acknowledged import survives a crash of this process.
      const handle = await open(spoolPath, 'r');
      await handle.sync().finally(() => handle.close());
      await this.jobs.create({ jobId, institution, spoolPath, size });
    } catch (error) {
      await rm(spoolPath, { force: true });
      if (error instanceof IngestionError) {
        request.resume();
        throw error;
      }
      this.logger.warn({ jobId, error: errorText(error) }, 'import upload not spooled');
      throw failure(IngestionErrorCode.MalformedBody, 'incomplete', 'The upload did not complete');
    }
    this.logger.info({ jobId, institution, size }, 'import spooled');
    this.poll();
    return (await this.jobs.find(jobId)) as ImportJob;
  }

  /** A job of this institution (another institution's job and no job look the same). */
  async job(institution: string, jobId: string): Promise<ImportJob> {
    const job = JOB_ID.test(jobId) ? await this.jobs.find(jobId) : undefined;
    if (job === undefined || job.institution !== institution)
      throw failure(IngestionErrorCode.UnknownImport, 'not-found', 'No import of this institution has this id');
    return job;
  }

  /** The refused lines' OperationOutcomes, one NDJSON line each, in line order, read page by page. */
  async *outcomes(job: ImportJob): AsyncGenerator<string> {
    for (let after = 0; ;) {
      const page = await this.jobs.outcomes(job.jobId, after, 1000);
      for (const row of page) yield `${JSON.stringify(row.outcome)}\n`;
      if (page.length < 1000) return;
      after = page[page.length - 1].line;
    }
  }

  private poll(): void {
    if (this.running !== undefined || this.stopping) return;
    this.running = this.runClaimed()
      .catch((error: unknown) => this.logger.error({ error: errorText(error) }, 'import runner failed; retrying'))
      .finally(() => {
        this.running = undefined;
      });
  }

  private async runClaimed(): Promise<void> {
    while (!this.stopping) {
      const job = await this.jobs.claim(this.owner, this.config.IDEMPOTENCY_LEASE_MS);
      if (job === undefined) return;
      try {
        await this.run(job);
      } catch (error) {
        if (!(error instanceof JobInterrupted)) throw error;
        await this.jobs.release(job.jobId, this.owner);
        return;
      }
    }
  }

  /**
   * Pass 1 reads the file; a line refused only because its patient or a resource it names is not known yet is kept
   * (by position) for the next pass, since a later line or file of the job may bring it. Each later pass sends the
   * lines still waiting, until one accepts none of them; the pass after that sends them as they are (references
   * nothing resolves stay as sent), and what fails then is refused with its line number.
   */
  private async run(job: ImportJob): Promise<void> {
    if (!existsSync(job.spoolPath)) {
      this.logger.error({ jobId: job.jobId }, 'import spool file missing: the job cannot go on');
      await this.jobs.finish(job.jobId, this.owner, 'failed');
      return;
    }
    this.logger.info({ jobId: job.jobId, bytesDone: job.bytesDone, size: job.size, pass: job.pass }, 'import running');
    for (let current = job; ;) {
      await (current.pass === 1 ? this.readFile(current) : this.sendWaiting(current));
      const next = await this.jobs.nextPass(job.jobId, this.owner, current.pass);
      if (next === false) throw new JobInterrupted();
      if (next === undefined) break;
      this.logger.info({ jobId: job.jobId, pass: next.pass, waiting: next.linesWaiting, lastPass: next.lastPass }, 'import pass');
      current = next;
    }
    await this.jobs.finish(job.jobId, this.owner, 'done');
    await rm(job.spoolPath, { force: true });
    this.logger.info({ jobId: job.jobId }, 'import done');
  }

  /**
   * Pass 1: the spooled file from where the job stands, chunk by chunk, two at a time: a chunk is sent once the one
   * before it is prepared (its links, versions and client ids committed, so this one builds on them) while that one
   * publishes; the chunks' results commit in file order.
   */
  private async readFile(job: ImportJob): Promise<void> {
    const maxLineBytes = this.maxLineBytes();
    const encrypted = createReadStream(job.spoolPath, { start: job.bytesDone, highWaterMark: 1024 * 1024 });
    const plain = encrypted.pipe(spoolCipher(this.secret, job.jobId, job.bytesDone));
    let chunk = emptyChunk();
    let last: InFlight | undefined;
    let beforeLast: InFlight | undefined;
    const start = async () => {
      await Promise.all([last?.prepared, beforeLast?.done]);
      [beforeLast, last] = [last, this.flush(job, chunk, last?.done)];
      chunk = emptyChunk();
    };
    try {
      for await (const line of ndjsonLines(plain, { offset: job.bytesDone, line: job.linesDone }, maxLineBytes)) {
        const parsed = lineOf(line, maxLineBytes);
        if (parsed !== undefined && 'bytes' in parsed && chunk.bytes + parsed.bytes.byteLength > maxLineBytes && chunk.lines.length > 0) await start();
        add(chunk, parsed);
        chunk.end = { bytes: line.end, line: line.number };
        if (chunk.lines.length + chunk.refused.length >= this.config.IMPORT_CHUNK_LINES) await start();
      }
      await start();
      await last?.done;
    } finally {
      encrypted.destroy();
    }
  }

  /** A later pass: the lines still waiting, read again from the spool by position, chunk by chunk in line order. */
  private async sendWaiting(job: ImportJob): Promise<void> {
    const maxLineBytes = this.maxLineBytes();
    const spool = await open(job.spoolPath, 'r');
    try {
      for (;;) {
        const spans = await this.jobs.waiting(job.jobId, job.pass, this.config.IMPORT_CHUNK_LINES);
        if (spans.length === 0) return;
        // The same spans make the same chunk after a restart: its Idempotency-Key finds what was sent before.
        const chunk = emptyChunk();
        for (const span of spans) {
          const line = await readLine(spool, this.secret, job.jobId, span);
          const parsed = lineOf(line, maxLineBytes);
          if (parsed !== undefined && 'bytes' in parsed && chunk.bytes + parsed.bytes.byteLength > maxLineBytes && chunk.lines.length > 0) break;
          add(chunk, parsed ?? refusedLine(span.line, 400, issue('structure', 'The line is not one FHIR resource')));
        }
        await this.flush(job, chunk).done;
      }
    } finally {
      await spool.close();
    }
  }

  private maxLineBytes(): number {
    return this.config.MAX_BODY_BYTES - ENVELOPE_BYTES;
  }

  /**
   * Sends a chunk's lines and, after the chunk before it (`before`), commits their outcomes, the lines left waiting
   * and the position after them. `prepared` settles once the next chunk may be sent.
   */
  private flush(job: ImportJob, chunk: Chunk, before?: Promise<void>): InFlight {
    let prepared = () => {};
    const isPrepared = new Promise<void>((resolve) => (prepared = resolve));
    const done = this.commit(job, chunk, prepared, before).finally(prepared);
    // Awaited by whoever waits for this chunk; until then its failure must not count as unhandled.
    done.catch(() => undefined);
    return { prepared: isPrepared, done };
  }

  private async commit(job: ImportJob, chunk: Chunk, prepared: () => void, before?: Promise<void>): Promise<void> {
    const lines = chunk.lines.length + chunk.refused.length;
    if (lines === 0 && chunk.end === undefined) return before;
    if (this.stopping) throw new JobInterrupted();
    const answered = await this.send(job, chunk.lines, prepared);
    await before;
    // The last pass sends waiting lines as they are: whatever it refuses is final.
    const waits = (line: RefusedLine) => !job.lastPass && waitsForLaterLines(line.issues);
    const waitingLines = new Set(answered.filter(waits).map((line) => line.line));
    const refused = [...chunk.refused, ...answered.filter((line) => !waits(line))];
    const firstPass = job.pass === 1;
    const progress: ChunkProgress = {
      pass: job.pass,
      ...(firstPass && chunk.end !== undefined && { position: { bytesDone: chunk.end.bytes, linesDone: chunk.end.line } }),
      read: firstPass ? lines : 0,
      accepted: chunk.lines.length - answered.length,
      refused: refused.map((line) => ({ line: line.line, outcome: outcomeOf(line) })),
      waiting: chunk.lines.filter((line) => waitingLines.has(line.line)).map(({ line, start, end }) => ({ line, start, end })),
      settled: firstPass ? [] : [...chunk.lines.map((line) => line.line).filter((line) => !waitingLines.has(line)), ...chunk.refused.map((line) => line.line)],
    };
    if (!(await this.jobs.advance(job.jobId, this.owner, this.config.IDEMPOTENCY_LEASE_MS, progress))) throw new JobInterrupted();
    linesTotal.inc({ outcome: 'accepted' }, progress.accepted);
    linesTotal.inc({ outcome: 'refused' }, refused.length);
    linesTotal.inc({ outcome: 'waiting' }, waitingLines.size);
  }

  /**
   * One batch through the write path; its answer names the refused entries. While the platform is unavailable (or a
   * killed predecessor's claim on this chunk has not run out) it waits and sends the same chunk again. A chunk refused
   * whole (by an issue no entry owns) is sent again line by line, so one bad line refuses only itself.
   */
  private async send(job: ImportJob, lines: readonly ImportLine[], onPrepared?: () => void): Promise<RefusedLine[]> {
    if (lines.length === 0) return [];
    const pass = job.pass === 1 ? '' : `p${job.pass}-`;
    const submission = {
      idempotencyKey: `import-${job.jobId}-${pass}${lines[0].line}-${lines.length}`,
      contentType: 'application/fhir+json',
      fhirBase: true,
      deferUnresolved: !job.lastPass,
      // Only a chunk sent whole: when it is refused whole, the next waits until its lines were sent one by one.
      ...(onPrepared !== undefined && { onPrepared }),
      readBody: () => Promise.resolve(chunkBundle(lines)),
    };
    for (;;) {
      try {
        const answer = await this.ingestion.submit(submission, job.institution);
        return refusedLinesOf(lines, (answer.body as Accepted).entries);
      } catch (error) {
        if (!(error instanceof IngestionError)) throw error;
        if (error.code === IngestionErrorCode.Unavailable || error.code === IngestionErrorCode.IdempotencyConflict) {
          if (this.stopping) throw new JobInterrupted();
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          continue;
        }
        if (lines.length === 1) return [refusedLine(lines[0].line, error.status, ...error.issues)];
        const alone: RefusedLine[] = [];
        for (const line of lines) alone.push(...(await this.send(job, [line])));
        return alone;
      }
    }
  }
}

/** A chunk on its way: `prepared` once the next may be sent, `done` once its results are committed. */
interface InFlight {
  prepared: Promise<void>;
  done: Promise<void>;
}

interface Chunk {
  lines: ImportLine[];
  refused: RefusedLine[];
  bytes: number;
  /** Where the file stands after the chunk's last line. */
  end?: { bytes: number; line: number };
}

function emptyChunk(): Chunk {
  return { lines: [], refused: [], bytes: 0 };
}

function add(chunk: Chunk, parsed: ImportLine | RefusedLine | undefined): void {
  if (parsed === undefined) return;
  if ('bytes' in parsed) {
    chunk.lines.push(parsed);
    chunk.bytes += parsed.bytes.byteLength;
  } else chunk.refused.push(parsed);
}

/** A waiting line read again from the spool at its position (CTR decrypts from any offset). */
async function readLine(spool: FileHandle, secret: Uint8Array, jobId: string, span: LineSpan): Promise<NdjsonLine> {
  const encrypted = Buffer.alloc(span.end - span.start);
  await spool.read(encrypted, 0, encrypted.byteLength, span.start);
  const plain = spoolCipher(secret, jobId, span.start).update(encrypted);
  let length = plain.byteLength;
  while (length > 0 && (plain[length - 1] === 0x0a || plain[length - 1] === 0x0d)) length -= 1;
  return { number: span.line, start: span.start, end: span.end, bytes: plain.subarray(0, length) };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
