import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type ArtifactDto,
  type ClaimResponse,
  type ProjectDto,
  type RunDto,
  type SessionDto,
  type ShareDto,
  STREAM,
  type SweepDetailDto,
  type WhoAmIDto,
  type WorkerDto,
} from '@reslab/contracts';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  createAccount,
  createTeam,
  grantRole,
  handshake,
  minimalBody,
  openStream,
  operationName,
  type SpecOperation,
  signIn,
  specOperations,
  subscribeRoom,
} from '../support/identity.js';
import { waitFor } from '../support/processes.js';
import { epochMetric, tinyConfig } from '../support/runs.js';
import {
  api,
  callApi,
  DEMO_TEAM,
  enrolTestWorker,
  type RawAnswer,
  type Stack,
  startStack,
  type TestWorker,
  teamId,
} from '../support/stack.js';

/**
 * Team B's credentials against team A's objects, for every operation the
 * orchestrator describes at /openapi.json (the route list is read from the
 * running server, not written here), and for every socket room.
 *
 * The rules checked:
 * - no credential: 401 on every operation whose spec entry is not `security: []`;
 * - B's key on an operation that names one of A's objects by `{id}`: 404, worded exactly as for an id that
 *   does not exist, so ids cannot be probed. Worker routes (summary "Worker:") take a worker secret only and
 *   refuse a user's key outright with 403, before any object is looked at;
 * - B's key on an operation without `{id}` whose body or query points at A's objects: the same answer as when
 *   it points at objects that do not exist;
 * - no answer to B, and no public answer, holds any of A's ids;
 * - B's worker cannot act for A's worker, write to A's runs, renew their leases, or claim them.
 * A "cross-team success" is an answer that did or told B something only because A's object exists.
 */
describe('team isolation, generated from /openapi.json (real orchestrator, real Postgres)', () => {
  let stack: Stack;
  let operations: SpecOperation[];
  const sockets: Socket[] = [];

  // Team A: the demo team, its owner the stack's admin.
  let teamA: string;
  let memberA: Account;
  let workerA: TestWorker;
  let runHeld: RunDto;
  let runQueued: RunDto;
  let sweepA: SweepDetailDto;
  let shareA: ShareDto;
  let artifactA: ArtifactDto;
  let analysisA: string;
  let externalA: string;
  let projectA: ProjectDto;
  let keyIdA: string;
  let sessionIdA: string;
  let sessionA: string;
  // Team B: a user the admin created, who started a team of their own.
  let userB: Account;
  let teamB: string;
  let workerB: TestWorker;
  /** Every id of team A and its people: none may appear in anything B or an anonymous caller is answered. */
  const idsOfA = new Set<string>();

  beforeAll(async () => {
    stack = await startStack('reslab_isolation');
    operations = await specOperations(stack);
    teamA = await teamId(stack, DEMO_TEAM);
    const me = (await api<WhoAmIDto>(stack, 'GET', '/auth/me')).body;
    keyIdA = me.credential.id;
    sessionA = await signIn(stack, stack.admin.email, stack.admin.password);
    const sessions = (await api<SessionDto[]>(stack, 'GET', '/auth/sessions', undefined, { token: sessionA })).body;
    sessionIdA = sessions.find((s) => s.current)?.id as string;
    memberA = await createAccount(stack, 'a-member');
    await grantRole(stack, teamA, memberA.email, 'member');
    projectA = (await api<ProjectDto[]>(stack, 'GET', '/projects')).body.find(
      (p) => p.path === `${DEMO_TEAM}/default`,
    ) as ProjectDto;

    // A run held by A's worker, with a metric and an artifact (its file in the store, so A can download it).
    workerA = await enrolTestWorker(stack, 'a-worker');
    runHeld = (await api<RunDto>(stack, 'POST', '/runs', { name: 'held', config: tinyConfig() })).body;
    const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${workerA.id}/claim`, undefined, workerA.as);
    expect(claim.body.assignment?.runId).toBe(runHeld.id);
    const events = await api(
      stack,
      'POST',
      `/runs/${runHeld.id}/events`,
      { workerId: workerA.id, attempt: 1, seq: 1, events: [epochMetric(1, 'train', 1.5)] },
      workerA.as,
    );
    expect(events.status, JSON.stringify(events.body)).toBe(200);
    const content = Buffer.from('weights of team A');
    const artifactPath = `runs/${runHeld.id}/attempt-1/model.safetensors`;
    const stored = join(stack.workDir, 'artifacts', artifactPath);
    mkdirSync(dirname(stored), { recursive: true });
    writeFileSync(stored, content);
    const artifact = await api<ArtifactDto>(
      stack,
      'POST',
      `/runs/${runHeld.id}/artifacts`,
      {
        workerId: workerA.id,
        attempt: 1,
        kind: 'weights',
        path: artifactPath,
        sizeBytes: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      },
      workerA.as,
    );
    expect(artifact.status, JSON.stringify(artifact.body)).toBe(201);
    artifactA = artifact.body;
    runHeld = (await api<RunDto>(stack, 'GET', `/runs/${runHeld.id}`)).body;
    runQueued = (await api<RunDto>(stack, 'POST', '/runs', { name: 'queued', config: tinyConfig() })).body;
    sweepA = (
      await api<SweepDetailDto>(stack, 'POST', '/sweeps', {
        name: 'a-sweep',
        base: tinyConfig(),
        grid: { seed: [0, 1] },
      })
    ).body;
    const share = await api<{ share: ShareDto }>(stack, 'POST', '/shares', { kind: 'sweep', sweepId: sweepA.id });
    expect(share.status, JSON.stringify(share.body)).toBe(201);
    shareA = share.body.share;
    // An analysis of A's run (cost: it needs no checkpoint, so the run need not have finished).
    const analysis = await api<{ id: string }>(stack, 'POST', `/runs/${runHeld.id}/analyses`, { kind: 'cost' });
    expect(analysis.status, JSON.stringify(analysis.body)).toBe(201);
    analysisA = analysis.body.id;
    // A run trained elsewhere and logged in (issue 12), with a point to read back.
    externalA = (await api<{ id: string }>(stack, 'POST', '/external-runs', { name: 'external' })).body.id;
    const logged = await api(stack, 'POST', `/external-runs/${externalA}/log`, {
      metrics: [{ key: 'x', value: 1, step: 0, timestamp: 0 }],
    });
    expect(logged.status, JSON.stringify(logged.body)).toBe(200);

    for (const id of [
      teamA,
      memberA.id,
      me.user.id,
      keyIdA,
      sessionIdA,
      projectA.id,
      workerA.id,
      runHeld.id,
      runHeld.experimentId,
      runQueued.id,
      sweepA.id,
      sweepA.experimentId,
      ...sweepA.runs.map((r) => r.id),
      shareA.id,
      artifactA.id,
      analysisA,
      externalA,
    ]) {
      idsOfA.add(id);
    }

    userB = await createAccount(stack, 'b-owner');
    teamB = (await createTeam(stack, userB.as, 'team-b')).id;
    workerB = await enrolTestWorker({ apiUrl: stack.apiUrl, admin: userB }, 'b-worker', { teamId: teamB });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack?.stop();
  });

  /** A's object of the kind the path's first segment names: /runs/{id} a run, /teams/{id} the team, and so on. */
  function objectOfA(path: string, param: string): string {
    if (param === 'userId') return memberA.id;
    const kind = path.split('/')[1];
    const byKind: Record<string, string> = {
      runs: runHeld.id,
      sweeps: sweepA.id,
      teams: teamA,
      workers: workerA.id,
      shares: shareA.id,
      keys: keyIdA,
      auth: sessionIdA,
      artifacts: artifactA.id,
      experiments: runHeld.experimentId,
      analyses: analysisA,
      'external-runs': externalA,
    };
    const id = kind === undefined ? undefined : byKind[kind];
    if (!id) throw new Error(`${path}: no object of team A for {${param}}; add the kind '${kind}' to objectOfA`);
    return id;
  }

  /** The request for `op` pointing at A's objects, and its twin pointing at objects that do not exist. */
  function requests(op: SpecOperation, workerId: string) {
    const real = new Map<string, string>(); // A's id -> a random id in the twin
    const pick = (id: string) => {
      if (!real.has(id)) real.set(id, randomUUID());
      return id;
    };
    let path = op.path;
    for (const param of op.pathParams) path = path.replace(`{${param}}`, pick(objectOfA(op.path, param)));
    const query = new URLSearchParams();
    if (op.queryParams.includes('sweepId')) query.set('sweepId', pick(sweepA.id));
    if (op.queryParams.includes('workerId')) query.set('workerId', pick(workerA.id));
    if (op.queryParams.includes('key')) query.set('key', 'x');
    const named = {
      runId: pick(runHeld.id),
      sweepId: pick(sweepA.id),
      teamId: pick(teamA),
      runIds: [pick(runHeld.id), pick(runQueued.id)],
      workerId,
      project: `${DEMO_TEAM}/default`,
      email: memberA.email,
      config: tinyConfig(),
      base: tinyConfig(),
      events: [epochMetric(2, 'train', 9.9)],
    };
    const body = op.bodySchema ? minimalBody(op.bodySchema, named) : undefined;
    const target = `${path}${query.size ? `?${query}` : ''}`;
    const sent = target + JSON.stringify(body ?? null);
    for (const id of [...real.keys()]) if (!sent.includes(id)) real.delete(id);
    let twin = JSON.stringify({ target, body });
    for (const [id, random] of real) twin = twin.replaceAll(id, random);
    twin = twin.replaceAll(`"${DEMO_TEAM}/default"`, '"no-such-team/default"');
    const other = JSON.parse(twin) as { target: string; body: unknown };
    const aboutA = real.size > 0 || JSON.stringify(body ?? null).includes(`"${DEMO_TEAM}/default"`);
    return { target, body, twinTarget: other.target, twinBody: other.body, real, aboutA };
  }

  /** A's ids in an answer, other than those the request itself named (an error may quote the id it was given). */
  const leaks = (answer: unknown, asked = '') => {
    const text = typeof answer === 'string' ? answer : JSON.stringify(answer ?? '');
    return [...idsOfA].filter((id) => text.includes(id) && !asked.includes(id));
  };
  /** An answer's message with the ids it was about replaced, to compare the answers for A's ids and random ones. */
  const wording = (answer: RawAnswer, ids: Map<string, string>, twin: boolean) => {
    let text = answer.text.replaceAll(twin ? 'no-such-team/default' : `${DEMO_TEAM}/default`, '<project>');
    for (const [id, random] of ids) text = text.replaceAll(twin ? random : id, '<id>');
    return text;
  };

  it('answers 401 to every operation that needs a credential, and no public answer holds an id of team A', async () => {
    const wrong: string[] = [];
    let tried = 0;
    for (const op of operations) {
      const { target, body } = requests(op, workerA.id);
      const answer = await callApi(stack, op.method, target, { token: null, body });
      tried++;
      if (!op.isPublic && answer.status !== 401) wrong.push(`${operationName(op)}: ${answer.status}`);
      // Read whole, JSON or not (/metrics is Prometheus text).
      const leaked = leaks(answer.text, target + JSON.stringify(body ?? null));
      if (leaked.length) wrong.push(`${operationName(op)}: answered ${leaked.join(', ')} of team A anonymously`);
    }
    console.log(
      `no credential: ${tried} operations tried, ${operations.filter((o) => !o.isPublic).length} need one, ${wrong.length} wrong`,
    );
    expect(wrong).toEqual([]);
  });

  it("gives team B's key a 404 for every one of team A's objects, 403 on worker routes, and none of A's ids", async () => {
    // Reads first, then writes, then deletes: a write that wrongly succeeded cannot hide a read behind it.
    const order = ['GET', 'POST', 'PUT', 'DELETE'];
    const sorted = [...operations].sort((a, b) => order.indexOf(a.method) - order.indexOf(b.method));
    const wrong: string[] = [];
    const successes: string[] = [];
    let tried = 0;
    let readControl = 0;
    for (const op of sorted) {
      const { target, body, twinTarget, twinBody, real, aboutA } = requests(op, workerA.id);
      // The object is real: A's own key reads it (read operations only; writes would change A's state).
      if (op.method === 'GET' && op.pathParams.length) {
        const own = await callApi(stack, op.method, target, { token: stack.admin.apiKey });
        if (own.status !== 200) wrong.push(`${operationName(op)}: A's own key got ${own.status} on ${target}`);
        readControl++;
      }
      const answer = await callApi(stack, op.method, target, { token: userB.apiKey, body });
      const twin = await callApi(stack, op.method, twinTarget, { token: userB.apiKey, body: twinBody });
      tried++;
      const name = `${operationName(op)} (${answer.status})`;
      const sameAsMissing = answer.status === twin.status && wording(answer, real, false) === wording(twin, real, true);
      const leaked = leaks(answer.text, target + JSON.stringify(body ?? null));
      if (leaked.length) successes.push(`${name}: answered ${leaked.join(', ')}`);
      if (op.isPublic) continue;
      if (op.workerOnly) {
        if (answer.status !== 403) wrong.push(`${name}: expected 403, a user key on a worker route`);
      } else if (op.pathParams.length) {
        if (answer.status !== 404) wrong.push(`${name}: expected 404 for another team's object`);
        if (!sameAsMissing) wrong.push(`${name}: told apart from a missing id: ${twin.status} ${twin.text}`);
      } else if (aboutA && !sameAsMissing) {
        wrong.push(
          `${name}: answered otherwise than for missing objects: ${answer.text} vs ${twin.status} ${twin.text}`,
        );
      }
      if (aboutA && answer.status < 300 && !(twin.status < 300)) successes.push(name);
    }
    console.log(
      `team B's key on team A's objects: ${tried} operations tried (${readControl} read back with A's key first), ` +
        `${wrong.length} wrong answers, cross-team successes: ${successes.length}`,
    );
    expect(wrong).toEqual([]);
    expect(successes).toEqual([]);

    // Nothing of A changed under B's writes and deletes.
    expect((await api<RunDto>(stack, 'GET', `/runs/${runHeld.id}`)).body).toMatchObject({
      status: 'running',
      attempt: 1,
      cancelRequestedAt: null,
    });
    expect((await api<RunDto>(stack, 'GET', `/runs/${runQueued.id}`)).body.status).toBe('queued');
    expect((await api<SweepDetailDto>(stack, 'GET', `/sweeps/${sweepA.id}`)).body.counts.queued).toBe(2);
    expect((await api<ShareDto[]>(stack, 'GET', '/shares')).body.find((s) => s.id === shareA.id)?.revokedAt).toBeNull();
    expect(
      (await api<WorkerDto[]>(stack, 'GET', '/workers')).body.find((w) => w.id === workerA.id)?.revokedAt,
    ).toBeNull();
    expect((await api(stack, 'GET', '/auth/me', undefined, { token: sessionA })).status).toBe(200);
    const members = (await api<{ userId: string; role: string }[]>(stack, 'GET', `/teams/${teamA}/members`)).body;
    expect(members.find((m) => m.userId === memberA.id)?.role).toBe('member');
  });

  it("keeps team B's worker to its own id and runs: no write, lease or claim on team A's", async () => {
    const wrong: string[] = [];
    let tried = 0;
    for (const op of operations.filter((o) => o.workerOnly)) {
      const { target, body, twinTarget, twinBody, real } = requests(op, workerB.id);
      const answer = await callApi(stack, op.method, target, { token: workerB.secret, body });
      const twin = await callApi(stack, op.method, twinTarget, { token: workerB.secret, body: twinBody });
      tried++;
      const name = `${operationName(op)} (${answer.status})`;
      const leaked = leaks(answer.text, target + JSON.stringify(body ?? null));
      if (leaked.length) wrong.push(`${name}: answered ${leaked.join(', ')}`);
      if (op.path.startsWith('/workers/{id}')) {
        // Another worker's id in the path: refused for being someone else, whichever team.
        if (answer.status !== 403) wrong.push(`${name}: expected 403 for another worker's id`);
      } else if (real.size) {
        if (answer.status < 300) wrong.push(`${name}: a write to team A's run succeeded`);
        if (answer.status !== twin.status || wording(answer, real, false) !== wording(twin, real, true)) {
          wrong.push(`${name}: told apart from a missing run: ${answer.text} vs ${twin.status} ${twin.text}`);
        }
      }
    }
    console.log(`team B's worker on team A's worker routes: ${tried} operations tried, ${wrong.length} wrong`);
    expect(wrong).toEqual([]);

    // A heartbeat naming A's run moves nothing and tells B's worker to stop it.
    const before = (await api<RunDto>(stack, 'GET', `/runs/${runHeld.id}`)).body;
    const beat = await api<{ stop: unknown[] }>(
      stack,
      'POST',
      `/workers/${workerB.id}/heartbeat`,
      { runs: [{ runId: runHeld.id, attempt: 1 }] },
      workerB.as,
    );
    expect(beat.status).toBe(200);
    expect(beat.body.stop).toEqual([{ runId: runHeld.id, attempt: 1 }]);
    const after = (await api<RunDto>(stack, 'GET', `/runs/${runHeld.id}`)).body;
    expect(after.leaseExpiresAt).toBe(before.leaseExpiresAt);
    // A has queued runs; B's worker serves team B only.
    const queuedOfA = (await api<{ items: RunDto[] }>(stack, 'GET', '/runs?status=queued')).body.items;
    expect(queuedOfA.length).toBeGreaterThan(0);
    const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${workerB.id}/claim`, undefined, workerB.as);
    expect(claim.body).toEqual({ assignment: null });
  });

  it("refuses team B's socket every room of team A; B's workers room and stream carry nothing of A", async () => {
    const anonymous = openStream(stack, { token: null });
    sockets.push(anonymous);
    expect(await handshake(anonymous)).toMatchObject({ outcome: 'refused', status: 401 });

    const socketB = openStream(stack, { token: userB.apiKey });
    const socketA = openStream(stack, { token: stack.admin.apiKey });
    sockets.push(socketB, socketA);
    const heardByB: { event: string; message: unknown }[] = [];
    socketB.onAny((event: string, message: unknown) => heardByB.push({ event, message }));
    expect((await handshake(socketB)).outcome).toBe('connected');
    expect((await handshake(socketA)).outcome).toBe('connected');

    const rooms = [
      { kind: 'run', id: runHeld.id },
      { kind: 'run', id: runQueued.id },
      { kind: 'run', id: externalA },
      { kind: 'externalRun', id: externalA },
      { kind: 'sweep', id: sweepA.id },
      { kind: 'analysis', id: analysisA },
    ] as const;
    let refused = 0;
    for (const room of rooms) {
      const ack = await subscribeRoom(socketB, room);
      const missing = await subscribeRoom(socketB, { kind: room.kind, id: randomUUID() });
      expect(ack, `B subscribing to A's ${room.kind} ${room.id}`).toMatchObject({ ok: false });
      // Worded as for a room that does not exist.
      const text = (a: typeof ack) => (a.ok ? '' : a.error.replace(/[0-9a-f-]{36}/g, '<id>'));
      expect(text(ack)).toBe(text(missing));
      refused++;
    }
    const workersRoom = await subscribeRoom(socketB, { kind: 'workers' });
    expect(workersRoom.ok).toBe(true);
    const snapshot = workersRoom.ok ? (workersRoom.snapshot as WorkerDto[]) : [];
    expect(snapshot.map((w) => w.id)).toContain(workerB.id);
    expect(leaks(snapshot)).toEqual([]);

    // A's run is live: A's own socket hears its event, B's hears nothing of it.
    const runRoomA = await subscribeRoom(socketA, { kind: 'run', id: runHeld.id });
    expect(runRoomA.ok).toBe(true);
    const heardByA: unknown[] = [];
    socketA.on(STREAM.runEvent, (message: unknown) => heardByA.push(message));
    await api(
      stack,
      'POST',
      `/runs/${runHeld.id}/events`,
      { workerId: workerA.id, attempt: 1, seq: 2, events: [epochMetric(1, 'val', 1.4)] },
      workerA.as,
    );
    await api(
      stack,
      'POST',
      `/workers/${workerA.id}/heartbeat`,
      { runs: [{ runId: runHeld.id, attempt: 1 }] },
      workerA.as,
    );
    await enrolTestWorker(stack, 'a-worker-late');
    const beatB = await api<{ worker: WorkerDto }>(stack, 'POST', `/workers/${workerB.id}/heartbeat`, {}, workerB.as);
    await waitFor('A to hear its run event', async () => (heardByA.length ? true : undefined), 10_000);
    await waitFor(
      'B to hear its own worker heartbeat',
      async () =>
        heardByB.some(
          (h) =>
            h.event === STREAM.workers &&
            (h.message as WorkerDto[]).some(
              (w) => w.id === workerB.id && w.lastHeartbeatAt === beatB.body.worker.lastHeartbeatAt,
            ),
        )
          ? true
          : undefined,
      10_000,
    );
    const late = (await api<WorkerDto[]>(stack, 'GET', '/workers')).body.find((w) => w.name === 'a-worker-late');
    if (late) idsOfA.add(late.id);
    expect(heardByB.filter((h) => h.event === STREAM.runEvent)).toEqual([]);
    expect(heardByB.filter((h) => leaks(h.message).length)).toEqual([]);
    console.log(
      `socket rooms: ${refused} rooms of team A refused to B, workers room of ${snapshot.length} workers, ` +
        `${heardByB.length} messages pushed to B, cross-team: 0`,
    );
  });
});
