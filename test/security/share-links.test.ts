import {
  CREDENTIAL_PREFIX,
  type CreatedShare,
  type Page,
  type RunDto,
  type ShareDto,
  type SweepDetailDto,
  type WhoAmIDto,
} from '@reslab/contracts';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disconnection,
  handshake,
  minimalBody,
  openStream,
  operationName,
  type SpecOperation,
  specOperations,
  subscribeRoom,
} from '../support/identity.js';
import { tinyConfig } from '../support/runs.js';
import { api, callApi, enrolTestWorker, type Stack, startStack } from '../support/stack.js';

/**
 * A share link opens its run, sweep or comparison read-only, with no account:
 * the token is the only credential sent (no cookie, no key). It shows nothing
 * beyond what it shares, writes nothing, and once revoked fails on the next
 * REST call and has its socket closed.
 */
describe('share links (real orchestrator, real Postgres)', () => {
  let stack: Stack;
  let operations: SpecOperation[];
  let shared: SweepDetailDto;
  let otherSweep: SweepDetailDto;
  let loose: RunDto;
  let link: CreatedShare;
  /**
   * Ids the link must not show: other runs and sweeps, the team's worker, its people and the admin's key. (The
   * team's own id is in ShareDto by contract, an opaque id that opens nothing to a link.)
   */
  const notShared = new Set<string>();
  const sockets: Socket[] = [];

  beforeAll(async () => {
    stack = await startStack('reslab_share_links');
    operations = await specOperations(stack);
    const sweep = (name: string, seeds: number[]) =>
      api<SweepDetailDto>(stack, 'POST', '/sweeps', { name, base: tinyConfig(), grid: { seed: seeds } });
    shared = (await sweep('shared', [0, 1])).body;
    otherSweep = (await sweep('not shared', [2])).body;
    loose = (await api<RunDto>(stack, 'POST', '/runs', { name: 'loose', config: tinyConfig() })).body;
    const created = await api<CreatedShare>(stack, 'POST', '/shares', { kind: 'sweep', sweepId: shared.id });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    link = created.body;
    const worker = await enrolTestWorker(stack, 'team-worker');
    const me = (await api<WhoAmIDto>(stack, 'GET', '/auth/me')).body;
    for (const id of [
      loose.id,
      otherSweep.id,
      ...otherSweep.runs.map((r) => r.id),
      worker.id,
      me.user.id,
      me.credential.id,
    ]) {
      notShared.add(id);
    }
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack?.stop();
  });

  /** A call with the link's token as the only credential, as a browser with no account makes it. */
  const asLink = (method: string, path: string, body?: unknown, token = link.token) =>
    callApi(stack, method, path, { token, body });

  it('is unguessable and shown once: 256 random bits, listed by its prefix only', async () => {
    expect(link.token.startsWith(CREDENTIAL_PREFIX.shareLink)).toBe(true);
    // 128 bits or more: 22 base64url characters carry 132.
    expect(link.token.length - CREDENTIAL_PREFIX.shareLink.length).toBeGreaterThanOrEqual(22);
    expect(link.path).toBe(`/s/${link.token}`);
    const listed = await api<ShareDto[]>(stack, 'GET', '/shares');
    expect(listed.body.map((s) => s.id)).toContain(link.share.id);
    expect(JSON.stringify(listed.body)).not.toContain(link.token);
  });

  it('opens the sweep, its runs and their metrics without an account, and nothing else of the team', async () => {
    const current = await asLink('GET', '/shares/current');
    // Soft: what else the link opens is checked even when this fails.
    expect.soft(current.status, `GET /shares/current: ${current.text}`).toBe(200);
    expect.soft(current.json).toMatchObject({ id: link.share.id, kind: 'sweep', sweepId: shared.id });
    const [first] = shared.runs;
    const reads = [
      `/sweeps/${shared.id}`,
      `/runs/${first?.id}`,
      `/runs/${first?.id}/metrics`,
      `/runs/${first?.id}/grad-flow`,
      `/runs/${first?.id}/artifacts`,
      `/experiments/${shared.experimentId}`,
    ];
    for (const path of reads) {
      const answer = await asLink('GET', path);
      expect.soft(answer.status, `${path}: ${answer.text}`).toBe(200);
    }
    const listed = (await asLink('GET', `/runs?sweepId=${shared.id}`)).json as Page<RunDto>;
    expect(listed.items.map((r) => r.id).sort()).toEqual(shared.runs.map((r) => r.id).sort());

    // Another run, another sweep: as if they did not exist.
    for (const path of [`/runs/${loose.id}`, `/sweeps/${otherSweep.id}`, `/runs/${otherSweep.runs[0]?.id}`]) {
      expect((await asLink('GET', path)).status, path).toBe(404);
    }
    // Every list the API has (every GET without an id, from /openapi.json) shows nothing outside the link.
    const lists = operations.filter((o) => o.method === 'GET' && o.pathParams.length === 0);
    const shown: string[] = [];
    for (const op of lists) {
      const answer = await asLink('GET', op.path);
      for (const id of notShared)
        if (answer.text.includes(id)) shown.push(`${operationName(op)} (${answer.status}): ${id}`);
    }
    console.log(`share link: ${reads.length + 2} reads of the shared sweep, ${lists.length} lists checked`);
    expect(shown).toEqual([]);
  });

  it("does not tell a viewer with no account who the team's people are: no e-mail in any answer to the link", async () => {
    // The link is meant to be passed around; the e-mail of the person who made it is not part of what it shares.
    const paths = new Set([
      '/shares/current',
      `/sweeps/${shared.id}`,
      `/runs/${shared.runs[0]?.id}`,
      `/experiments/${shared.experimentId}`,
      ...operations.filter((o) => o.method === 'GET' && o.pathParams.length === 0).map((o) => o.path),
    ]);
    const told: string[] = [];
    for (const path of paths) {
      const answer = await asLink('GET', path);
      if (answer.text.includes(stack.admin.email)) told.push(`GET ${path} (${answer.status})`);
    }
    expect(told, `answers to the link that name ${stack.admin.email}`).toEqual([]);
  });

  it('changes nothing: every operation other than a read is 403 (generated from /openapi.json)', async () => {
    const writes = operations.filter((o) => o.method !== 'GET' && !o.isPublic);
    const wrong: string[] = [];
    const byKind: Record<string, string> = {
      runs: shared.runs[0]?.id as string,
      sweeps: shared.id,
      shares: link.share.id,
      teams: link.share.teamId,
    };
    for (const op of writes) {
      let path = op.path;
      for (const param of op.pathParams) {
        path = path.replace(
          `{${param}}`,
          byKind[op.path.split('/')[1] ?? ''] ?? '00000000-0000-4000-8000-000000000000',
        );
      }
      const body = op.bodySchema
        ? minimalBody(op.bodySchema, { sweepId: shared.id, runId: shared.runs[0]?.id, config: tinyConfig() })
        : undefined;
      const answer = await asLink(op.method, path, body);
      if (answer.status !== 403) wrong.push(`${operationName(op)}: ${answer.status} ${answer.text}`);
    }
    console.log(`share link: ${writes.length} writing operations tried, ${wrong.length} not refused`);
    expect(wrong).toEqual([]);
    const still = (await api<SweepDetailDto>(stack, 'GET', `/sweeps/${shared.id}`)).body;
    expect(still.counts.cancelled ?? 0).toBe(0);
  });

  it('opens a run link and a comparison link on exactly their runs', async () => {
    const runLink = (await api<CreatedShare>(stack, 'POST', '/shares', { kind: 'run', runId: loose.id })).body;
    const [a, b] = shared.runs;
    const comparison = (
      await api<CreatedShare>(stack, 'POST', '/shares', { kind: 'comparison', runIds: [a?.id, loose.id] })
    ).body;
    const status = async (path: string, token: string) => (await asLink('GET', path, undefined, token)).status;
    expect(await status(`/runs/${loose.id}`, runLink.token)).toBe(200);
    expect(await status(`/runs/${a?.id}`, runLink.token)).toBe(404);
    expect(await status(`/sweeps/${shared.id}`, runLink.token)).toBe(404);
    expect(await status(`/runs/${a?.id}`, comparison.token)).toBe(200);
    expect(await status(`/runs/${loose.id}`, comparison.token)).toBe(200);
    expect(await status(`/runs/${b?.id}`, comparison.token)).toBe(404);
    expect(await status(`/sweeps/${shared.id}`, comparison.token)).toBe(404);
  });

  it('fails on the next REST call once revoked, and its open socket is disconnected', async () => {
    const socket = openStream(stack, { token: link.token });
    sockets.push(socket);
    expect((await handshake(socket)).outcome).toBe('connected');
    expect(await subscribeRoom(socket, { kind: 'sweep', id: shared.id })).toMatchObject({ ok: true });
    expect(await subscribeRoom(socket, { kind: 'run', id: shared.runs[0]?.id as string })).toMatchObject({ ok: true });
    expect(await subscribeRoom(socket, { kind: 'run', id: loose.id })).toMatchObject({ ok: false });
    expect(await subscribeRoom(socket, { kind: 'workers' })).toMatchObject({ ok: false });
    const closed = disconnection(socket, 'the socket of a revoked share link');

    const revoked = await api<ShareDto>(stack, 'DELETE', `/shares/${link.share.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();

    const next = await asLink('GET', '/shares/current');
    expect(next.status).toBe(401);
    expect(next.text).not.toContain(link.token);
    expect((await asLink('GET', `/sweeps/${shared.id}`)).status).toBe(401);
    const reason = await closed;
    console.log(`share link revoked: next REST call ${next.status}, socket closed (${reason})`);
    const again = openStream(stack, { token: link.token });
    sockets.push(again);
    expect(await handshake(again)).toMatchObject({ outcome: 'refused', status: 401 });
  });
});
