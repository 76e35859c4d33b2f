import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  type RegisterArtifactRequest,
  type S3StoreSettings,
  s3ClientOptions,
  s3Key,
  s3Url,
  sha256Base64,
  sha256Hex,
} from '@reslab/contracts';
import type { Logger } from 'pino';
import { artifactKind, CHECKPOINT_FILES, sha256 } from './artifact-files.js';
import type { ArtifactStore, ArtifactWriter, CheckpointSnapshot } from './artifact-store.js';
import { logger } from './logger.js';

/**
 * Parts of a multipart upload: S3 takes 5 MiB at least (all parts but the last); 8 MiB parts, four in flight
 * (lib-storage's queueSize), hold at most 32 MiB of a file in the worker's memory.
 */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
/** Where a checkpoint's files wait in the bucket until both are there: `<attempt folder>/incoming/<file>`. */
const STAGING = 'incoming';

function isMissing(error: unknown): boolean {
  return error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404;
}

/**
 * Checkpoints in an S3 bucket, for workers that share no folder with each other or with the orchestrator
 * (docs/artifacts.md). The engine writes into a local attempt folder under the worker's work dir; after each
 * checkpoint the worker uploads both files, and a later attempt, on any worker, downloads them before it resumes.
 *
 * A checkpoint is two files, and S3 has no rename and no transaction over two objects. So each file is first
 * uploaded to a staging key (a multipart upload with a SHA-256 per part, which S3 verifies as it takes each part),
 * and only once both are there is each copied over the attempt's own key, server-side, with a SHA-256 of the whole
 * object that S3 computes from the bytes it holds. A worker killed during the uploads (the slow part) leaves the
 * previous checkpoint's two files untouched, and at most an incomplete multipart upload, which no GET or LIST
 * shows (a bucket lifecycle rule, AbortIncompleteMultipartUpload, removes its parts). Killed between the two copies
 * (milliseconds), it leaves a new weights file beside an old state file: the engine refuses a pair whose
 * (epoch, step) disagree (libs/engine checkpoint.py) and resumes from another attempt's folder.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private snapshots = 0;

  constructor(
    private readonly settings: S3StoreSettings,
    /** The local folder attempt folders go under (the worker's work dir/artifacts). */
    readonly root: string,
  ) {
    this.client = new S3Client(s3ClientOptions(settings, (fields, message) => logger.warn(fields, message)));
  }

  private get bucket(): string {
    return this.settings.location.bucket;
  }

  private key(path: string): string {
    return s3Key(this.settings.location, path);
  }

  /** A local folder's path relative to the root, with '/': the registered path, and the key under the prefix. */
  private storePath(local: string): string {
    return relative(this.root, local).split(sep).join('/');
  }

  async resumeDirs(runId: string, attempt: number, attemptDir: string, log: Logger): Promise<string[]> {
    const runPath = `runs/${runId}`;
    const prefix = `${this.key(runPath)}/`;
    const earlier: number[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: prefix, Delimiter: '/' },
    )) {
      for (const { Prefix: folder } of page.CommonPrefixes ?? []) {
        const match = /^attempt-(\d+)\/$/.exec(folder?.slice(prefix.length) ?? '');
        if (match && Number(match[1]) !== attempt) earlier.push(Number(match[1]));
      }
    }
    const dirs: string[] = [];
    for (const n of earlier.sort((a, b) => a - b)) {
      const local = join(attemptDir, 'resume', `attempt-${n}`);
      if (await this.download(`${runPath}/attempt-${n}`, local, log)) dirs.push(local);
    }
    return dirs;
  }

  async checkpointDir(checkpoint: string, attemptDir: string, log: Logger): Promise<string> {
    const local = join(attemptDir, 'checkpoint');
    if (!(await this.download(checkpoint, local, log))) {
      throw new Error(`the checkpoint ${checkpoint} in ${s3Url(this.settings.location)} is missing or damaged`);
    }
    return local;
  }

  /** Both files of a checkpoint folder into `local`, each verified; false (and a log line) when either is not. */
  private async download(folder: string, local: string, log: Logger): Promise<boolean> {
    rmSync(local, { recursive: true, force: true });
    mkdirSync(local, { recursive: true });
    for (const name of CHECKPOINT_FILES) {
      const path = `${folder}/${name}`;
      const problem = await this.downloadFile(path, join(local, name));
      if (problem) {
        log.warn({ path, problem }, 'checkpoint file in the store failed its check; that folder is skipped');
        rmSync(local, { recursive: true, force: true });
        return false;
      }
    }
    log.info({ folder, store: s3Url(this.settings.location) }, 'checkpoint downloaded and verified');
    return true;
  }

  /**
   * The object at `path` into `target` when its bytes hash to the full-object SHA-256 the store keeps for it; what
   * was wrong otherwise. Failures of the store itself (unreachable, denied) throw: they say nothing about the file.
   */
  private async downloadFile(path: string, target: string): Promise<string | null> {
    let object: GetObjectCommandOutput;
    try {
      object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path), ChecksumMode: 'ENABLED' }),
      );
    } catch (error) {
      if (isMissing(error)) return 'missing';
      throw error;
    }
    const body = object.Body as Readable;
    const stored = object.ChecksumSHA256;
    if (!stored || stored.includes('-')) {
      body.destroy();
      return 'the store keeps no SHA-256 of the whole object to check it against';
    }
    const hash = createHash('sha256');
    let bytes = 0;
    const partial = `${target}.part`;
    try {
      await pipeline(
        body,
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            bytes += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(partial),
      );
    } catch (error) {
      // The SDK checks the stream against the same checksum (ChecksumMode) and fails it at its end on a mismatch.
      if (/checksum/i.test((error as Error).message)) return (error as Error).message;
      throw error;
    }
    const actual = hash.digest('base64');
    if (actual !== stored || bytes !== object.ContentLength) {
      return `SHA-256 ${sha256Hex(actual)} over ${bytes} bytes, the store says ${sha256Hex(stored)} over ${object.ContentLength}`;
    }
    renameSync(partial, target);
    return null;
  }

  // Hard links: the engine's next save renames new files over these names (checkpoint.py _write_atomic), which
  // leaves the linked inodes, this checkpoint's bytes, as they are for as long as the upload reads them.
  snapshot(attemptDir: string): CheckpointSnapshot {
    const dir = join(attemptDir, `.snapshot-${++this.snapshots}`);
    mkdirSync(dir, { recursive: true });
    for (const name of CHECKPOINT_FILES) {
      try {
        linkSync(join(attemptDir, name), join(dir, name));
      } catch {
        // Not written (yet): publish uploads nothing without both files.
      }
    }
    return { attemptDir, dir, discard: () => rmSync(dir, { recursive: true, force: true }) };
  }

  async publish(snapshot: CheckpointSnapshot, writer: ArtifactWriter, log: Logger): Promise<RegisterArtifactRequest[]> {
    try {
      if (!CHECKPOINT_FILES.every((name) => existsSync(join(snapshot.dir, name)))) {
        log.warn({ dir: snapshot.attemptDir }, 'checkpoint event without both checkpoint files; nothing uploaded');
        return [];
      }
      const attemptPath = this.storePath(snapshot.attemptDir);
      const staged: { name: string; sizeBytes: number; sha256: string; stagingKey: string }[] = [];
      for (const name of CHECKPOINT_FILES) {
        const local = join(snapshot.dir, name);
        const sizeBytes = statSync(local).size;
        const stagingKey = this.key(`${attemptPath}/${STAGING}/${name}`);
        const digest = await sha256(local);
        // A part that fails after its retries aborts the multipart upload (lib-storage, leavePartsOnError false).
        await new Upload({
          client: this.client,
          params: {
            Bucket: this.bucket,
            Key: stagingKey,
            Body: createReadStream(local),
            ContentLength: sizeBytes,
            ChecksumAlgorithm: 'SHA256',
          },
          partSize: PART_BYTES,
          queueSize: PARTS_IN_FLIGHT,
        }).done();
        staged.push({ name, sizeBytes, sha256: digest, stagingKey });
      }
      const finalKeys = staged.map((file) => this.key(`${attemptPath}/${file.name}`));
      for (const [i, file] of staged.entries()) {
        const key = finalKeys[i] as string;
        // A single CopyObject takes objects up to 5 GiB; larger checkpoint files would need UploadPartCopy.
        const copied = await this.client.send(
          new CopyObjectCommand({
            Bucket: this.bucket,
            Key: key,
            CopySource: `${this.bucket}/${encodeURIComponent(file.stagingKey).replaceAll('%2F', '/')}`,
            ChecksumAlgorithm: 'SHA256',
          }),
        );
        const stored = copied.CopyObjectResult?.ChecksumSHA256;
        if (stored !== sha256Base64(file.sha256)) {
          // The bytes in the bucket are not the file this worker hashed: leave no such pair for a resume to find.
          await this.delete(finalKeys);
          throw new Error(
            `${key}: the store holds SHA-256 ${stored ? sha256Hex(stored) : 'none'}, the worker uploaded ${file.sha256}`,
          );
        }
      }
      await this.delete(staged.map((file) => file.stagingKey));
      log.info({ dir: attemptPath, bytes: staged.reduce((n, f) => n + f.sizeBytes, 0) }, 'checkpoint uploaded');
      return staged.map((file) => ({
        ...writer,
        kind: artifactKind(file.name),
        path: `${attemptPath}/${file.name}`,
        sizeBytes: file.sizeBytes,
        sha256: file.sha256,
      }));
    } finally {
      snapshot.discard();
    }
  }

  private async delete(keys: string[]): Promise<void> {
    await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
  }

  async release(attemptDir: string): Promise<void> {
    await rm(attemptDir, { recursive: true, force: true });
  }
}
