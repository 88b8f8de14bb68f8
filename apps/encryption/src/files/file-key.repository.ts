// The wrapped per-file keys (file_keys): which patient and institution a file belongs to, and whether it is stored.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';

export interface FileKeyRow {
  fileId: string;
  patient: string;
  institution: string;
  dekVersion: number;
  wrapped: Buffer;
  stored: boolean;
}

type Row = { file_id: string; patient: string; institution: string; dek_version: number; wrapped_key: Buffer; stored: boolean };

const toRow = (row: Row): FileKeyRow => ({
  fileId: row.file_id,
  patient: row.patient,
  institution: row.institution,
  dekVersion: row.dek_version,
  wrapped: row.wrapped_key,
  stored: row.stored,
});

@Injectable()
export class FileKeyRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async find(fileId: string): Promise<FileKeyRow | undefined> {
    const rows: Row[] = await this.dataSource.query(
      'SELECT file_id, patient, institution, dek_version, wrapped_key, stored FROM file_keys WHERE file_id = $1',
      [fileId],
    );
    return rows[0] && toRow(rows[0]);
  }

  /** First writer wins: the row stored for this file id, this one or a concurrent creator's. */
  async create(row: Omit<FileKeyRow, 'stored'>): Promise<FileKeyRow> {
    await this.dataSource.query(
      'INSERT INTO file_keys (file_id, patient, institution, dek_version, wrapped_key) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (file_id) DO NOTHING',
      [row.fileId, row.patient, row.institution, row.dekVersion, row.wrapped],
    );
    const stored = await this.find(row.fileId);
    if (stored === undefined) throw new Error('file key row vanished after insert');
    return stored;
  }

  async markStored(fileId: string): Promise<void> {
    await this.dataSource.query('UPDATE file_keys SET stored = true WHERE file_id = $1', [fileId]);
  }
}
