import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { CREDENTIAL_PREFIX, fieldIssues } from '@reslab/contracts';
import { z } from 'zod';

/**
 * The worker's identity on this machine, `<work dir>/credential.json`: the
 * orchestrator that issued it, the worker's id and enrolled name, and its
 * secret (identity.ts CREDENTIAL_PREFIX.workerSecret). The orchestrator keeps
 * only the secret's hash, so this file is the only copy: mode 0600, from the
 * moment it is created.
 */
export const WorkerCredential = z
  .object({
    /** The secret is sent to this orchestrator only. */
    apiUrl: z.url(),
    workerId: z.uuid(),
    name: z.string().min(1),
    secret: z.string().startsWith(CREDENTIAL_PREFIX.workerSecret),
  })
  .strict();
export type WorkerCredential = z.infer<typeof WorkerCredential>;

export const CREDENTIAL_FILE = 'credential.json';

export function credentialPath(workDir: string): string {
  return join(workDir, CREDENTIAL_FILE);
}

/** A credential file that exists but cannot be used; the message names the file and what is wrong with it. */
export class CredentialFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Permission bits for group and others: none may be set on a file holding a secret. */
const SHARED_BITS = 0o077;

/** The stored credential, or null when the file does not exist (the worker has not enrolled yet). */
export function readCredential(path: string): WorkerCredential | null {
  let text: string;
  try {
    // Checked before reading, as ssh does with its keys: a secret others could read may already be someone else's.
    const mode = statSync(path).mode & 0o777;
    if (mode & SHARED_BITS) {
      throw new CredentialFileError(
        path,
        `readable by others (mode ${mode.toString(8).padStart(4, '0')}); run \`chmod 600 ${path}\` if no one else could have read it, else revoke the worker and enrol again`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CredentialFileError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CredentialFileError(path, `cannot read it (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    // SyntaxError's message quotes a stretch of the text, which may be the secret: only where it broke is told.
    const at = /position \d+/.exec((error as Error).message)?.[0];
    throw new CredentialFileError(path, `not valid JSON${at ? ` (at ${at})` : ''}; delete it and enrol again`);
  }
  const parsed = WorkerCredential.safeParse(json);
  if (!parsed.success) {
    // Issue messages name the field and the rule, never the value.
    const issues = fieldIssues(parsed.error).map((issue) => `${issue.path}: ${issue.message}`);
    throw new CredentialFileError(path, `not a worker credential (${issues.join('; ')}); delete it and enrol again`);
  }
  return parsed.data;
}

/**
 * Writes the credential atomically: a temporary file beside it, created with
 * mode 0600 (O_CREAT | O_EXCL, so never another file's mode and never briefly
 * readable by others; the umask can only take bits away), written, fsynced,
 * then renamed over the old one, and the folder fsynced so the rename survives
 * a power cut. A crash leaves the old file or the new one, never half of one.
 */
export function writeCredential(path: string, credential: WorkerCredential): void {
  const text = `${JSON.stringify(WorkerCredential.parse(credential), null, 2)}\n`;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${CREDENTIAL_FILE}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      // A umask never adds bits, but a file system that ignores modes (some network mounts) could: say so now.
      if (fstatSync(fd).mode & SHARED_BITS) throw new Error('the file system did not keep mode 0600');
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CredentialFileError(path, `cannot write it (${(error as Error).message})`);
  }
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some file systems refuse to fsync a folder; the rename itself has happened.
  }
}
