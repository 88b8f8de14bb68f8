// Links between identifier pseudonyms and canonical patient pseudonyms (see intake/patient-resolution.ts); pseudonyms only.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';
import type { PatientLinks } from '../intake/patient-resolution';

@Injectable()
export class PatientLinkRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async linksOf(identifiers: readonly string[]): Promise<PatientLinks> {
    if (identifiers.length === 0) return new Map();
    const rows: { identifier: string; patient: string }[] = await this.dataSource.query(
      'SELECT identifier, patient FROM patient_links WHERE identifier = ANY($1::text[])',
      [[...new Set(identifiers)]],
    );
    return new Map(rows.map((row) => [row.identifier, row.patient]));
  }

  /** First writer wins: a concurrent request that linked an identifier first keeps its link. */
  async link(links: ReadonlyMap<string, string>): Promise<void> {
    if (links.size === 0) return;
    await this.dataSource.query(
      `INSERT INTO patient_links (identifier, patient) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (identifier) DO NOTHING`,
      [[...links.keys()], [...links.values()]],
    );
  }
}
