import { describe, expect, it } from 'vitest';
import { SweepFileError } from '../src/errors.js';
import { validateSweep } from '../src/sweep-file.js';

describe('sweep files from before teams had members', () => {
  const base = {
    name: 'old',
    base: { model: { arch: 'resnet', depth: 8 }, data: { dataset: 'synthetic' }, epochs: 1 },
    grid: { seed: [0] },
  };

  it('says to write project: team/project instead of team:', () => {
    expect(() => validateSweep('old.yaml', { ...base, team: 'vision', project: 'cifar' })).toThrow(SweepFileError);
    expect(() => validateSweep('old.yaml', { ...base, team: 'vision', project: 'cifar' })).toThrow(
      'old.yaml: team: a sweep no longer names its team; remove `team:` and write `project: vision/cifar`',
    );
    expect(() => validateSweep('old.yaml', { ...base, team: 'vision' })).toThrow('`project: vision/default`');
    expect(() => validateSweep('old.yaml', { ...base, team: 'vision', project: 'vision/cifar' })).toThrow(
      'remove `team:` (`project: vision/cifar` names it)',
    );
  });

  it('takes project as team/project or a bare slug', () => {
    expect(validateSweep('new.yaml', { ...base, project: 'vision/cifar' }).spec.project).toBe('vision/cifar');
    expect(validateSweep('new.yaml', { ...base, project: 'cifar' }).spec.project).toBe('cifar');
    expect(validateSweep('new.yaml', base).spec.project).toBe('default');
  });
});
