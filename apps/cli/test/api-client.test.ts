import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResLabApi } from '../src/api-client.js';
import { NotSignedInError } from '../src/errors.js';
import { type StubOrchestrator, startStubOrchestrator } from './stub-orchestrator.js';

const ID = '44444444-4444-4444-8444-444444444444';

/** Every request method of the client, found on its prototype, so a method added later is covered too. */
const methods = Object.getOwnPropertyNames(ResLabApi.prototype).filter(
  (name) => !['constructor', 'ridingOut', 'withToken', 'stream', 'request'].includes(name),
);

describe('the CLI API client against a stub orchestrator (HTTP; the real one is in test/e2e)', () => {
  let stub: StubOrchestrator;
  beforeAll(async () => {
    stub = await startStubOrchestrator();
  });
  afterAll(() => stub?.close());

  it('presents its key on every request, and a 401 is the one line that says how to sign in', async () => {
    expect(methods.length).toBeGreaterThan(25);
    const api = new ResLabApi(stub.url, { token: 'rsk_unknown', from: 'file', path: '/cfg' });
    for (const method of methods) {
      stub.requests.length = 0;
      const call = (api as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method];
      const error = await call?.call(api, ID, { email: 'a@b.c', password: 'x' }).catch((e: unknown) => e);
      expect(stub.requests, method).toHaveLength(1);
      expect(stub.requests[0]?.authorization, method).toBe('Bearer rsk_unknown');
      expect(error, method).toBeInstanceOf(NotSignedInError);
      expect((error as Error).message).toBe('not signed in or key revoked: run `reslab login`');
    }
  });

  it('presents its key in the socket handshake too', () => {
    const socket = new ResLabApi(stub.url, { token: 'rsk_streamed', from: 'env' }).stream();
    try {
      expect(socket.auth).toEqual({ token: 'rsk_streamed' });
    } finally {
      socket.close();
    }
  });

  it('sends no Authorization header without a credential', async () => {
    stub.requests.length = 0;
    await expect(new ResLabApi(stub.url).listKeys()).rejects.toThrow('not signed in or key revoked');
    expect(stub.requests[0]?.authorization).toBeUndefined();
  });

  it('presents a given token instead of its own, in every copy', async () => {
    const secret = stub.addKey('test');
    const api = new ResLabApi(stub.url, { token: 'rsk_unknown', from: 'env' });
    const me = await api.withToken(secret).me();
    expect(me.credential.prefix).toBe(secret.slice(0, 12));
    stub.requests.length = 0;
    await api
      .ridingOut({ failed() {}, recovered() {} } as never)
      .listKeys()
      .catch(() => undefined);
    expect(stub.requests[0]?.authorization).toBe('Bearer rsk_unknown');
  });
});
