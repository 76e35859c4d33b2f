/**
 * The launch form's model: its state as typed, the sweep spec it builds, and the contract's own checks run in the
 * browser. components/sweep-builder.tsx renders it; nothing here touches React.
 */
import { expandSweep, MAX_SWEEP_RUNS, type SweepIssue, SweepSpec, type SweepSpecInput } from '@reslab/contracts';

/**
 * An issue as the form shows it: the contract's path and English message, and, where the form itself found it,
 * a code and its values that lib/sweep-issues.ts words in the page's language.
 */
export interface FormIssue extends SweepIssue {
  code?: 'notNumber' | 'pickArch' | 'giveDepth' | 'giveSeed' | 'pickProject' | 'tooManyRuns';
  values?: Record<string, string | number>;
}

/** A project the launch form offers: `path` is "team/project"; only members and up may launch into it. */
export interface LaunchProject {
  path: string;
  name: string;
  writable: boolean;
}

/** The form as typed: strings, so half-typed numbers stay on screen. */
export interface SweepFormState {
  /** "team/project", from GET /projects; the team is the project's, never typed. */
  project: string;
  name: string;
  experiment: string;
  archs: string[];
  depths: string;
  seeds: string;
  dataset: string;
  trainSubset: string;
  valSize: string;
  imageSize: string;
  epochs: string;
  lr: string;
  schedule: string;
  momentum: string;
  weightDecay: string;
  batchSize: string;
}

export const EMPTY_SWEEP_FORM: SweepFormState = {
  project: '',
  name: '',
  experiment: '',
  archs: ['plain', 'resnet'],
  depths: '20',
  seeds: '0',
  dataset: 'fashion-mnist',
  trainSubset: '',
  valSize: '2000',
  imageSize: '',
  epochs: '2',
  lr: '0.1',
  schedule: 'constant',
  momentum: '0.9',
  weightDecay: '0.0001',
  batchSize: '128',
};

/** A fresh form, launching into the first project the user may write to. */
export function initialSweepForm(projects: LaunchProject[]): SweepFormState {
  return { ...EMPTY_SWEEP_FORM, project: projects.find((p) => p.writable)?.path ?? '' };
}

const list = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : v === undefined ? '' : String(v));

/**
 * A template's spec in the form's terms; the project stays. Fields the form lacks take the contract's defaults: the
 * degradation template's milestones (50% and 75%) are the default ones, so the form launches the template's runs.
 */
export function formFromTemplate(t: SweepSpecInput, project: string): SweepFormState {
  const base = (t.base ?? {}) as Record<string, Record<string, unknown> | unknown>;
  const data = (base.data ?? {}) as Record<string, unknown>;
  const optim = (base.optim ?? {}) as Record<string, unknown>;
  const grid = t.grid ?? {};
  return {
    project,
    name: t.name,
    experiment: t.experiment ?? '',
    archs: ((grid['model.arch'] ?? grid.arch ?? ['plain', 'resnet']) as unknown[]).map(String),
    depths: list(grid['model.depth'] ?? grid.depth ?? [20]),
    seeds: list(grid.seed ?? [0]),
    dataset: String(data.dataset ?? EMPTY_SWEEP_FORM.dataset),
    trainSubset: list(data.trainSubset),
    valSize: list(data.valSize ?? EMPTY_SWEEP_FORM.valSize),
    imageSize: list(data.imageSize),
    epochs: list(base.epochs ?? EMPTY_SWEEP_FORM.epochs),
    lr: list(optim.lr ?? EMPTY_SWEEP_FORM.lr),
    schedule: String(optim.schedule ?? EMPTY_SWEEP_FORM.schedule),
    momentum: list(optim.momentum ?? EMPTY_SWEEP_FORM.momentum),
    weightDecay: list(optim.weightDecay ?? EMPTY_SWEEP_FORM.weightDecay),
    batchSize: list(optim.batchSize ?? EMPTY_SWEEP_FORM.batchSize),
  };
}

/** Form → spec; text that is not a number becomes an issue on its field rather than a silent NaN. */
export function buildSweepSpec(form: SweepFormState): { spec: SweepSpecInput; issues: FormIssue[] } {
  const issues: FormIssue[] = [];
  const numbers = (field: string, text: string): number[] =>
    text
      .split(/[\s,]+/)
      .filter(Boolean)
      .flatMap((token) => {
        const n = Number(token);
        if (Number.isFinite(n)) return [n];
        issues.push({ path: field, message: `“${token}” is not a number`, code: 'notNumber', values: { token } });
        return [];
      });
  const one = (field: string, text: string): number | undefined => {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    if (Number.isFinite(n)) return n;
    issues.push({ path: field, message: `“${text}” is not a number`, code: 'notNumber', values: { token: text } });
    return undefined;
  };
  const depths = numbers('depths', form.depths);
  const seeds = numbers('seeds', form.seeds);
  if (form.archs.length === 0) {
    issues.push({ path: 'archs', message: 'pick at least one architecture', code: 'pickArch' });
  }
  if (depths.length === 0) issues.push({ path: 'depths', message: 'give at least one depth', code: 'giveDepth' });
  if (seeds.length === 0) issues.push({ path: 'seeds', message: 'give at least one seed', code: 'giveSeed' });
  if (!form.project) issues.push({ path: 'project', message: 'pick a project to launch into', code: 'pickProject' });
  const data: Record<string, unknown> = { dataset: form.dataset };
  const trainSubset = one('trainSubset', form.trainSubset);
  if (trainSubset !== undefined) data.trainSubset = trainSubset;
  const valSize = one('valSize', form.valSize);
  if (valSize !== undefined) data.valSize = valSize;
  const imageSize = one('imageSize', form.imageSize);
  if (imageSize !== undefined) data.imageSize = imageSize;
  const optim: Record<string, unknown> = { schedule: form.schedule };
  for (const key of ['lr', 'momentum', 'weightDecay', 'batchSize'] as const) {
    const v = one(key, form[key]);
    if (v !== undefined) optim[key] = v;
  }
  const spec: SweepSpecInput = {
    ...(form.project ? { project: form.project } : {}),
    name: form.name.trim(),
    ...(form.experiment.trim() ? { experiment: form.experiment.trim() } : {}),
    base: { data, optim, epochs: one('epochs', form.epochs) },
    grid: { 'model.arch': form.archs, 'model.depth': depths, seed: seeds },
  };
  return { spec, issues };
}

export type SweepFormValidation =
  | { ok: true; count: number; names: string[]; spec: SweepSpecInput }
  | { ok: false; issues: FormIssue[]; spec: SweepSpecInput };

/** The contract's own checks, in the browser: the form's, then the schema, then the expansion of every combination. */
export function validateSweepForm(form: SweepFormState): SweepFormValidation {
  const { spec, issues } = buildSweepSpec(form);
  if (issues.length) return { ok: false, issues, spec };
  const parsed = SweepSpec.safeParse(spec);
  if (!parsed.success) {
    return {
      ok: false,
      spec,
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(spec)', message: i.message })),
    };
  }
  const expanded = expandSweep(parsed.data);
  if (!expanded.ok) {
    // expandSweep refuses a grid over MAX_SWEEP_RUNS with the one issue at `grid`: the form counts the runs itself.
    const total = Object.values(parsed.data.grid).reduce((n, values) => n * values.length, 1);
    const issues: FormIssue[] = expanded.issues.map((i) =>
      i.path === 'grid' && total > MAX_SWEEP_RUNS
        ? { ...i, code: 'tooManyRuns', values: { total, max: MAX_SWEEP_RUNS } }
        : i,
    );
    return { ok: false, issues, spec };
  }
  return { ok: true, count: expanded.runs.length, names: expanded.runs.map((r) => r.name), spec };
}

const FIELDS_BY_SUFFIX = [
  'trainSubset',
  'valSize',
  'imageSize',
  'dataset',
  'epochs',
  'schedule',
  'lr',
  'momentum',
  'weightDecay',
  'batchSize',
] as const;

/**
 * Which form field an issue path belongs to, so the message shows next to it: the form's own paths (`depths`), the
 * spec's (`base.optim.lr`) and the expansion's (`runs[3].model.depth`).
 */
export function formFieldOf(path: string): keyof SweepFormState | null {
  if (path === 'name') return 'name';
  if (path === 'project') return 'project';
  if (path.startsWith('experiment')) return 'experiment';
  if (/model\.depth|^depths/.test(path)) return 'depths';
  if (/model\.arch|^archs/.test(path)) return 'archs';
  if (/seed/.test(path)) return 'seeds';
  for (const key of FIELDS_BY_SUFFIX) if (path.endsWith(key)) return key;
  return null;
}
