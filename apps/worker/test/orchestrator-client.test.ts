import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiRequestError, OrchestratorClient } from '../src/orchestrator-client.js';

/** A replica that answers: 200 `{ assignment: null }` to a claim, 400 to a heartbeat; it records who called. */
function answeringReplica(): { server: Server; calls: { path: string; authorization: string | undefined }[] } {
  const calls: { path: string; authorization: string | undefined }[] = [];
  const server = createHttpServer((request, response) => {
    calls.push({ path: request.url ?? '', authorization: request.headers.authorization });
    request.resume();
    const ok = request.url?.endsWith('/claim');
    response.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
    response.end(JSON.stringify(ok ? { assignment: null } : { statusCode: 400, error: 'Bad Request', message: 'no' }));
  });
  return { server, calls };
}

/** A replica that is there but dies on every call: it accepts the connection and resets it. */
function resettingReplica(): { server: TcpServer; connections: () => number } {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.resetAndDestroy();
  });
  return { server, connections: () => connections };
}

const servers: (Server | TcpServer)[] = [];
async function listen(server: Server | TcpServer): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/** A URL nothing listens on: connection refused. */
async function refusedUrl(): Promise<string> {
  const server = createTcpServer();
  const url = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return url;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

describe('OrchestratorClient over several replicas (real HTTP servers on 127.0.0.1)', () => {
  it('moves to the next replica when one refuses connections, sends the call there at once, and stays there', async () => {
    const b = answeringReplica();
    const client = new OrchestratorClient([await refusedUrl(), await listen(b.server)], 'rsw_test');
    expect(await client.claim('w1')).toBeNull();
    expect(b.calls).toEqual([{ path: '/workers/w1/claim', authorization: 'Bearer rsw_test' }]);
    expect(client.baseUrl).toBe(`http://127.0.0.1:${(b.server.address() as { port: number }).port}`);
  });

  it('treats a reset connection as a lost replica too, and tries it no more once it has moved on', async () => {
    const a = resettingReplica();
    const b = answeringReplica();
    const client = new OrchestratorClient([await listen(a.server), await listen(b.server)], 'rsw_test');
    await client.claim('w1');
    await client.claim('w1');
    expect(a.connections()).toBe(1);
    expect(b.calls).toHaveLength(2);
  });

  it('does not move on an answer: a 4xx from a live replica is final', async () => {
    const a = resettingReplica();
    const b = answeringReplica();
    const client = new OrchestratorClient([await listen(b.server), await listen(a.server)], 'rsw_test');
    const error = await client.heartbeat('w1', { activeRuns: [] } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect((error as ApiRequestError).status).toBe(400);
    expect(a.connections()).toBe(0);
  });

  it('fails as with one URL when no replica can be reached, each tried once', async () => {
    const a = resettingReplica();
    const client = new OrchestratorClient([await listen(a.server), await refusedUrl()], 'rsw_test');
    const error = await client.claim('w1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect((error as ApiRequestError).status).toBeNull();
    expect((error as ApiRequestError).retryable).toBe(true);
    expect(a.connections()).toBe(1);
  });
});
