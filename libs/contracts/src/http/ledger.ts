// The ledger's HTTP contract: heads, blocks, proofs, replicas, verification jobs, the export. Add a route: one
// entry in `routes`.
import { z } from 'zod';
import { blockHeader } from '../events/ledger';
import { jsonObject, type HttpAnswer, type HttpApi } from './openapi';

/** A height, tree size or index: decimal digits within JavaScript's safe integers (request-params.ts). */
const count = z.string().regex(/^[0-9]{1,16}$/);

const signedBlock = z.strictObject({ header: blockHeader, blockHash: z.string(), signature: z.string(), checkpoint: z.string() });
const verificationJob = z.looseObject({ id: z.string(), repair: z.boolean(), status: z.string(), requestedAt: z.string() });

const invalid: Record<number, HttpAnswer> = { 400: { description: 'a parameter is not what it takes (named, never echoed)' } };
const notFound: Record<number, HttpAnswer> = { 404: { description: 'not there (yet)' } };

export const ledgerApi: HttpApi = {
  service: 'ledger',
  description: 'The audit ledger: signed tree heads, blocks, RFC 9162 inclusion and consistency proofs, replica state, verification jobs, the export.',
  fhirPaths: [],
  routes: [
    {
      method: 'get',
      path: '/v1/blocks/head',
      summary: 'the signed tree head and the block it closes',
      auth: 'none',
      answers: {
        200: {
          description: 'the head',
          content: {
            'application/json': signedBlock.extend({ treeSize: z.number().int(), rootHash: z.string(), timestamp: z.string(), height: z.number().int() }),
          },
        },
        ...notFound,
      },
    },
    {
      method: 'get',
      path: '/v1/blocks/{height}',
      summary: 'a committed block',
      auth: 'none',
      params: z.object({ height: count }),
      answers: { 200: { description: 'the block', content: { 'application/json': signedBlock } }, ...invalid, ...notFound },
    },
    {
      method: 'get',
      path: '/v1/events/{eventId}/proof',
      summary: "an event's inclusion proof bundle",
      auth: 'none',
      params: z.object({ eventId: z.string().regex(/^[^\u0000-\u001f\u007f]{1,200}$/u) }),
      answers: {
        200: {
          description: 'the proof bundle (verify with medshare-verify)',
          content: {
            'application/json': z.looseObject({
              version: z.literal(1),
              eventId: z.string(),
              leafIndex: z.number().int(),
              treeSize: z.number().int(),
              leafHash: z.string(),
              auditPath: z.array(z.string()),
              checkpoint: z.string(),
            }),
          },
        },
        ...invalid,
        ...notFound,
      },
    },
    {
      method: 'get',
      path: '/v1/consistency',
      summary: 'an RFC 9162 consistency proof between two tree sizes',
      auth: 'none',
      query: z.object({ from: count, to: count }),
      answers: {
        200: {
          description: 'the proof',
          content: {
            'application/json': z.looseObject({
              size1: z.number().int(),
              size2: z.number().int(),
              root1: z.string(),
              root2: z.string(),
              proof: z.array(z.string()),
              checkpoint: z.string(),
            }),
          },
        },
        ...invalid,
        ...notFound,
      },
    },
    {
      method: 'get',
      path: '/v1/replicas',
      summary: 'the replicas: reachability, height, lag, verification',
      auth: 'none',
      answers: {
        200: {
          description: 'the replica states',
          content: {
            'application/json': z.looseObject({ writer: z.string(), quorum: z.number().int(), commitsStopped: z.boolean(), replicas: z.array(jsonObject) }),
          },
        },
      },
    },
    {
      method: 'post',
      path: '/v1/verifications',
      summary: 'start verifying every replica (repair=true: the operator, on the active writer)',
      auth: 'none',
      query: z.object({ repair: z.enum(['true', 'false']).optional() }),
      answers: {
        202: { description: 'the job', content: { 'application/json': verificationJob }, headers: { Location: 'the job' } },
        ...invalid,
        401: { description: 'a repair without the operator token, or a wrong token' },
        403: { description: 'a token of another role' },
        409: { description: 'this instance is a standby' },
      },
    },
    {
      method: 'get',
      path: '/v1/verifications/{id}',
      summary: 'a verification job',
      auth: 'none',
      params: z.object({ id: z.uuid() }),
      answers: { 200: { description: 'the job', content: { 'application/json': verificationJob } }, ...invalid, ...notFound },
    },
    {
      method: 'get',
      path: '/v1/export',
      summary: 'the committed chain as JSON Lines (for medshare-verify file)',
      auth: 'auditor-or-operator',
      answers: {
        200: { description: 'JSON Lines, streamed', content: { 'application/x-ndjson': z.string() } },
        401: { description: 'no or a wrong token' },
        403: { description: 'a token of another role' },
      },
    },
    {
      method: 'get',
      path: '/v1/public-key',
      summary: "the ledger's Ed25519 public key",
      auth: 'none',
      answers: { 200: { description: 'SPKI PEM', content: { 'application/x-pem-file': z.string() } } },
    },
  ],
};
