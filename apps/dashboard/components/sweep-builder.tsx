'use client';

import {
  ARCHS,
  DATASETS,
  degradationTemplate,
  SCHEDULES,
  type SweepIssue,
  type SweepSpecInput,
} from '@reslab/contracts';
import { useRouter } from 'next/navigation';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { useApi } from '@/components/api-url';
import { ApiFailure } from '@/lib/api-client';
import {
  formFieldOf,
  formFromTemplate,
  initialSweepForm,
  type LaunchProject,
  type SweepFormState,
  validateSweepForm,
} from '@/lib/sweep-form';

export type { LaunchProject };

/** The launch form's rendering; its state, the spec it builds and the checks live in lib/sweep-form.ts. */
export function SweepBuilder({ projects }: { projects: LaunchProject[] }) {
  const api = useApi();
  const router = useRouter();
  const id = useId();
  const [form, setForm] = useState<SweepFormState>(() => initialSweepForm(projects));
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<{ message: string; issues: SweepIssue[] } | null>(null);
  const [server, setServer] = useState<{ count: number } | { error: string } | null>(null);
  const validation = useMemo(() => validateSweepForm(form), [form]);

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

  const set = <K extends keyof SweepFormState>(key: K, value: SweepFormState[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setSubmitError(null);
  };
  const issuesFor = (key: keyof SweepFormState) =>
    validation.ok ? [] : validation.issues.filter((i) => formFieldOf(i.path) === key);
  const describe = (key: keyof SweepFormState) => (issuesFor(key).length ? `${id}-${key}-error` : undefined);
  const fieldError = (key: keyof SweepFormState) => {
    const list = issuesFor(key);
    return list.length ? (
      <span id={`${id}-${key}-error`} className="field-error">
        {[...new Set(list.map((i) => i.message))].slice(0, 2).join('; ')}
      </span>
    ) : null;
  };
  const text = (key: keyof SweepFormState, label: string, hint?: string, inputMode?: 'numeric' | 'decimal') => (
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
