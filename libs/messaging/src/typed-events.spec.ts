// Events are typed by the catalogue: `tsc` (npm run lint) fails if a `@ts-expect-error` below stops being an
// error, and each case also shows the runtime check that catches the same mistake from untyped input.
import { Kafka, logLevel } from 'kafkajs';
import { envelope, topics, validateEvent } from '@medshare/contracts';
import { testAlert } from '../../../test/support/events';
import type { BatchContext } from './batch-consumer';
import { EventPublisher, InvalidEventError, toMessage } from './event-publisher';

const alert = testAlert('typed');

describe('typed events', () => {
  it('accepts a catalogue payload on a topic that carries its type', () => {
    expect(toMessage(topics.governanceAlerts, alert).headers).toMatchObject({ ce_type: 'governance.alert.v1' });
  });

  it('does not compile a payload that breaks its schema', () => {
    // @ts-expect-error `kind` is not one of the alert kinds and `severity`, `summary` are missing
    const wrong = envelope('governance.alert.v1', 'test', { alertId: 'a1', kind: 'nope' });
    expect(() => toMessage(topics.governanceAlerts, wrong)).toThrow(InvalidEventError);
  });

  it('does not compile an event type outside the catalogue', () => {
    // @ts-expect-error governance.alert.v2 is not in the catalogue
    const unknown = envelope('governance.alert.v2', 'test', alert.data);
    expect(validateEvent(unknown)).toEqual({ ok: false, reason: 'unknown event type governance.alert.v2' });
  });

  it('does not compile an event on a topic that does not carry its type', async () => {
    // @ts-expect-error the grants topic carries agreements and roles, not alerts
    expect(() => toMessage(topics.grants, alert)).toThrow(InvalidEventError);
    // Refused before anything is sent: no broker listens here.
    const publisher = new EventPublisher(
      new Kafka({ brokers: ['127.0.0.1:1'], clientId: 'typed-events-spec', retry: { retries: 0 }, logLevel: logLevel.NOTHING }),
    );
    // @ts-expect-error as above, through publish
    await expect(publisher.publish(topics.grants, [alert])).rejects.toBeInstanceOf(InvalidEventError);
    // A handler's emit is typed alike (checked by tsc only; what it emits goes through toMessage, run above).
    const handler = (context: BatchContext): void => {
      context.emit(topics.governanceAlerts, [alert]);
      // @ts-expect-error as above, through a batch handler's emit
      context.emit(topics.grants, [alert]);
    };
    void handler;
  });
});
