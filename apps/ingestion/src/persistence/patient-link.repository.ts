// Links between identifier pseudonyms and canonical patient pseudonyms (see intake/patient-resolution.ts); pseudonyms only.
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';
import type { PatientLinks } from '../intake/patient-resolution';

export interface StoredLinks {
  links: PatientLinks;
  /** The subset not yet acknowledged on medshare.identity.v1 (links of a pseudonym to itself never are). */
  unannounced: PatientLinks;
}

@Injectable()
export class PatientLinkRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async linksOf(identifiers: readonly string[]): Promise<StoredLinks> {
    if (identifiers.length === 0) return { links: new Map(), unannounced: new Map() };
    const rows: { identifier: string; patient: string; announced: boolean }[] = await this.dataSource.query(
      'SELECT identifier, patient, announced FROM patient_links WHERE identifier = ANY($1::text[])',
      [[...new Set(identifiers)]],
    );
    return {
      links: new Map(rows.map((row) => [row.identifier, row.patient])),
      unannounced: new Map(rows.filter((row) => !row.announced).map((row) => [row.identifier, row.patient])),
    };
  }

  /** First writer wins: a concurrent request that linked an identifier first keeps its link. */
  async link(links: ReadonlyMap<string, string>): Promise<void> {
    if (links.size === 0) return;
    await this.dataSource.query(
      `INSERT INTO patient_links (identifier, patient, announced) SELECT identifier, patient, identifier = patient
       FROM unnest($1::text[], $2::text[]) AS link(identifier, patient) ON CONFLICT (identifier) DO NOTHING`,
      [[...links.keys()], [...links.values()]],
    );
  }

  async markAnnounced(identifiers: readonly string[]): Promise<void> {
    if (identifiers.length === 0) return;
    await this.dataSource.query('UPDATE patient_links SET announced = true WHERE identifier = ANY($1::text[]) AND NOT announced', [[...identifiers]]);
  }
}
