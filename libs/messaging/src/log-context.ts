// The correlation id of the events a consumer's handler is working on, for log lines: libs/service-kit's logger adds
// it to every line written meanwhile. Correlation ids are platform ids (the first event's id), never a client's.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MedshareEvent } from '@medshare/contracts';

const handling = new AsyncLocalStorage<string>();

export function currentCorrelationId(): string | undefined {
  return handling.getStore();
}

/** Runs `work` under the events' correlation id when they share one (a batch of one always does). */
export function withCorrelationOf<T>(events: readonly { event: MedshareEvent }[], work: () => T): T {
  const id = events[0]?.event.correlationid;
  return id !== undefined && events.every(({ event }) => event.correlationid === id) ? handling.run(id, work) : work();
}
