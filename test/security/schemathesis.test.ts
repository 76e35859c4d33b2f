import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClaimResponse, RunDto, WhoAmIDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.js';
import { startProcess } from '../support/processes.js';
import { tinyConfig } from '../support/runs.js';
import { api, DEMO_TEAM, enrolTestWorker, type Stack, startStack, teamId } from '../support/stack.js';

/** Installed into the project's .venv from test/security/requirements.txt by `make setup`. */
const SCHEMATHESIS = join(REPO_ROOT, '.venv', 'bin', 'schemathesis');
const HOOKS = join(REPO_ROOT, 'test', 'security', 'schemathesis_hooks.py');
/** A fixed seed: the same inputs every run, so a failure here is a failure on the next run too. */
const SEED = 20260801;
/** Cases per operation in the fuzzing phase; with the coverage and stateful phases, well under a minute on 2 cores. */
const MAX_EXAMPLES = 10;

/**
 * schemathesis (from PyPI) fuzzes the orchestrator from its own /openapi.json:
 * the coverage phase (boundary values of every schema), the fuzzing phase, and
 * the stateful phase (chains of calls linked by the ids one answer gives the
 * next). Any 5xx fails (not_a_server_error), and so does any status the spec
 * does not document for that operation (status_code_conformance).
 *
 * Two runs: every operation with the admin's API key (worker routes answer it
 * 403, as documented), then the worker routes with a worker's own secret, so
 * their bodies reach the database. schemathesis_hooks.py keeps the fuzzer from
 * revoking its own key or deleting the team it fuzzes, which would turn the
 * rest of the run into 401s and 400s.
 */
describe('schemathesis against /openapi.json (real orchestrator, real Postgres)', () => {
  let stack: Stack;
  let workDir: string;

  beforeAll(async () => {
    if (!existsSync(SCHEMATHESIS)) {
      throw new Error(`${SCHEMATHESIS} is missing: run \`make setup\` (it installs test/security/requirements.txt)`);
    }
    stack = await startStack('reslab_schemathesis');
    // schemathesis keeps its example database and reports in the working directory: a scratch one, not the repo.
    workDir = mkdtempSync(join(tmpdir(), 'reslab-schemathesis-'));
  });

  afterAll(async () => {
    await stack?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs schemathesis with `token` as the Bearer credential; prints its command, findings and summary. */
  async function schemathesis(token: string, env: Record<string, string>, only: string[] = []) {
    const args = [
      'run',
      `${stack.apiUrl}/openapi.json`,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'not_a_server_error,status_code_conformance',
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      String(SEED),
      '--workers',
      '1',
      '--request-timeout',
      '10',
      '--generation-database',
      'none',
      '--no-color',
      ...only,
    ];
    const run = startProcess(SCHEMATHESIS, args, { PYTHONUNBUFFERED: '1', SCHEMATHESIS_HOOKS: HOOKS, ...env }, workDir);
    const code = await run.exited;
    const output = run.output();
    // The command as a person would rerun it (the secret elided), and what schemathesis concluded.
    console.log(`SCHEMATHESIS_HOOKS=${HOOKS} schemathesis ${args.join(' ').replace(token, '<token>')}`);
    const section = (title: string) => output.lastIndexOf('\n', output.indexOf(` ${title} ===`));
    const from = output.includes(' FAILURES ===') ? section('FAILURES') : section('SUMMARY');
    console.log(output.slice(from >= 0 ? from : -4000));
    return { code, output };
  }

  it('finds no 5xx and no undocumented status on the worker routes, with a worker secret', async () => {
    const worker = await enrolTestWorker(stack, 'fuzzed-worker');
    const run = (await api<RunDto>(stack, 'POST', '/runs', { name: 'held for the fuzzer', config: tinyConfig() })).body;
    const claim = await api<ClaimResponse>(stack, 'POST', `/workers/${worker.id}/claim`, undefined, worker.as);
    expect(claim.body.assignment?.runId).toBe(run.id);
    const { code, output } = await schemathesis(
      worker.secret,
      { RESLAB_FUZZ_WORKER_ID: worker.id, RESLAB_FUZZ_RUN_ID: run.id },
      [
        '--include-path-regex',
        '^/workers(/\\{id\\}/(heartbeat|claim))?$|^/runs/\\{id\\}/(events|finish|artifacts)$',
        '--exclude-method',
        'GET',
      ],
    );
    expect(output).toMatch(/Selected: 6\//);
    expect(output).toContain('Stateful');
    expect(code, 'schemathesis exit status (findings above)').toBe(0);
  }, 180_000);

  it("finds no 5xx and no undocumented status on any operation, with the admin's API key", async () => {
    const me = (await api<WhoAmIDto>(stack, 'GET', '/auth/me')).body;
    const keep = [me.credential.id, me.user.id, await teamId(stack, DEMO_TEAM)];
    const { code, output } = await schemathesis(stack.admin.apiKey, { RESLAB_FUZZ_KEEP: keep.join(',') });
    expect(output).toContain('Stateful');
    // The admin's key still works: the run was not cut short by revoking it.
    expect((await api(stack, 'GET', '/auth/me')).status).toBe(200);
    expect(code, 'schemathesis exit status (findings above)').toBe(0);
    // 69 operations at MAX_EXAMPLES each: about 80 s on a quiet machine, 170 s seen on a loaded one.
  }, 360_000);
});
