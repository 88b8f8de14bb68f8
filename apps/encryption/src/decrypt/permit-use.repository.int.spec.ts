// Single-use permits against real PostgreSQL: the claim is one statement (insert, else read the earlier use).
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../../../../test/support/endpoints';
import { migrations } from '../migrations';
import { PermitUseRepository } from './permit-use.repository';

const { stateServer } = testEndpoints();
const database = `encryption_permits_${randomUUID().replace(/-/g, '').slice(0, 8)}`;

describe('PermitUseRepository', () => {
  let dataSource: DataSource;
  let permits: PermitUseRepository;

  beforeAll(async () => {
    dataSource = await openDatabase({ url: databaseUrl(stateServer, database), entities: [], migrations });
    permits = new PermitUseRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(stateServer, database);
  });

  it('lets the first request use a permit, again when that request is delivered again, and no other request', async () => {
    const decisionId = randomUUID();
    expect(await permits.claim(decisionId, 'request-1')).toBe(true);
    expect(await permits.claim(decisionId, 'request-1')).toBe(true);
    expect(await permits.claim(decisionId, 'request-2')).toBe(false);
    expect(await permits.claim(randomUUID(), 'request-2')).toBe(true);
  });

  it('lets one of many requests claiming one permit at once use it', async () => {
    const decisionId = randomUUID();
    const claims = await Promise.all(Array.from({ length: 8 }, (_, index) => new PermitUseRepository(dataSource).claim(decisionId, `request-${index}`)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
