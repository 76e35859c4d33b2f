import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  degradationTemplate,
  expandSweep,
  he2016Cifar10Depth110Template,
  he2016Cifar10Template,
  iterationBudget,
  type RunConfig,
  type RunDto,
  SweepSpec,
} from '@reslab/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reslab } from '../support/cli.js';
import { REPO_ROOT } from '../support/paths.js';
import { type Stack, startStack } from '../support/stack.js';

const SMOKE = `
name: cli smoke
experiment: cli
base:
  model: { depth: 8 }
  data: { dataset: synthetic, valSize: 200 }
  epochs: 2
grid:
  model.arch: [plain, resnet]
`;

describe('reslab CLI against a real orchestrator, worker and engine', () => {
  let stack: Stack;
  let file: (name: string, text: string) => string;

  beforeAll(async () => {
    stack = await startStack('reslab_cli');
    await stack.startWorker('cli-worker');
    file = (name, text) => {
      const path = join(stack.workDir, name);
      writeFileSync(path, text);
      return path;
    };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('submits a sweep, lists its runs, follows one to success and lists the worker', async () => {
    const submitted = await reslab(stack, ['sweep', 'submit', file('smoke.yaml', SMOKE)]);
    expect(submitted, submitted.stderr).toMatchObject({ code: 0 });
    const sweepId = submitted.stdout.match(/sweep ([0-9a-f-]{36}) queued: 2 runs/)?.[1];
    expect(sweepId, submitted.stdout).toBeDefined();

    const listed = await reslab(stack, ['runs', 'ls', '--sweep', sweepId as string, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const runs = JSON.parse(listed.stdout) as RunDto[];
    expect(runs.map((r) => r.config.model.arch).sort()).toEqual(['plain', 'resnet']);

    // The queue hands out a sweep's runs in grid order, so plain runs first; the test does not wait for resnet.
    const plain = runs.find((r) => r.config.model.arch === 'plain') as RunDto;
    const followed = await reslab(stack, ['runs', 'follow', plain.id], 100_000);
    expect(followed, `${followed.stdout}\n${followed.stderr}\n${stack.workers[0]?.output()}`).toMatchObject({
      code: 0,
    });
    // Every epoch of every split, once each, whether it came from the snapshot or the live stream.
    const epochLines = followed.stdout.split('\n').filter((line) => line.startsWith('epoch '));
    expect(epochLines.map((line) => line.split(/\s+/).slice(1, 3).join(' ')).sort()).toEqual([
      '1/2 train',
      '1/2 val',
      '2/2 test',
      '2/2 train',
      '2/2 val',
    ]);
    for (const line of epochLines) expect(line).toMatch(/loss \d+\.\d{4} {2}acc +\d+\.\d{2}% {2}macro-F1 \d\.\d{4}/);
    expect(followed.stdout).toContain(`run ${plain.id} succeeded`);

    const table = await reslab(stack, ['runs', 'ls', '--sweep', sweepId as string]);
    expect(table.stdout).toMatch(new RegExp(`${plain.id.slice(0, 8)} +plain +succeeded +1/3 +cli-worker +2/2`));

    const workers = await reslab(stack, ['workers', 'ls']);
    expect(workers.code, workers.stderr).toBe(0);
    expect(workers.stdout).toMatch(/^NAME +HOST +SLOTS/);
    expect(workers.stdout).toMatch(/cli-worker +\S+ +1 +- /);

    const shown = await reslab(stack, ['sweep', 'show', (sweepId as string).slice(0, 8)]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('cli smoke');
  }, 120_000);

  it("expands the paper's CIFAR-10 example offline into 16 runs of 182 epochs, and names a bad field", async () => {
    const example = join(REPO_ROOT, 'apps', 'cli', 'examples', 'he2016-cifar10.yaml');
    const expanded = await reslab(stack, ['sweep', 'expand', example]);
    expect(expanded.code, expanded.stderr).toBe(0);
    const runs = expanded.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; config: RunConfig });
    expect(runs).toHaveLength(16); // plain and resnet x depths 20, 32, 44, 56 x seeds 0, 1
    expect(runs[0]?.name).toBe('plain20 seed0');
    expect(iterationBudget(runs[0]?.config as RunConfig)).toEqual({
      trainImages: 45000,
      iterationsPerEpoch: 352,
      iterations: 64064,
      lrDrops: [32032, 48048],
    });
    // The file and the server's template are one recipe: same runs, same configs.
    for (const [name, make] of [
      ['degradation', degradationTemplate],
      ['he2016-cifar10', he2016Cifar10Template],
      ['he2016-cifar10-110', he2016Cifar10Depth110Template],
    ] as const) {
      const fromFile = await reslab(stack, [
        'sweep',
        'expand',
        join(REPO_ROOT, 'apps', 'cli', 'examples', `${name}.yaml`),
      ]);
      const fromTemplate = expandSweep(SweepSpec.parse(make()));
      if (!fromTemplate.ok) throw new Error(`template ${name} does not expand`);
      expect(
        fromFile.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
        `${name}.yaml drifted from its template`,
      ).toEqual(fromTemplate.runs.map((run) => JSON.parse(JSON.stringify(run))));
    }
    const bad = await reslab(stack, [
      'sweep',
      'expand',
      file('lr.yaml', SMOKE.replace('epochs:', 'optim: { lr: -1 }\n  epochs:')),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/lr\.yaml: base\.optim\.lr: /);
  });

  it('refuses a depth that is no network, naming the file, the grid field and the combination', async () => {
    const bad = await reslab(stack, ['sweep', 'submit', file('depth21.yaml', SMOKE.replace('depth: 8', 'depth: 21'))]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/depth21\.yaml: base\.model\.depth: plain21 is not a known network/);

    const grid = await reslab(stack, [
      'sweep',
      'submit',
      file('grid21.yaml', `${SMOKE}  depth: [8, 21]\n`),
      '--dry-run',
    ]);
    expect(grid.code).toBe(1);
    expect(grid.stderr).toMatch(
      /grid21\.yaml: grid\.depth: resnet21 is not a known network.*model\.arch=resnet, model\.depth=21/,
    );
    expect(grid.stderr).not.toMatch(/\n\s+at /); // no stack trace for an expected error
  });

  it('refuses a file that does not parse, naming the file and the line', async () => {
    const broken = await reslab(stack, ['sweep', 'submit', file('broken.yaml', 'name: [unclosed\ngrid: {\n')]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.yaml: line \d+, column \d+: /);
  });

  it('reports API errors with each bad field, and usage errors with exit 2', async () => {
    const missing = await reslab(stack, ['runs', 'cancel', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^reslab: run 0{8}-0{4}-4000-8000-0{12} does not exist$/m);

    const usage = await reslab(stack, ['runs', 'ls', '--status', 'sleeping']);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
  });
});
