import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CredentialFileError,
  credentialPath,
  readCredential,
  type WorkerCredential,
  writeCredential,
} from '../src/worker-credential.js';

const SECRET = `rsw_${'s'.repeat(43)}`;
const credential: WorkerCredential = {
  apiUrl: 'http://127.0.0.1:4000',
  workerId: '3f1e4a52-9c1b-4d2e-8f00-000000000001',
  name: 'gpu-box-1',
  secret: SECRET,
};

describe('the worker credential file (real files)', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'reslab-credential-'));
    dirs.push(dir);
    return dir;
  };
  const umask = process.umask();
  afterEach(() => {
    process.umask(umask);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is written with mode 0600 even under a umask that would leave it world-readable, and read back', () => {
    process.umask(0);
    const path = credentialPath(join(scratch(), 'work'));
    writeCredential(path, credential);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // The work dir it had to create is the worker's alone as well.
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(readCredential(path)).toEqual(credential);
  });

  it('replaces an old file by rename: a new inode, no temporary file left beside it', () => {
    const dir = scratch();
    const path = credentialPath(dir);
    writeCredential(path, credential);
    const before = statSync(path).ino;
    writeCredential(path, { ...credential, name: 'gpu-box-2' });
    expect(statSync(path).ino).not.toBe(before);
    expect(readCredential(path)?.name).toBe('gpu-box-2');
    expect(readdirSync(dir)).toEqual(['credential.json']);
  });

  it('leaves no temporary file behind, and names the file, when the write cannot finish', () => {
    const dir = scratch();
    const path = credentialPath(dir);
    mkdirSync(path); // rename(2) cannot put a file over a folder: the last step fails
    expect(() => writeCredential(path, credential)).toThrowError(CredentialFileError);
    expect(() => writeCredential(path, credential)).toThrowError(`${path}: cannot write it`);
    expect(readdirSync(dir)).toEqual(['credential.json']);
    expect(statSync(path).isDirectory()).toBe(true);
  });

  it('is absent (null) before the worker enrols', () => {
    expect(readCredential(credentialPath(scratch()))).toBeNull();
  });

  it('that is not JSON gives a message naming the file and not quoting it', () => {
    const path = credentialPath(scratch());
    writeFileSync(path, `{"secret": "${SECRET}", oops`, { mode: 0o600 });
    const error = catchError(() => readCredential(path));
    expect(error).toBeInstanceOf(CredentialFileError);
    expect(error.message).toContain(path);
    expect(error.message).toContain('not valid JSON');
    expect(error.message).not.toContain(SECRET);
  });

  it('with a missing or malformed field names the file and the field, not the value', () => {
    const path = credentialPath(scratch());
    writeFileSync(path, JSON.stringify({ ...credential, secret: 'rsk_not-a-worker-secret', workerId: undefined }), {
      mode: 0o600,
    });
    const error = catchError(() => readCredential(path));
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/workerId: .*secret: |secret: .*workerId: /);
    expect(error.message).not.toContain('rsk_not-a-worker-secret');
  });

  it('readable by group or others is refused, naming the file and its mode', () => {
    const path = credentialPath(scratch());
    writeCredential(path, credential);
    chmodSync(path, 0o644);
    expect(() => readCredential(path)).toThrowError(`${path}: readable by others (mode 0644)`);
  });

  it('holds exactly the four fields', () => {
    const path = credentialPath(scratch());
    writeCredential(path, credential);
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8'))).sort()).toEqual([
      'apiUrl',
      'name',
      'secret',
      'workerId',
    ]);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
