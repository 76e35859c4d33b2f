import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { type S3StoreSettings, s3ClientOptions, s3Key, s3Url, sha256Base64, sha256Hex } from '@reslab/contracts';
import { logger } from '../logger.js';
import { ArtifactMismatchError, type ArtifactStore, type RegisteredFile, type StoredFile } from './artifact-store.js';

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
    this.client = new S3Client(s3ClientOptions(settings, (fields, message) => logger.warn(fields, message)));
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
        `${key} has SHA-256 ${sha256Hex(stored)} in the store, registered ${file.sha256}`,
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
