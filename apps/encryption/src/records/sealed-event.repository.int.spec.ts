// The sealed event claims against real PostgreSQL: which ingest.sealed message may encrypt a sealed event id, when a
// client's retry put the same event on the topic again and any batch may be redone after a crash.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { MedshareEvent } from '@medshare/contracts';
import type { ConsumedEvent } from '@medshare/messaging';
import { openDatabase } from '@medshare/service-kit';
import { databaseUrl, dropDatabase, testEndpoints } from '../../../../test/support/endpoints';
import { migrations } from '../migrations';
import { SealedEventRepository } from './sealed-event.repository';

const { stateServer } = testEndpoints();
const database = `encryption_claims_${randomUUID().replace(/-/g, '').slice(0, 8)}`;

const message = (id: string, partition: number, offset: number): ConsumedEvent => ({
  event: { id } as MedshareEvent,
  topic: 'medshare.ingest.sealed.v1',
  partition,
  offset: String(offset),
});
const positions = (messages: ConsumedEvent[]) => messages.map(({ event, partition, offset }) => `${event.id}@${partition}:${offset}`);

describe('SealedEventRepository', () => {
  let dataSource: DataSource;
  let claims: SealedEventRepository;

  beforeAll(async () => {
    dataSource = await openDatabase({ url: databaseUrl(stateServer, database), entities: [], migrations });
    claims = new SealedEventRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(stateServer, database);
  });

  it('lets the first message of an id encrypt it, again when its batch is redone, and never a later copy', async () => {
    expect(positions(await claims.owners([message('e1', 0, 10), message('e2', 0, 11)]))).toEqual(['e1@0:10', 'e2@0:11']);
    // The batch redone after a crash before its transaction committed: the claims hold, the same messages own them.
    expect(positions(await claims.owners([message('e1', 0, 10), message('e2', 0, 11)]))).toEqual(['e1@0:10', 'e2@0:11']);
    // The retry's copies, later on the same partition or on another one.
    expect(positions(await claims.owners([message('e1', 0, 40), message('e2', 3, 7), message('e3', 0, 41)]))).toEqual(['e3@0:41']);
  });

  it('lets the lower offset of two copies in one batch encrypt, in whatever order the batch lists them', async () => {
    expect(positions(await claims.owners([message('e4', 1, 9), message('e4', 1, 5)]))).toEqual(['e4@1:5']);
    expect(positions(await claims.owners([message('e4', 1, 9), message('e4', 1, 5)]))).toEqual(['e4@1:5']);
  });

  it('gives an id to one of two instances claiming it at once', async () => {
    const other = new SealedEventRepository(dataSource);
    const [mine, theirs] = await Promise.all([claims.owners([message('e5', 2, 1)]), other.owners([message('e5', 2, 2)])]);
    expect([...positions(mine), ...positions(theirs)]).toHaveLength(1);
  });
});
