import type { ApiError, RunDto } from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createTeam } from '../support/identity.js';
import { tinyConfig } from '../support/runs.js';
import { api, type Stack, startStack } from '../support/stack.js';

/**
 * A run names its project, never its team (issue 8): `team/project`, or a bare slug when only one of the
 * caller's writable teams has it. Anything else is a 400 naming `project`, and stores nothing.
 */
describe('runs name a project the caller may write to', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_project_ref');
    // A team the admin is not in, with its own `default` project.
    const stranger = await createAccount(stack, 'stranger');
    await createTeam(stack, stranger.as, 'elsewhere');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const submit = (project: string) => api<RunDto & ApiError>(stack, 'POST', '/runs', { project, config: tinyConfig() });
  const runCount = async () => (await api<{ items: unknown[] }>(stack, 'GET', '/runs')).body.items.length;

  it('refuses a project that does not exist, and one of another team alike, naming the field', async () => {
    const before = await runCount();
    for (const ref of ['nope', 'elsewhere/default']) {
      const { status, body } = await submit(ref);
      expect(status).toBe(400);
      expect(body.issues).toEqual([
        { path: 'project', message: `no project '${ref}' in a team you may launch runs in` },
      ]);
    }
    expect(await runCount()).toBe(before);
  });

  it('asks for team/project when a bare slug names a project in two of your teams', async () => {
    await createTeam(stack, { token: stack.admin.apiKey }, 'second');
    const ambiguous = await submit('default');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.issues?.[0]?.path).toBe('project');
    expect(ambiguous.body.message).toBe(
      "'default' names more than one project (demo/default, second/default): write it as team/project",
    );
    expect((await submit('second/default')).status).toBe(201);
  });

  it('makes a new experiment once when runs and external runs name it at the same moment', async () => {
    // Before: Prisma's upsert on (projectId, name) read, then inserted, and 2-4 of 5 such creates got a 500.
    const creates = Array.from({ length: 12 }, (_, i) =>
      i % 2
        ? api(stack, 'POST', '/runs', { project: 'demo/default', experiment: 'born-together', config: tinyConfig() })
        : api(stack, 'POST', '/external-runs', {
            project: 'demo/default',
            experiment: 'born-together',
            name: `script-${i}`,
          }),
    );
    const answers = await Promise.all(creates);
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
    const experiments = (await api<{ id: string; name: string }[]>(stack, 'GET', '/experiments')).body;
    expect(experiments.filter((e) => e.name === 'born-together')).toHaveLength(1);
  });
});
