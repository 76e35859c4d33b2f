import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiKeyDto, WhoAmIDto } from '@reslab/contracts';

/**
 * A stand-in for the orchestrator's identity routes, for the CLI's unit tests:
 * it answers /auth/login, /auth/logout, /auth/me and /keys with contract
 * shapes and records every request with its Authorization header. The real
 * orchestrator, with the same CLI, is exercised in test/e2e/cli.test.ts.
 */
export interface StubOrchestrator {
  url: string;
  requests: { method: string; path: string; authorization: string | undefined; body: unknown }[];
  keys: (ApiKeyDto & { secret: string })[];
  /** Session tokens handed out, and whether each was signed out. */
  sessions: Map<string, { loggedOut: boolean }>;
  /** Makes a key as if created earlier, and returns its secret. */
  addKey(name: string): string;
  close(): Promise<void>;
}

export const STUB_USER = { email: 'ada@lab.org', password: 'correct horse battery' };
const USER = {
  id: '11111111-1111-4111-8111-111111111111',
  email: STUB_USER.email,
  name: 'Ada',
  instanceAdmin: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};
const TEAMS = [
  { teamId: '22222222-2222-4222-8222-222222222222', slug: 'demo', name: 'Demo', role: 'owner' as const },
  { teamId: '33333333-3333-4333-8333-333333333333', slug: 'vision', name: 'Vision', role: 'viewer' as const },
];

const token = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function startStubOrchestrator(): Promise<StubOrchestrator> {
  const stub: Omit<StubOrchestrator, 'url' | 'close'> = {
    requests: [],
    keys: [],
    sessions: new Map(),
    addKey(name) {
      const secret = token('rsk_');
      stub.keys.push({
        id: randomUUID(),
        name,
        prefix: secret.slice(0, 12),
        secret,
        createdAt: new Date().toISOString(),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      return secret;
    },
  };
  const publicKey = ({ secret: _secret, ...key }: ApiKeyDto & { secret: string }): ApiKeyDto => key;

  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = request.url ?? '/';
    const authorization = request.headers.authorization;
    stub.requests.push({ method: request.method ?? '', path, authorization, body });
    const send = (status: number, json?: unknown) => {
      response.writeHead(status, json === undefined ? {} : { 'content-type': 'application/json' });
      response.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const refuse = () => send(401, { statusCode: 401, message: 'Unauthorized' });

    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
    const session = bearer ? stub.sessions.get(bearer) : undefined;
    const key = stub.keys.find((k) => k.secret === bearer && k.revokedAt === null);
    const me = (kind: 'session' | 'apiKey', id: string, prefix: string): WhoAmIDto => ({
      user: USER,
      teams: TEAMS,
      credential: { kind, id, prefix },
    });

    if (request.method === 'POST' && path === '/auth/login') {
      const { email, password } = body as { email: string; password: string };
      if (email !== STUB_USER.email || password !== STUB_USER.password) return refuse();
      const sessionToken = token('rsn_');
      stub.sessions.set(sessionToken, { loggedOut: false });
      return send(200, {
        token: sessionToken,
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        me: me('session', randomUUID(), sessionToken.slice(0, 12)),
      });
    }
    const live = (session && !session.loggedOut) || key;
    if (!live) return refuse();
    if (request.method === 'POST' && path === '/auth/logout') {
      if (session) session.loggedOut = true;
      return send(204);
    }
    if (request.method === 'GET' && path === '/auth/me') {
      return send(200, key ? me('apiKey', key.id, key.prefix) : me('session', randomUUID(), 'rsn_session0'));
    }
    if (request.method === 'POST' && path === '/keys') {
      const secret = stub.addKey((body as { name: string }).name);
      const created = stub.keys.find((k) => k.secret === secret);
      return send(201, { key: publicKey(created as ApiKeyDto & { secret: string }), secret });
    }
    if (request.method === 'GET' && path === '/keys') return send(200, stub.keys.map(publicKey));
    const revoke = /^\/keys\/([0-9a-f-]{36})$/.exec(path);
    if (request.method === 'DELETE' && revoke) {
      const target = stub.keys.find((k) => k.id === revoke[1]);
      if (!target) return send(404, { statusCode: 404, message: 'Not Found' });
      target.revokedAt = new Date().toISOString();
      return send(200, publicKey(target));
    }
    send(404, { statusCode: 404, message: `stub: no route ${request.method} ${path}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...stub,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
