import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { REPO_ROOT } from './paths.js';
import { freePort, type ManagedProcess, startProcess, waitFor } from './processes.js';
import { rememberSecret } from './test-log.js';

/**
 * A real S3-compatible server for the artifact-store tests: moto in server mode (test/requirements.txt), on
 * 127.0.0.1, with one bucket. moto keeps every object in memory and stores the checksums clients send without
 * verifying them (AWS S3 verifies each part's): what it does compute itself is a copy's full-object SHA-256.
 */
export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  /** The variables a worker or the orchestrator needs for this store (RESLAB_ARTIFACT_STORE and the SDK's own). */
  env(options?: { endpoint?: string; prefix?: string }): Record<string, string>;
  client: S3Client;
  /** Every object under `prefix`: key, size. */
  list(prefix: string): Promise<{ key: string; size: number }[]>;
  /** An object's bytes and the full-object SHA-256 the store keeps (hex), null when it keeps none. */
  read(key: string): Promise<{ bytes: Buffer; sha256: string | null }>;
  /** Multipart uploads begun and neither completed nor aborted, under `prefix`. */
  incompleteUploads(prefix: string): Promise<string[]>;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export const sha256Hex = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export async function startS3Server(bucket = 'reslab-artifacts'): Promise<S3Server> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto takes any credentials; these stand in for real ones, so the scan of every log (test-log.ts) checks that
  // no process printed the secret.
  const credentials = { accessKeyId: 'AKIAMOTOTEST0000', secretAccessKey: randomBytes(24).toString('base64url') };
  rememberSecret('s3SecretAccessKey', credentials.secretAccessKey);
  const moto = startProcess(
    join(REPO_ROOT, '.venv', 'bin', 'moto_server'),
    ['-H', '127.0.0.1', '-p', String(port)],
    {},
  );
  try {
    await waitFor(`moto's S3 server on ${endpoint}`, async () =>
      (await fetch(endpoint)).status < 500 ? true : undefined,
    );
  } catch (error) {
    await moto.stop();
    throw new Error(`moto did not come up: ${(error as Error).message}\n${moto.output()}`);
  }
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    bucket,
    client,
    process: moto,
    env: (options = {}) => ({
      RESLAB_ARTIFACT_STORE: `s3://${bucket}${options.prefix ? `/${options.prefix}` : ''}`,
      RESLAB_S3_ENDPOINT: options.endpoint ?? endpoint,
      RESLAB_S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    }),
    async list(prefix) {
      const found: { key: string; size: number }[] = [];
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) found.push({ key: o.Key ?? '', size: o.Size ?? -1 });
      }
      return found.sort((a, b) => a.key.localeCompare(b.key));
    },
    async read(key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
      const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      const stored = object.ChecksumSHA256;
      return { bytes, sha256: stored && !stored.includes('-') ? Buffer.from(stored, 'base64').toString('hex') : null };
    },
    async incompleteUploads(prefix) {
      const answer = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
      return (answer.Uploads ?? []).map((u) => u.Key ?? '');
    },
    async stop() {
      client.destroy();
      await moto.stop();
    },
  };
}

/**
 * A TCP link to the S3 server that a test can slow down: each chunk a client sends waits its share of
 * `bytesPerSecond` before it goes on, so an upload takes long enough to be killed in the middle. Answers flow
 * at full speed. `sent` counts the bytes clients sent through it.
 */
export interface SlowLink {
  url: string;
  sent: number;
  throttle(bytesPerSecond: number | null): void;
  close(): Promise<void>;
}

export async function startSlowLink(target: string): Promise<SlowLink> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let rate: number | null = null;
  const link: SlowLink = {
    url: '',
    sent: 0,
    throttle: (bytesPerSecond) => {
      rate = bytesPerSecond;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(targetPort), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    // The callback waits a chunk's share of the rate: the pipe holds the client back meanwhile (backpressure).
    const pace = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        link.sent += chunk.length;
        if (rate === null) done(null, chunk);
        else setTimeout(() => done(null, chunk), (chunk.length / rate) * 1000);
      },
    });
    client.pipe(pace).pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  link.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return link;
}
