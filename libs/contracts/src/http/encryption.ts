// The encryption service's HTTP contract: the operator API of key lifecycle. Add a route: one entry in `routes`.
import { z } from 'zod';
import { patientPseudonym } from '../events/common';
import type { HttpAnswer, HttpApi } from './openapi';

/** A ticket or legal reference, not free text: it travels on an audited topic and must not carry patient data. */
export const shredRequest = z.strictObject({ reason: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,199}$/) });

const keyStatus = z.strictObject({
  keks: z.array(z.strictObject({ version: z.number().int(), status: z.string(), createdAt: z.string() })),
  deksByKek: z.record(z.string(), z.number().int()),
  sealingKeys: z.array(z.strictObject({ keyId: z.string(), current: z.boolean() })),
});

const refusals: Record<number, HttpAnswer> = {
  401: { description: 'no or a wrong operator token' },
};

export const encryptionApi: HttpApi = {
  service: 'encryption',
  description: 'Key lifecycle for operators: KEK and sealing-key rotation, crypto-shredding of a patient.',
  fhirPaths: [],
  routes: [
    {
      method: 'get',
      path: '/v1/keys',
      summary: 'key status',
      auth: 'operator',
      answers: { 200: { description: 'KEK versions, DEKs per KEK, sealing keys', content: { 'application/json': keyStatus } }, ...refusals },
    },
    {
      method: 'post',
      path: '/v1/keys/kek/rotate',
      summary: 'rotate the KEK (rewraps every DEK)',
      auth: 'operator',
      answers: { 200: { description: 'rotated', content: { 'application/json': z.looseObject({ kekVersion: z.number().int() }) } }, ...refusals },
    },
    {
      method: 'post',
      path: '/v1/keys/sealing/rotate',
      summary: 'add a new HPKE sealing key',
      auth: 'operator',
      answers: { 200: { description: 'the new key', content: { 'application/json': z.looseObject({ keyId: z.string() }) } }, ...refusals },
    },
    {
      method: 'post',
      path: '/v1/patients/{patient}/shred',
      summary: "crypto-shred a patient's data keys",
      auth: 'operator',
      params: z.object({ patient: patientPseudonym }),
      body: { 'application/json': shredRequest },
      answers: {
        200: { description: 'shredded', content: { 'application/json': z.looseObject({ patient: patientPseudonym }) } },
        400: { description: 'not a pseudonym, or the reason is not a ticket reference' },
        ...refusals,
      },
    },
  ],
};
