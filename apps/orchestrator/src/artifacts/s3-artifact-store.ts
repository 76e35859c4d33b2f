import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type S3StoreSettings, s3Key, s3Url } from '@reslab/contracts';
import { logger } from '../logger.js';
import { ArtifactMismatchError, type ArtifactStore, type RegisteredFile, type StoredFile } from './artifact-store.js';

/** The base64 SHA-256 S3 reports (x-amz-checksum-sha256) for the hex digest a worker registered. */
function sha256Base64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/**
 * The SDK prints a NodeVersionSupportWarning of nine lines to stderr on Node < 22 when a client is made; said once
 * as a log line instead, so that every line the orchestrator prints stays one JSON object.
 */
function logSdkNodeWarning(): void {
  if (Number(process.versions.node.split('.')[0]) >= 22) return;
  if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === 'true') return;
  logger.warn({ node: process.version }, 'AWS SDK for JavaScript releases after January 2027 need Node >= 22');
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/**
 * Artifacts in an S3 bucket (or an S3-compatible server: endpoint set, path-style addressing). Downloads are
 * streamed through the orchestrator rather than answered with a 302 to a presigned URL: the bucket need not be
 * reachable from browsers (a private endpoint, a server on the cluster's network), every download keeps the one
 * auth path the API has (sessions, API keys, share links, each checked by the access policy), and the file's
 * checksum is checked here before the first byte is sent. The price is the bytes passing through this process.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;

  constructor(private readonly settings: S3StoreSettings) {
    logSdkNodeWarning();
    this.client = new S3Client({
      region: settings.region,
      ...(settings.endpoint && { endpoint: settings.endpoint, forcePathStyle: true }),
    });
  }

  get location(): string {
    return s3Url(this.settings.location);
  }

  async open(file: RegisteredFile): Promise<StoredFile | null> {
    const { bucket } = this.settings.location;
    const key = s3Key(this.settings.location, file.path);
    let head: HeadObjectCommandOutput;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return null;
      throw error;
    }
    const { ContentLength: size = -1, ChecksumSHA256: stored } = head;
    if (size !== file.sizeBytes) {
      throw new ArtifactMismatchError(
        `${key} holds ${size} bytes, registered ${file.sizeBytes}: it was rewritten after it was registered`,
      );
    }
    // Workers copy every checkpoint file into place with a full-object SHA-256 (apps/worker s3-artifacts.ts);
    // a composite one ("<digest>-<parts>", a multipart upload's) cannot be compared with a file's digest.
    if (stored && !stored.includes('-') && stored !== sha256Base64(file.sha256)) {
      throw new ArtifactMismatchError(
        `${key} has SHA-256 ${Buffer.from(stored, 'base64').toString('hex')} in the store, registered ${file.sha256}`,
      );
    }
    // IfMatch: the object checked above, not one a worker copied over it since (412 instead). ChecksumMode: the
    // SDK checks the bytes against the stored SHA-256 as they stream, and fails the stream if they differ.
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: head.ETag, ChecksumMode: 'ENABLED' }),
    );
    return { stream: object.Body as Readable, sizeBytes: size };
  }
}
