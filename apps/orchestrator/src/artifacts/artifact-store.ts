import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where run artifacts (checkpoints, final weights) live. The shared-directory
 * store is a folder every worker and the orchestrator mount at the same path;
 * an object store can replace it behind this interface.
 */
export interface ArtifactStore {
  /** Absolute location of `path`, refusing paths that leave the store. */
  locate(path: string): string;
  exists(path: string): boolean;
  open(path: string): Readable;
  size(path: string): number;
}

export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');

export class SharedDirectoryArtifactStore implements ArtifactStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  locate(path: string): string {
    const full = resolve(this.root, path);
    if (full !== this.root && !full.startsWith(this.root + sep))
      throw new Error(`artifact path ${path} leaves the store`);
    return full;
  }

  exists(path: string): boolean {
    return existsSync(this.locate(path));
  }

  open(path: string): Readable {
    return createReadStream(this.locate(path));
  }

  size(path: string): number {
    return statSync(this.locate(path)).size;
  }
}
