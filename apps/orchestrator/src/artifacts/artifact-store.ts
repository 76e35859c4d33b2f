import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { AppConfig } from '../config/app-config.js';

/** A registered file as the store holds it, ready to stream. */
export interface StoredFile {
  stream: Readable;
  sizeBytes: number;
}

/** What the orchestrator registered for a file: the store's copy must be this one. */
export interface RegisteredFile {
  path: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Where run artifacts (checkpoints, final weights) live: a folder every worker and the orchestrator mount at
 * the same path, or an S3 bucket (RESLAB_ARTIFACT_STORE; docs/artifacts.md). Workers write; the orchestrator
 * only serves downloads.
 */
export interface ArtifactStore {
  /** The folder or s3:// URL, for logs. */
  readonly location: string;
  /**
   * The store's copy of a registered file; null when it holds none. A store that keeps a checksum of its own
   * refuses a copy whose SHA-256 is not the registered one (ArtifactMismatchError).
   */
  open(file: RegisteredFile): Promise<StoredFile | null>;
}

export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');

/** The store holds a file under the registered path that is not the registered file. */
export class ArtifactMismatchError extends Error {}

export class SharedDirectoryArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get location(): string {
    return this.root;
  }

  private locate(path: string): string {
    const full = resolve(this.root, path);
    if (full !== this.root && !full.startsWith(this.root + sep))
      throw new Error(`artifact path ${path} leaves the store`);
    return full;
  }

  // No hash here: the file is on a disk the worker wrote it to, and hashing gigabytes before every download
  // would double the read. The worker hashed it when it registered it.
  async open(file: RegisteredFile): Promise<StoredFile | null> {
    const full = this.locate(file.path);
    const stats = await stat(full).catch(() => null);
    if (!stats?.isFile()) return null;
    return { stream: createReadStream(full), sizeBytes: stats.size };
  }
}

/** The AWS SDK is loaded only for an S3 store: it adds about 0.13 s to every start of a process that imports it. */
export async function artifactStoreFor(config: Pick<AppConfig, 'artifactDir' | 's3'>): Promise<ArtifactStore> {
  if (!config.s3) return new SharedDirectoryArtifactStore(config.artifactDir);
  const { S3ArtifactStore } = await import('./s3-artifact-store.js');
  return new S3ArtifactStore(config.s3);
}
