import { describe, expect, it } from 'vitest';
import { fieldIssues, RunConfig } from '../src/index.js';

const withRoot = (root: string) => ({
  model: { arch: 'resnet', depth: 20 },
  data: { dataset: 'imagefolder', root },
  epochs: 1,
});

describe('RunConfig data.root: a name under the worker’s data folders, never a server path', () => {
  it.each(['pets', 'cifar/cifar-10-batches-py', 'a..b', 'v1.2/train-set'])('takes the name %j', (root) => {
    expect(RunConfig.parse(withRoot(root)).data.root).toBe(root);
  });

  it.each([
    ['/etc', 'absolute path'],
    ['/usr/share/datasets/mnist', 'absolute path'],
    ['..', "'..'"],
    ['pets/../../etc', "'..'"],
    ['pets/..', "'..'"],
    ['pets\\..\\etc', 'backslashes'],
    ['pets\u0000', 'NUL'],
  ])('refuses %j, naming data.root (%s)', (root, why) => {
    const result = RunConfig.safeParse(withRoot(root));
    if (result.success) throw new Error(`data.root ${JSON.stringify(root)} was accepted`);
    const issues = fieldIssues(result.error);
    expect(issues.map((i) => i.path)).toContain('data.root');
    const message = issues.find((i) => i.path === 'data.root')?.message ?? '';
    expect(message).toContain('data.root');
    expect(message).toContain(why);
  });
});
