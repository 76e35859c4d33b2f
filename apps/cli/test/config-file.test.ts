import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  configPath,
  DEFAULT_API_URL,
  isOpenToOthers,
  notSignedInMessage,
  readConfig,
  resolveProfile,
  writeConfig,
} from '../src/config-file.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the CLI config file (real files)', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'reslab-cli-config-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('lives in $XDG_CONFIG_HOME/reslab, else ~/.config/reslab; a relative XDG_CONFIG_HOME is ignored', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x/conf', HOME: '/home/a' })).toBe('/x/conf/reslab/config.json');
    expect(configPath({ HOME: '/home/a' })).toBe('/home/a/.config/reslab/config.json');
    expect(configPath({ XDG_CONFIG_HOME: '', HOME: '/home/a' })).toBe('/home/a/.config/reslab/config.json');
    expect(configPath({ XDG_CONFIG_HOME: 'rel/conf', HOME: '/home/a' })).toBe('/home/a/.config/reslab/config.json');
  });

  it('is written 0600 in a 0700 folder it creates, and reads back', () => {
    const path = configPath({ XDG_CONFIG_HOME: join(scratch(), 'conf') });
    writeConfig(path, { apiUrl: 'http://orch:4000', apiKey: 'rsk_secret' });
    expect(mode(path)).toBe(0o600);
    expect(mode(join(path, '..'))).toBe(0o700);
    expect(readConfig(path)).toEqual({ apiUrl: 'http://orch:4000', apiKey: 'rsk_secret' });
    expect(isOpenToOthers(path)).toBe(false);
  });

  it('is replaced by a rename: the old file is never rewritten in place, and no temporary file is left', () => {
    const dir = join(scratch(), 'reslab');
    mkdirSync(dir, { mode: 0o755 });
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ apiKey: 'rsk_old' }), { mode: 0o644 });
    // A hard link keeps the old inode: had the file been truncated and rewritten, it would show the new key.
    const oldInode = join(dir, 'old-inode');
    linkSync(path, oldInode);
    writeConfig(path, { apiKey: 'rsk_new' });
    expect(JSON.parse(readFileSync(oldInode, 'utf8'))).toEqual({ apiKey: 'rsk_old' });
    expect(readConfig(path)).toEqual({ apiKey: 'rsk_new' });
    expect(mode(path)).toBe(0o600);
    // A folder made open by hand is closed again: it holds a key.
    expect(mode(dir)).toBe(0o700);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'old-inode']);
  });

  it('leaves the old file whole and no temporary file when a write fails', () => {
    const path = join(scratch(), 'reslab', 'config.json');
    writeConfig(path, { apiKey: 'rsk_kept' });
    expect(() => writeConfig(path, { apiUrl: 'not a url' })).toThrow();
    expect(readConfig(path)).toEqual({ apiKey: 'rsk_kept' });
    expect(readdirSync(join(path, '..'))).toEqual(['config.json']);
  });

  it('is null when absent, and a malformed one is an error naming the file and the fault', () => {
    const dir = scratch();
    expect(readConfig(join(dir, 'none.json'))).toBeNull();

    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"apiKey": "rsk_x",');
    expect(() => readConfig(notJson)).toThrow(ConfigFileError);
    expect(() => readConfig(notJson)).toThrow(new RegExp(`^${notJson}: not valid JSON`));

    const wrongShape = join(dir, 'wrong.json');
    writeFileSync(wrongShape, JSON.stringify({ apiKey: 42 }));
    expect(() => readConfig(wrongShape)).toThrow(`${wrongShape}: not a ResLab config (apiKey:`);
    const notObject = join(dir, 'array.json');
    writeFileSync(notObject, '[]');
    expect(() => readConfig(notObject)).toThrow(`${notObject}: not a ResLab config ((root):`);
  });

  it('says when others may read the key', () => {
    const path = join(scratch(), 'open.json');
    writeFileSync(path, '{}', { mode: 0o644 });
    expect(isOpenToOthers(path)).toBe(true);
  });
});

describe('which orchestrator and which key a command uses', () => {
  const file = '/home/a/.config/reslab/config.json';
  const stored = { apiUrl: 'http://lab:4000', apiKey: 'rsk_file' };

  it('takes RESLAB_API_KEY over the stored key, and an empty one as unset', () => {
    expect(resolveProfile({ RESLAB_API_KEY: 'rsk_env' }, undefined, stored, file).credential).toEqual({
      token: 'rsk_env',
      from: 'env',
    });
    expect(resolveProfile({ RESLAB_API_KEY: '' }, undefined, stored, file).credential).toEqual({
      token: 'rsk_file',
      from: 'file',
      path: file,
    });
    expect(resolveProfile({}, undefined, null, file).credential).toEqual({ token: null });
  });

  it('takes --api, else RESLAB_API_URL, else the stored URL, else the default', () => {
    const env = { RESLAB_API_URL: 'http://env:4000' };
    expect(resolveProfile(env, 'http://flag:4000/', stored, file).apiUrl).toBe('http://flag:4000');
    expect(resolveProfile(env, undefined, stored, file).apiUrl).toBe('http://env:4000');
    expect(resolveProfile({ RESLAB_API_URL: '' }, undefined, stored, file).apiUrl).toBe('http://lab:4000');
    expect(resolveProfile({}, undefined, null, file).apiUrl).toBe(DEFAULT_API_URL);
  });

  it('sends the stored key only to the orchestrator it was stored for', () => {
    expect(resolveProfile({}, 'http://lab:4000/', stored, file).credential.token).toBe('rsk_file');
    const elsewhere = resolveProfile({}, 'http://other:4000', stored, file);
    expect(elsewhere.credential).toEqual({ token: null, storedFor: 'http://lab:4000' });
    // A key stored without a URL was stored for the default orchestrator.
    expect(resolveProfile({}, undefined, { apiKey: 'rsk_d' }, file).credential.token).toBe('rsk_d');
    expect(notSignedInMessage(elsewhere.credential, elsewhere.apiUrl)).toBe(
      'not signed in or key revoked: run `reslab login --api-url http://other:4000` (the stored key is for http://lab:4000)',
    );
  });

  it('words a 401 by where the refused key came from', () => {
    expect(notSignedInMessage({ token: null }, DEFAULT_API_URL)).toBe(
      'not signed in or key revoked: run `reslab login`',
    );
    expect(notSignedInMessage({ token: 'rsk_f', from: 'file', path: file }, DEFAULT_API_URL)).toBe(
      'not signed in or key revoked: run `reslab login`',
    );
    expect(notSignedInMessage({ token: 'rsk_e', from: 'env' }, DEFAULT_API_URL)).toMatch(
      /^not signed in or key revoked: RESLAB_API_KEY was refused/,
    );
  });
});
