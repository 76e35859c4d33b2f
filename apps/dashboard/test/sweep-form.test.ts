import { degradationTemplate, expandSweep, SweepSpec } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import {
  buildSweepSpec,
  EMPTY_SWEEP_FORM,
  formFieldOf,
  formFromTemplate,
  initialSweepForm,
  type SweepFormState,
  validateSweepForm,
} from '../lib/sweep-form.js';

const form = (fields: Partial<SweepFormState> = {}): SweepFormState => ({
  ...EMPTY_SWEEP_FORM,
  project: 'demo/default',
  name: 'depth sweep',
  ...fields,
});

describe('the launch form model', () => {
  it('starts in the first project the user may write to, or none', () => {
    const projects = [
      { path: 'a/read', name: 'read', writable: false },
      { path: 'b/write', name: 'write', writable: true },
    ];
    expect(initialSweepForm(projects).project).toBe('b/write');
    expect(initialSweepForm([projects[0] as (typeof projects)[number]]).project).toBe('');
  });

  it('builds the spec the contract reads: base from the fields, grid from arch × depth × seed', () => {
    const { spec, issues } = buildSweepSpec(
      form({ depths: '20, 56', seeds: '0 1', trainSubset: '5000', imageSize: '', experiment: '  e1 ' }),
    );
    expect(issues).toEqual([]);
    expect(spec).toEqual({
      project: 'demo/default',
      name: 'depth sweep',
      experiment: 'e1',
      base: {
        data: { dataset: 'fashion-mnist', trainSubset: 5000, valSize: 2000 },
        optim: { schedule: 'constant', lr: 0.1, momentum: 0.9, weightDecay: 0.0001, batchSize: 128 },
        epochs: 2,
      },
      grid: { 'model.arch': ['plain', 'resnet'], 'model.depth': [20, 56], seed: [0, 1] },
    });
  });

  it('counts and names the runs the orchestrator will make', () => {
    const validation = validateSweepForm(form({ depths: '20,56', seeds: '0,1' }));
    expect(validation.ok).toBe(true);
    if (!validation.ok) return;
    expect(validation.count).toBe(8);
    expect(validation.names).toContain('resnet56 seed1');
  });

  it('turns text that is not a number into an issue on its field, not a NaN', () => {
    const validation = validateSweepForm(form({ depths: '20, x', lr: 'fast' }));
    expect(validation.ok).toBe(false);
    if (validation.ok) return;
    expect(validation.issues).toEqual([
      { path: 'depths', message: '“x” is not a number', code: 'notNumber', values: { token: 'x' } },
      { path: 'lr', message: '“fast” is not a number', code: 'notNumber', values: { token: 'fast' } },
    ]);
  });

  it('asks for a project, an architecture, a depth and a seed', () => {
    const validation = validateSweepForm(form({ project: '', archs: [], depths: ' ', seeds: '' }));
    expect(!validation.ok && validation.issues.map((i) => i.path).sort()).toEqual(
      ['archs', 'depths', 'project', 'seeds'].sort(),
    );
  });

  it("reports the schema's and the expansion's issues, each mapped to the field that shows it", () => {
    const unnamed = validateSweepForm(form({ name: '  ' }));
    expect(!unnamed.ok && unnamed.issues.map((i) => formFieldOf(i.path))).toEqual(['name']);
    const badDepth = validateSweepForm(form({ depths: '20, 21' }));
    expect(badDepth.ok).toBe(false);
    if (badDepth.ok) return;
    expect(badDepth.issues.length).toBeGreaterThan(0);
    for (const issue of badDepth.issues) {
      expect(issue.path).toMatch(/^runs\[\d+\]\.model\.depth$/);
      expect(formFieldOf(issue.path)).toBe('depths');
    }
  });

  it('maps every kind of path to its field', () => {
    expect(formFieldOf('project')).toBe('project');
    expect(formFieldOf('experiment')).toBe('experiment');
    expect(formFieldOf('runs[0].model.arch')).toBe('archs');
    expect(formFieldOf('runs[2].seed')).toBe('seeds');
    expect(formFieldOf('base.optim.lr')).toBe('lr');
    expect(formFieldOf('runs[1].optim.weightDecay')).toBe('weightDecay');
    expect(formFieldOf('runs[1].data.valSize')).toBe('valSize');
    expect(formFieldOf('grid')).toBeNull();
  });

  it('fills in the degradation template and launches the same runs as the template itself', () => {
    const filled = formFromTemplate(degradationTemplate(), 'demo/default');
    expect(filled).toMatchObject({
      project: 'demo/default',
      depths: '20, 32, 44, 56',
      archs: ['plain', 'resnet'],
      seeds: '0, 1',
      imageSize: '14',
      schedule: 'step',
    });
    const validation = validateSweepForm(filled);
    expect(validation.ok).toBe(true);
    if (!validation.ok) return;
    const fromTemplate = expandSweep(SweepSpec.parse({ ...degradationTemplate(), project: 'demo/default' }));
    const fromForm = expandSweep(SweepSpec.parse(validation.spec));
    expect(fromForm.ok && fromTemplate.ok).toBe(true);
    if (!fromForm.ok || !fromTemplate.ok) return;
    const configs = (runs: typeof fromForm.runs) => runs.map((run) => JSON.stringify(run.config)).sort();
    expect(configs(fromForm.runs)).toEqual(configs(fromTemplate.runs));
  });
});
