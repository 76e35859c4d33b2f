'use client';

import {
  ARCHS,
  DATASETS,
  degradationTemplate,
  expandSweep,
  SCHEDULES,
  type SweepIssue,
  SweepSpec,
  type SweepSpecInput,
} from '@reslab/contracts';
import { useRouter } from 'next/navigation';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { useApi } from '@/components/api-url';
import { ApiFailure } from '@/lib/api-client';

/** A project the launch form offers: `path` is "team/project"; only members and up may launch into it. */
export interface LaunchProject {
  path: string;
  name: string;
  writable: boolean;
}

/** The form as typed: strings, so half-typed numbers stay on screen. */
interface FormState {
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

const EMPTY: FormState = {
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

const list = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : v === undefined ? '' : String(v));

/** The template's spec in the form's terms (fields the form lacks keep their defaults; the project stays). */
function formFromTemplate(t: SweepSpecInput, project: string): FormState {
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
    dataset: String(data.dataset ?? EMPTY.dataset),
    trainSubset: list(data.trainSubset),
    valSize: list(data.valSize ?? EMPTY.valSize),
    imageSize: list(data.imageSize),
    epochs: list(base.epochs ?? EMPTY.epochs),
    lr: list(optim.lr ?? EMPTY.lr),
    schedule: String(optim.schedule ?? EMPTY.schedule),
    momentum: list(optim.momentum ?? EMPTY.momentum),
    weightDecay: list(optim.weightDecay ?? EMPTY.weightDecay),
    batchSize: list(optim.batchSize ?? EMPTY.batchSize),
  };
}

type Built = { spec: SweepSpecInput; issues: SweepIssue[] };

/** Form → spec; text that is not a number becomes an issue on its field rather than a silent NaN. */
function buildSpec(form: FormState): Built {
  const issues: SweepIssue[] = [];
  const numbers = (field: string, text: string): number[] =>
    text
      .split(/[\s,]+/)
      .filter(Boolean)
      .flatMap((token) => {
        const n = Number(token);
        if (Number.isFinite(n)) return [n];
        issues.push({ path: field, message: `“${token}” is not a number` });
        return [];
      });
  const one = (field: string, text: string): number | undefined => {
    if (text.trim() === '') return undefined;
    const n = Number(text);
    if (Number.isFinite(n)) return n;
    issues.push({ path: field, message: `“${text}” is not a number` });
    return undefined;
  };
  const depths = numbers('depths', form.depths);
  const seeds = numbers('seeds', form.seeds);
  if (form.archs.length === 0) issues.push({ path: 'archs', message: 'pick at least one architecture' });
  if (depths.length === 0) issues.push({ path: 'depths', message: 'give at least one depth' });
  if (seeds.length === 0) issues.push({ path: 'seeds', message: 'give at least one seed' });
  if (!form.project) issues.push({ path: 'project', message: 'pick a project to launch into' });
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

type Validation =
  | { ok: true; count: number; names: string[]; spec: SweepSpecInput }
  | { ok: false; issues: SweepIssue[]; spec: SweepSpecInput };

/** The contract's own checks, in the browser: the schema, then the expansion of every combination. */
function validate(form: FormState): Validation {
  const { spec, issues } = buildSpec(form);
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
  if (!expanded.ok) return { ok: false, issues: expanded.issues, spec };
  return { ok: true, count: expanded.runs.length, names: expanded.runs.map((r) => r.name), spec };
}

/** Which form field an issue path belongs to, so the message shows next to it. */
function fieldOf(path: string): keyof FormState | null {
  if (path === 'name') return 'name';
  if (path === 'project') return 'project';
  if (path.startsWith('experiment')) return 'experiment';
  if (/model\.depth|^depths/.test(path)) return 'depths';
  if (/model\.arch|^archs/.test(path)) return 'archs';
  if (/seed/.test(path)) return 'seeds';
  for (const key of [
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
  ] as const)
    if (path.endsWith(key)) return key;
  return null;
}

export function SweepBuilder({ projects }: { projects: LaunchProject[] }) {
  const api = useApi();
  const router = useRouter();
  const id = useId();
  const [form, setForm] = useState<FormState>(() => ({
    ...EMPTY,
    project: projects.find((p) => p.writable)?.path ?? '',
  }));
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<{ message: string; issues: SweepIssue[] } | null>(null);
  const [server, setServer] = useState<{ count: number } | { error: string } | null>(null);
  const validation = useMemo(() => validate(form), [form]);

  // The orchestrator's own preview, a moment after typing stops: proof the server reads the spec the same way.
  const specJson = JSON.stringify(validation.spec);
  useEffect(() => {
    if (!validation.ok) {
      setServer(null);
      return;
    }
    let stale = false;
    const timer = setTimeout(() => {
      api
        .previewSweep(JSON.parse(specJson) as SweepSpecInput)
        .then((p) => !stale && setServer({ count: p.count }))
        .catch((err: unknown) => !stale && setServer({ error: err instanceof Error ? err.message : String(err) }));
    }, 400);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, specJson, validation.ok]);

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setSubmitError(null);
  };
  const issuesFor = (key: keyof FormState) =>
    validation.ok ? [] : validation.issues.filter((i) => fieldOf(i.path) === key);
  const describe = (key: keyof FormState) => (issuesFor(key).length ? `${id}-${key}-error` : undefined);
  const fieldError = (key: keyof FormState) => {
    const list = issuesFor(key);
    return list.length ? (
      <span id={`${id}-${key}-error`} className="field-error">
        {[...new Set(list.map((i) => i.message))].slice(0, 2).join('; ')}
      </span>
    ) : null;
  };
  const text = (key: keyof FormState, label: string, hint?: string, inputMode?: 'numeric' | 'decimal') => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        name={key}
        value={form[key] as string}
        inputMode={inputMode}
        onChange={(e) => set(key, e.target.value)}
        aria-invalid={issuesFor(key).length > 0}
        aria-describedby={describe(key) ?? (hint ? `${id}-${key}-hint` : undefined)}
      />
      {hint ? (
        <span id={`${id}-${key}-hint`} className="muted small">
          {hint}
        </span>
      ) : null}
      {fieldError(key)}
    </div>
  );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!validation.ok) return;
    setSubmitting(true);
    setSubmitError(null);
    try {
      const created = await api.createSweep(validation.spec);
      router.push(`/sweeps/${created.id}`);
    } catch (err) {
      const issues = err instanceof ApiFailure ? (err.body?.issues ?? []) : [];
      setSubmitError({ message: err instanceof Error ? err.message : String(err), issues });
      setSubmitting(false);
    }
  };

  return (
    <form className="builder" onSubmit={submit} noValidate aria-describedby={`${id}-preview`}>
      <p>
        <button
          type="button"
          onClick={() => setForm((f) => formFromTemplate(degradationTemplate(), f.project))}
          data-testid="use-degradation-template"
        >
          Use the degradation template
        </button>{' '}
        <span className="muted">
          plain vs residual at depths 20-56, 2 seeds, 14 px Fashion-MNIST, 1,692 iterations with the paper’s step
          schedule (He et al. 2016 Fig. 6 on a CPU budget)
        </span>
      </p>
      <fieldset>
        <legend>Sweep</legend>
        <div className="field">
          <label htmlFor={`${id}-project`}>Project</label>
          <select
            id={`${id}-project`}
            value={form.project}
            onChange={(e) => set('project', e.target.value)}
            aria-invalid={issuesFor('project').length > 0}
            aria-describedby={describe('project') ?? `${id}-project-hint`}
            data-testid="launch-project"
          >
            {projects.length === 0 || !projects.some((p) => p.writable) ? <option value="">no project</option> : null}
            {projects.map((p) => (
              <option key={p.path} value={p.path} disabled={!p.writable}>
                {p.path}
                {p.name && p.name !== p.path.split('/')[1] ? ` (${p.name})` : ''}
                {p.writable ? '' : ' (viewer: read only)'}
              </option>
            ))}
          </select>
          <span id={`${id}-project-hint`} className="muted small">
            team/project; the runs belong to that team.
          </span>
          {fieldError('project')}
        </div>
        {text('name', 'Sweep name')}
        {text('experiment', 'Experiment (optional)', 'Groups sweeps and runs; created on first use.')}
      </fieldset>
      <fieldset>
        <legend>Grid: one run per architecture × depth × seed</legend>
        <fieldset className="field field--group" aria-describedby={describe('archs')}>
          <legend>Architectures</legend>
          <div className="checks">
            {ARCHS.map((arch) => (
              <label key={arch}>
                <input
                  type="checkbox"
                  name="arch"
                  value={arch}
                  checked={form.archs.includes(arch)}
                  onChange={(e) =>
                    set(
                      'archs',
                      e.target.checked
                        ? ARCHS.filter((a) => a === arch || form.archs.includes(a))
                        : form.archs.filter((a) => a !== arch),
                    )
                  }
                />{' '}
                {arch}
              </label>
            ))}
          </div>
          {fieldError('archs')}
        </fieldset>
        {text('depths', 'Depths (layers)', 'Comma-separated, 6n+2 for CIFAR-style nets: 8, 20, 32, 44, 56, 110.')}
        {text('seeds', 'Seeds', 'Comma-separated; the depth plot shows mean ± std over them.')}
      </fieldset>
      <fieldset>
        <legend>Data and training</legend>
        <div className="field">
          <label htmlFor={`${id}-dataset`}>Dataset</label>
          <select id={`${id}-dataset`} value={form.dataset} onChange={(e) => set('dataset', e.target.value)}>
            {DATASETS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
          {fieldError('dataset')}
        </div>
        {text('trainSubset', 'Training images (optional)', 'Use only the first N training images.', 'numeric')}
        {text('valSize', 'Validation images', 'Held out of the training set.', 'numeric')}
        {text(
          'imageSize',
          'Image size in pixels (optional)',
          'Resize every image once at load; 14 px Fashion-MNIST costs a quarter of 28 px per step.',
          'numeric',
        )}
        {text('epochs', 'Epochs', undefined, 'numeric')}
        {text('lr', 'Learning rate', undefined, 'decimal')}
        <div className="field">
          <label htmlFor={`${id}-schedule`}>Learning-rate schedule</label>
          <select id={`${id}-schedule`} value={form.schedule} onChange={(e) => set('schedule', e.target.value)}>
            {SCHEDULES.map((name) => (
              <option key={name} value={name}>
                {name === 'step' ? 'step (÷10 at 50% and 75% of iterations, He et al. 2016)' : name}
              </option>
            ))}
          </select>
          {fieldError('schedule')}
        </div>
        {text('momentum', 'Momentum', undefined, 'decimal')}
        {text('weightDecay', 'Weight decay', undefined, 'decimal')}
        {text('batchSize', 'Batch size', undefined, 'numeric')}
      </fieldset>

      <section id={`${id}-preview`} className="panel preview" aria-live="polite" data-testid="sweep-preview">
        {validation.ok ? (
          <>
            <p>
              Expands to{' '}
              <strong data-testid="preview-count" data-count={validation.count}>
                {validation.count}
              </strong>{' '}
              run{validation.count === 1 ? '' : 's'}
              {server && 'count' in server ? (
                <span className="muted" data-testid="server-preview" data-count={server.count}>
                  {' '}
                  (the orchestrator agrees: {server.count})
                </span>
              ) : server && 'error' in server ? (
                <span className="error-text"> (the orchestrator’s preview failed: {server.error})</span>
              ) : null}
              .
            </p>
            <p className="muted small">
              {validation.names.slice(0, 12).join(' · ')}
              {validation.names.length > 12 ? ` · … ${validation.names.length - 12} more` : ''}
            </p>
          </>
        ) : (
          <>
            <p data-testid="preview-count" data-count="0">
              Not a valid sweep yet:
            </p>
            <ul className="issues" data-testid="preview-issues">
              {validation.issues.slice(0, 8).map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <code>{i.path}</code>: {i.message}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      {submitError ? (
        <div className="panel panel--error" role="alert">
          <p>{submitError.message}</p>
          {submitError.issues.length ? (
            <ul>
              {submitError.issues.map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <code>{i.path}</code>: {i.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <p>
        <button type="submit" className="primary" disabled={!validation.ok || submitting} data-testid="launch-submit">
          {submitting ? 'Launching…' : validation.ok ? `Launch ${validation.count} runs` : 'Launch'}
        </button>
      </p>
    </form>
  );
}
