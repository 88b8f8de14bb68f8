// What the specs of the secured bus share: a patient with one glucose Observation as a transaction Bundle, an
// authenticated call to a service, and whether a principal may read a topic (the broker's answer, not a guess).
import type { Kafka } from 'kafkajs';
import { closableConsumer } from './topic-reader';

export const NATIONAL_ID_SYSTEM = 'https://id.medshare.example/national-health-id';

/** A transaction Bundle of a new Patient (national id `n-<run>`) and one Observation about them. */
export function patientWithObservation(run: string): Record<string, unknown> {
  const patientUrl = `urn:uuid:${run}-0000-4000-8000-000000000001`;
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: patientUrl,
        request: { method: 'POST', url: 'Patient' },
        resource: { resourceType: 'Patient', identifier: [{ system: NATIONAL_ID_SYSTEM, value: `n-${run}` }], gender: 'female', birthDate: '1980-04-01' },
      },
      {
        fullUrl: `urn:uuid:${run}-0000-4000-8000-000000000002`,
        request: { method: 'POST', url: 'Observation' },
        resource: {
          resourceType: 'Observation',
          status: 'final',
          subject: { reference: patientUrl },
          effectiveDateTime: '2024-03-10T09:00:00Z',
          code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
          valueQuantity: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
        },
      },
    ],
  };
}

/** `method path` on `baseUrl` with a bearer token (and a FHIR JSON body): status and body text. */
export async function callWithToken(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/fhir+json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: response.status, text: await response.text() };
}

/** 'read' when the client (as its principal) fetches `topic` in group `groupId`, else the broker's refusal (its error type). */
export async function readOutcome(kafka: Kafka, groupId: string, topic: string): Promise<string> {
  const { consumer, close } = closableConsumer(kafka, { groupId });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    return await new Promise<string>((resolveRead, rejectRead) => {
      consumer.on(consumer.events.FETCH_START, () => resolveRead('read'));
      consumer.run({ eachBatch: async () => undefined }).catch(rejectRead);
    });
  } catch (error) {
    return (error as { type?: string }).type ?? String(error);
  } finally {
    await close();
  }
}
