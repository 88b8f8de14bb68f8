// The validation thread: loads the FHIR definitions once and answers one checkSubmission per message.
import { parentPort } from 'node:worker_threads';
import { loadFhirDefinitions } from '@medshare/fhir';
import { checkSubmission } from './submission-check';

export interface ValidationRequest {
  bytes: Uint8Array;
  maxEntries: number;
}

loadFhirDefinitions();
parentPort?.on('message', ({ bytes, maxEntries }: ValidationRequest) => parentPort?.postMessage(checkSubmission(bytes, maxEntries)));
parentPort?.postMessage('ready');
