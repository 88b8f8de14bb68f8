// The ledger export: a JSON Lines file an auditor can keep and verify offline. Line 1 describes the
// export (not trusted: nothing in it is signed); then each block, followed by its event rows with their
// leaf index and exact canonical bytes (base64). Written from a replica by `medshare-verify export` and
// by the ledger's GET /v1/export (same format), read back as a LedgerSource by `medshare-verify file`.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { checkedEvent } from '@medshare/merkle';
import type { Finding, LedgerBlock, LedgerEvent, LedgerPage, LedgerSource } from './ledger-verifier';

export const EXPORT_FORMAT = 'medshare-ledger-export';
export const EXPORT_VERSION = 1;

export interface ExportDescription {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  /** Where it was exported from (host:port/database), for the reader. */
  source: string;
  exportedAt: string;
  /** The last block's height (-1: empty), so a file cut short is noticed. */
  height: number;
}

export function descriptionLine(description: Omit<ExportDescription, 'format' | 'version'>): string {
  return `${JSON.stringify({ format: EXPORT_FORMAT, version: EXPORT_VERSION, ...description })}\n`;
}

export function blockLine({ header, blockHash, signature, checkpoint, treeState }: LedgerBlock): string {
  return `${JSON.stringify({ kind: 'block', header, blockHash, signature, checkpoint, treeState })}\n`;
}

export function eventLine(event: LedgerEvent): string {
  const { leafIndex, height, eventId, topic, partition, offset } = event;
  return `${JSON.stringify({ kind: 'event', leafIndex, height, eventId, topic, partition, offset, leafHash: event.leafHash.toString('hex'), canonical: event.canonical.toString('base64') })}\n`;
}

/** The file is not an export at all (a usage problem, not a verdict about the ledger). */
export class NotAnExport extends Error {}

const PAGE_BLOCKS = 50;
const HASH = /^[0-9a-f]{64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Streams an export file as pages; a line that is not a well-formed record is a finding at the height it sits under. */
export class ExportFileSource implements LedgerSource {
  private description?: ExportDescription;

  constructor(private readonly path: string) {}

  /** Line 1, once pages() has read it. */
  get exported(): ExportDescription | undefined {
    return this.description;
  }

  async *pages(): AsyncIterable<LedgerPage> {
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
    let page: LedgerPage = { blocks: [], events: [], findings: [] };
    let lineNumber = 0;
    let lastHeight = -1;
    for await (const line of lines) {
      lineNumber += 1;
      if (lineNumber === 1) {
        this.description = descriptionOf(line);
        continue;
      }
      if (line === '') continue;
      const record = recordOf(line);
      if (typeof record === 'string') {
        page.findings?.push({ height: lastHeight, row: `line ${lineNumber}`, problem: record });
      } else if ('header' in record) {
        if (page.blocks.length >= PAGE_BLOCKS) {
          yield page;
          page = { blocks: [], events: [], findings: [] };
        }
        page.blocks.push(record);
        lastHeight = record.header.height;
      } else {
        page.events.push(checkedEvent(record));
      }
    }
    if (this.description === undefined) throw new NotAnExport('the file is empty');
    const findings: Finding[] = page.findings ?? [];
    if (lastHeight !== this.description.height)
      findings.push({
        height: Math.max(lastHeight, this.description.height),
        row: 'file',
        problem: `the file ends at height ${lastHeight}, its first line says ${this.description.height}`,
      });
    yield { ...page, findings };
  }

  /** Every event line was delivered in a page; none can hide elsewhere. */
  async strays(): Promise<{ leafIndex: number; height: number }[]> {
    return [];
  }
}

function descriptionOf(line: string): ExportDescription {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new NotAnExport('line 1 is not JSON: not a ledger export');
  }
  const description = value as Partial<ExportDescription>;
  if (description.format !== EXPORT_FORMAT) throw new NotAnExport(`line 1 does not say format "${EXPORT_FORMAT}": not a ledger export`);
  if (description.version !== EXPORT_VERSION) throw new NotAnExport(`unsupported export version ${JSON.stringify(description.version)}`);
  if (!Number.isSafeInteger(description.height)) throw new NotAnExport('line 1 has no height');
  return description as ExportDescription;
}

/** A block or event record, or why the line is not one. */
function recordOf(line: string): LedgerBlock | LedgerEvent | string {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return 'line is not JSON';
  }
  if (value === null || typeof value !== 'object') return 'line is not a record';
  if (value.kind === 'block') {
    const header = value.header as LedgerBlock['header'] | undefined;
    const fieldsOk =
      header !== null &&
      typeof header === 'object' &&
      Number.isSafeInteger(header.height) &&
      Array.isArray(header.offsets) &&
      header.offsets.every(
        (range) =>
          range !== null &&
          typeof range === 'object' &&
          typeof range.first === 'string' &&
          typeof range.last === 'string' &&
          /^[0-9]+$/.test(range.first) &&
          /^[0-9]+$/.test(range.last),
      ) &&
      Number.isSafeInteger(header.eventCount) &&
      Number.isSafeInteger(header.treeSize) &&
      typeof value.blockHash === 'string' &&
      typeof value.signature === 'string' &&
      typeof value.checkpoint === 'string';
    if (!fieldsOk) return 'block record is malformed';
    return {
      header,
      blockHash: value.blockHash as string,
      signature: value.signature as string,
      checkpoint: value.checkpoint as string,
      treeState: value.treeState,
    };
  }
  if (value.kind === 'event') {
    const { leafIndex, height, eventId, topic, partition, offset, leafHash, canonical } = value;
    const fieldsOk =
      Number.isSafeInteger(leafIndex) &&
      Number.isSafeInteger(height) &&
      typeof eventId === 'string' &&
      typeof topic === 'string' &&
      Number.isSafeInteger(partition) &&
      typeof offset === 'string' &&
      /^[0-9]+$/.test(offset) &&
      typeof leafHash === 'string' &&
      HASH.test(leafHash) &&
      typeof canonical === 'string' &&
      BASE64.test(canonical);
    if (!fieldsOk) return `event record is malformed${Number.isSafeInteger(leafIndex) ? ` (leaf ${String(leafIndex)})` : ''}`;
    return {
      leafIndex: leafIndex as number,
      height: height as number,
      eventId,
      topic,
      partition: partition as number,
      offset,
      leafHash: Buffer.from(leafHash, 'hex'),
      canonical: Buffer.from(canonical, 'base64'),
    };
  }
  return 'line is neither a block nor an event record';
}
