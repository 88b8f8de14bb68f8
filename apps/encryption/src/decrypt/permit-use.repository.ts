// Permits are single-use: a decision id opens records for one request only (a redelivered request is the same use).
import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '@medshare/service-kit';

@Injectable()
export class PermitUseRepository {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  /** True when this request may use the permit: its first use, or the same request delivered again. */
  async claim(decisionId: string, requestId: string): Promise<boolean> {
    // One round trip: the row this statement inserted, else the one an earlier use left.
    let rows: { request_id: string }[] = await this.dataSource.query(
      `WITH claimed AS (INSERT INTO permit_uses (decision_id, request_id) VALUES ($1, $2) ON CONFLICT (decision_id) DO NOTHING RETURNING request_id)
       SELECT request_id FROM claimed UNION ALL SELECT request_id FROM permit_uses WHERE decision_id = $1`,
      [decisionId, requestId],
    );
    // A concurrent use committed after this statement's snapshot is invisible to it: read it now.
    if (rows.length === 0) rows = await this.dataSource.query('SELECT request_id FROM permit_uses WHERE decision_id = $1', [decisionId]);
    return rows[0]?.request_id === requestId;
  }
}
