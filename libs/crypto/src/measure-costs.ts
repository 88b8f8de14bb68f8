// Measures what each primitive of this library costs on the current machine (not a test: numbers for design and docs).
import { performance } from 'node:perf_hooks';
import { contentHash } from './content-hash';
import { DevKeyring } from './signing-keys';
import { issueInstitutionToken, verifyInstitutionToken } from './institution-token';
import { LocalKeyring } from './local-keyring';
import { signPermit, verifyPermit, type Permit } from './permit';
import { pseudonymise } from './pseudonym';
import { decryptRecord, encryptRecord, generateDek, type RecordAad } from './record-cipher';
import { generateSealingKeyPair, openRecordGroup, sealRecordGroup } from './sealed-box';

export interface CryptoCost {
  operation: string;
  /** Best of the rounds, microseconds per operation. */
  microsPerOp: number;
}

/** Synthetic lab Observation of about 600 bytes of JSON, the size MACHINE.md's figures use. */
function syntheticObservation(index: number): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id: `obs-synthetic-${index}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' }] },
    subject: { reference: 'Patient/pat-synthetic-1' },
    effectiveDateTime: '2026-02-01T08:30:00Z',
    issued: '2026-02-01T10:00:00Z',
    valueQuantity: { value: 95 + (index % 10), unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
    referenceRange: [{ low: { value: 70, unit: 'mg/dL' }, high: { value: 99, unit: 'mg/dL' } }],
  };
}

async function bestOf(operation: string, iterations: number, run: () => unknown | Promise<unknown>): Promise<CryptoCost> {
  for (let i = 0; i < Math.min(iterations, 50); i++) await run(); // warm-up
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await run();
    best = Math.min(best, ((performance.now() - start) * 1000) / iterations);
  }
  return { operation, microsPerOp: Math.round(best * 10) / 10 };
}

export async function measureCryptoCosts(): Promise<CryptoCost[]> {
  const sealing = generateSealingKeyPair();
  const keyring = { [sealing.keyId]: sealing.privateKeyB64 };
  const aad = new TextEncoder().encode('medshare.ingest.sealed.v1|org-north|req-0001');
  const one = [syntheticObservation(0)];
  const hundred = Array.from({ length: 100 }, (_, i) => syntheticObservation(i));
  const boxOfOne = await sealRecordGroup(sealing.publicKeyB64, sealing.keyId, one, aad);
  const boxOfHundred = await sealRecordGroup(sealing.publicKeyB64, sealing.keyId, hundred, aad);

  const dek = generateDek();
  const recordAad: RecordAad = { recordId: 'rec-0001', patient: 'p-synthetic000000000000000000000a', institution: 'org-north', dekVersion: 1 };
  const recordBytes = Buffer.from(JSON.stringify(one[0]));
  const encrypted = encryptRecord({ dek, plaintext: recordBytes, aad: recordAad });
  const kekring = LocalKeyring.create(Buffer.alloc(32, 9));
  const dekContext = { patient: recordAad.patient, dekVersion: 1 };
  const wrapped = await kekring.wrapDek(dek, dekContext);

  const signers = new DevKeyring('measure-seed', ['org-north', 'access-control.permit']);
  const permit: Permit = {
    decisionId: 'dec-0001',
    requester: { institution: 'org-south', practitioner: 'prac-0001' },
    patient: recordAad.patient,
    resourceTypes: ['Observation'],
    purpose: 'TREAT',
    replyKeyId: sealing.keyId,
    expiresAt: '2099-01-01T00:00:00Z',
  };
  const permitKey = signers.privateKeyOf('access-control.permit');
  const permitPublicKey = signers.publicKeyOf('access-control.permit');
  const permitToken = signPermit(permitKey, permit);
  const now = new Date();
  const institutionToken = issueInstitutionToken(signers.privateKeyOf('org-north'), { institution: 'org-north', practitioner: 'prac-0001', ttlSeconds: 300 }, now);
  const pseudonymKey = { secret: Buffer.alloc(32, 3), sharedSystems: new Set(['https://example.org/national-id']) };
  if (permitPublicKey === undefined) throw new Error('dev keyring lost the permit key');

  return [
    await bestOf(`HPKE seal, box of 1 record (${recordBytes.byteLength} B)`, 300, () => sealRecordGroup(sealing.publicKeyB64, sealing.keyId, one, aad)),
    await bestOf('HPKE open, box of 1 record', 300, () => openRecordGroup(keyring, boxOfOne, aad)),
    await bestOf('HPKE seal, box of 100 records', 100, () => sealRecordGroup(sealing.publicKeyB64, sealing.keyId, hundred, aad)),
    await bestOf('HPKE open, box of 100 records', 100, () => openRecordGroup(keyring, boxOfHundred, aad)),
    await bestOf('HPKE seal, box of 1 record, 16 in flight (per box)', 30, async () => {
      await Promise.all(Array.from({ length: 16 }, () => sealRecordGroup(sealing.publicKeyB64, sealing.keyId, one, aad)));
    }).then((cost) => ({ ...cost, microsPerOp: Math.round((cost.microsPerOp / 16) * 10) / 10 })),
    await bestOf('AES-256-GCM encrypt, one record', 5000, () => encryptRecord({ dek, plaintext: recordBytes, aad: recordAad })),
    await bestOf('AES-256-GCM decrypt, one record', 5000, () => decryptRecord({ ...encrypted, dek, aad: recordAad })),
    await bestOf('DEK wrap (LocalKeyring)', 5000, () => kekring.wrapDek(dek, dekContext)),
    await bestOf('DEK unwrap (LocalKeyring)', 5000, () => kekring.unwrapDek(wrapped, dekContext)),
    await bestOf('permit sign', 2000, () => signPermit(permitKey, permit)),
    await bestOf('permit verify', 2000, () => verifyPermit(permitPublicKey, permitToken, now)),
    await bestOf('institution token issue', 2000, () => issueInstitutionToken(signers.privateKeyOf('org-north'), { institution: 'org-north', ttlSeconds: 300 }, now)),
    await bestOf('institution token verify', 2000, () => verifyInstitutionToken(signers, institutionToken, now)),
    await bestOf('pseudonymise', 10000, () => pseudonymise(pseudonymKey, 'https://north.example.org/mrn', 'MRN-0001', 'org-north')),
    await bestOf(`content hash (${recordBytes.byteLength} B)`, 10000, () => contentHash(recordBytes)),
  ];
}
