// Upload state of attachments (attachments, attachment_chunks): sizes, pseudonyms, platform ids and keyed-hash
// chunk addresses only.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';

export interface Attachment {
  fileId: string;
  institution: string;
  patient: string;
  size: number;
  chunkBytes: number;
  contentType: string;
  /** Chunks 0..nextChunk-1 are stored. */
  nextChunk: number;
  fileHash?: string;
  stored: boolean;
}

type Row = {
  file_id: string;
  institution: string;
  patient: string;
  size: string;
  chunk_bytes: number;
  content_type: string;
  next_chunk: number;
  file_hash: string | null;
  stored: boolean;
};

@Injectable()
export class AttachmentRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async create(attachment: Omit<Attachment, 'nextChunk' | 'stored' | 'fileHash'>): Promise<void> {
    await this.dataSource.query('INSERT INTO attachments (file_id, institution, patient, size, chunk_bytes, content_type) VALUES ($1, $2, $3, $4, $5, $6)', [
      attachment.fileId,
      attachment.institution,
      attachment.patient,
      attachment.size,
      attachment.chunkBytes,
      attachment.contentType,
    ]);
  }

  async find(fileId: string): Promise<Attachment | undefined> {
    const rows: Row[] = await this.dataSource.query(
      'SELECT file_id, institution, patient, size, chunk_bytes, content_type, next_chunk, file_hash, stored FROM attachments WHERE file_id = $1',
      [fileId],
    );
    const row = rows[0];
    return (
      row && {
        fileId: row.file_id,
        institution: row.institution,
        patient: row.patient,
        size: Number(row.size),
        chunkBytes: row.chunk_bytes,
        contentType: row.content_type,
        nextChunk: row.next_chunk,
        stored: row.stored,
        ...(row.file_hash !== null && { fileHash: row.file_hash }),
      }
    );
  }

  /** Records chunk `index` as stored, only if it is the next one: false when a concurrent upload got there first. */
  async chunkStored(fileId: string, index: number, address: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const [, updated]: [unknown, number] = await manager.query('UPDATE attachments SET next_chunk = $2 + 1 WHERE file_id = $1 AND next_chunk = $2', [
        fileId,
        index,
      ]);
      if (updated !== 1) return false;
      await manager.query('INSERT INTO attachment_chunks (file_id, idx, address) VALUES ($1, $2, $3)', [fileId, index, address]);
      return true;
    });
  }

  async addresses(fileId: string): Promise<string[]> {
    const rows: { address: string }[] = await this.dataSource.query('SELECT address FROM attachment_chunks WHERE file_id = $1 ORDER BY idx', [fileId]);
    return rows.map((row) => row.address);
  }

  async setHash(fileId: string, fileHash: string): Promise<void> {
    await this.dataSource.query('UPDATE attachments SET file_hash = $2 WHERE file_id = $1', [fileId, fileHash]);
  }

  async markStored(fileId: string): Promise<void> {
    await this.dataSource.query('UPDATE attachments SET stored = true WHERE file_id = $1', [fileId]);
  }
}
