// The S3 object store attachments' encrypted chunks live on (Ceph's radosgw here; any S3 store in production).
// Plain S3 through @aws-sdk/client-s3; every call has a deadline, and a write whose deadline passed is an unknown
// outcome (a replicated store may still commit it), never a failure the caller may take as "not stored".
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';

export const objectStoreConfigSchema = z.object({
  /** The development store that infra/ceph/ceph.sh starts; its credentials are public development values. */
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).default('http://127.0.0.1:17480'),
  S3_REGION: z.string().min(1).default('default'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{2,62}$/, 'must be an S3 bucket name')
    .default('medshare-files'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Deadline of one S3 call; a PUT past it is an unknown outcome, retried (same key, same content) or reported as such. */
  S3_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
});

export type ObjectStoreConfig = z.infer<typeof objectStoreConfigSchema>;

export const DEV_S3_CREDENTIALS = { accessKeyId: 'medshare-dev', secretAccessKey: 'medshare-dev-secret-not-for-production' } as const;

export class ObjectStoreError extends Error {
  constructor(
    message: string,
    /** True when the store may or may not have applied the write: the call's deadline passed or the connection broke. */
    readonly unknownOutcome: boolean,
  ) {
    super(message);
  }
}

export class ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly timeoutMs: number;

  constructor(config: ObjectStoreConfig) {
    this.bucket = config.S3_BUCKET;
    this.timeoutMs = config.S3_TIMEOUT_MS;
    this.client = new S3Client({
      endpoint: config.S3_ENDPOINT,
      region: config.S3_REGION,
      forcePathStyle: true,
      credentials:
        config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY }
          : DEV_S3_CREDENTIALS,
      // Ceph 16's radosgw predates the SDK's default checksums; streamed bodies need them off (MACHINE notes).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      requestHandler: { connectionTimeout: Math.min(this.timeoutMs, 5000), requestTimeout: this.timeoutMs },
    });
  }

  /** Stores `body` at `key`; an ObjectStoreError with unknownOutcome when it may have been stored anyway. */
  async put(key: string, body: Buffer): Promise<void> {
    await this.call(`PUT ${key}`, true, (abortSignal) =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.byteLength }), { abortSignal }),
    );
  }

  /** The object's bytes, or undefined when there is none. */
  async get(key: string): Promise<Buffer | undefined> {
    return this.call(`GET ${key}`, false, async (abortSignal) => {
      try {
        const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal });
        return Buffer.from(await (answer.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      } catch (error) {
        if (error instanceof Error && error.name === 'NoSuchKey') return undefined;
        throw error;
      }
    });
  }

  /** Size of the object at `key`, or undefined when there is none. */
  async size(key: string): Promise<number | undefined> {
    return this.call(`HEAD ${key}`, false, async (abortSignal) => {
      try {
        return (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal })).ContentLength;
      } catch (error) {
        if (error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey')) return undefined;
        throw error;
      }
    });
  }

  destroy(): void {
    this.client.destroy();
  }

  private async call<T>(what: string, write: boolean, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const abortSignal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await send(abortSignal);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const transport = abortSignal.aborted || /Timeout|Abort|ECONNRESET|EPIPE|socket/i.test(`${name} ${error instanceof Error ? error.message : ''}`);
      throw new ObjectStoreError(`object store ${what.split(' ')[0]} failed (${name})`, write && transport);
    }
  }
}
