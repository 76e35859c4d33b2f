import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RegisterArtifactRequest } from '@reslab/contracts';
import type { Logger } from 'pino';
import { checkpointArtifacts } from './artifact-files.js';
import type { WorkerConfig } from './worker-config.js';

/** The checkpoint files as they were when the engine reported them, kept apart from the engine's next save. */
export interface CheckpointSnapshot {
  /** The attempt folder the engine wrote them in. */
  attemptDir: string;
  /** The folder the files are read from for publishing. */
  dir: string;
  discard(): void;
}

export type ArtifactWriter = Pick<RegisterArtifactRequest, 'workerId' | 'attempt'>;

/**
 * Where the worker keeps what its engines write, and where a later attempt finds it (docs/artifacts.md). The
 * engine always reads and writes local folders: the shared folder itself, or, with an S3 store, folders under the
 * worker's work dir that are uploaded after each checkpoint and downloaded before a resume.
 */
export interface ArtifactStore {
  /** The local folder attempt folders go under: runs/<runId>/attempt-<n>, as the registered paths say. */
  readonly root: string;
  /** Local folders holding earlier attempts' checkpoints, for the engine's --resume. */
  resumeDirs(runId: string, attempt: number, attemptDir: string, log: Logger): Promise<string[]>;
  /** A local folder holding the checkpoint registered under `checkpoint` (a folder relative to the store's root). */
  checkpointDir(checkpoint: string, attemptDir: string, log: Logger): Promise<string>;
  /** Taken at the `checkpoint` event, before the engine can save again. */
  snapshot(attemptDir: string): CheckpointSnapshot;
  /** Makes a snapshot durable in the store; the registration requests for its files, to send once it is. */
  publish(snapshot: CheckpointSnapshot, writer: ArtifactWriter, log: Logger): Promise<RegisterArtifactRequest[]>;
  /** The attempt is over and its checkpoints published: its local folder may go. */
  release(attemptDir: string): Promise<void>;
}

/** One folder the worker and the orchestrator both mount (RESLAB_ARTIFACT_DIR): the engine writes straight into it. */
export class SharedFolderStore implements ArtifactStore {
  constructor(readonly root: string) {}

  /** The folders earlier attempts of a run wrote (and the run folder itself, where runs before attempts wrote). */
  async resumeDirs(runId: string, attempt: number): Promise<string[]> {
    const runDir = join(this.root, 'runs', runId);
    if (!existsSync(runDir)) return [];
    const attempts = readdirSync(runDir)
      .map((name) => /^attempt-(\d+)$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) !== attempt)
      .map((m) => join(runDir, m[0]));
    return [runDir, ...attempts];
  }

  async checkpointDir(checkpoint: string): Promise<string> {
    return join(this.root, checkpoint);
  }

  // The files stay where the engine wrote them, as they always have: the hash is of whatever is there when the
  // publish runs, and the engine itself refuses a pair of files from two saves on resume (libs/engine checkpoint.py).
  snapshot(attemptDir: string): CheckpointSnapshot {
    return { attemptDir, dir: attemptDir, discard: () => {} };
  }

  publish(snapshot: CheckpointSnapshot, writer: ArtifactWriter): Promise<RegisterArtifactRequest[]> {
    return checkpointArtifacts(this.root, snapshot.dir, writer);
  }

  async release(): Promise<void> {}
}

const stores = new WeakMap<WorkerConfig, Promise<ArtifactStore>>();

/**
 * The store the configuration names: S3 when RESLAB_ARTIFACT_STORE is set, the shared folder otherwise. The AWS SDK
 * is loaded only for S3: it adds about 0.13 s to every start of a process that imports it.
 */
export function artifactStoreFor(config: WorkerConfig): Promise<ArtifactStore> {
  let store = stores.get(config);
  if (!store) {
    const { s3 } = config;
    store = s3
      ? import('./s3-artifacts.js').then(
          ({ S3ArtifactStore }) => new S3ArtifactStore(s3, join(config.workDir, 'artifacts')),
        )
      : Promise.resolve(new SharedFolderStore(config.artifactDir));
    stores.set(config, store);
  }
  return store;
}
