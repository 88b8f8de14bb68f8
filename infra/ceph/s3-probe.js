#!/usr/bin/env node
// Readiness probe of the S3 store (infra/ceph/ceph.sh): creates the bucket if missing, then a signed PUT and GET
// of a small object must round-trip. Exit 0 when they did. Reads S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID,
// S3_SECRET_ACCESS_KEY, S3_BUCKET.
'use strict';
const { S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');

async function main() {
  const env = process.env;
  const client = new S3Client({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION || 'default',
    forcePathStyle: true,
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
    maxAttempts: 1,
    requestHandler: { requestTimeout: 5000, connectionTimeout: 2000 },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: env.S3_BUCKET }));
  } catch (error) {
    if (!['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(error.name)) throw error;
  }
  const body = `probe ${Date.now()}`;
  await client.send(new PutObjectCommand({ Bucket: env.S3_BUCKET, Key: 'readiness-probe', Body: body }));
  const got = await client.send(new GetObjectCommand({ Bucket: env.S3_BUCKET, Key: 'readiness-probe' }));
  if ((await got.Body.transformToString()) !== body) throw new Error('GET returned other bytes than the PUT stored');
  client.destroy();
}

main().then(
  () => console.log('s3-probe: signed PUT and GET ok'),
  (error) => {
    console.error(`s3-probe: ${error.name}: ${error.message}`);
    process.exit(1);
  },
);
