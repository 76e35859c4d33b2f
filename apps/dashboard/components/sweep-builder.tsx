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
import { useTranslations } from 'next-intl';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import { useApi } from '@/components/api-url';
import { ApiFailure, failureText } from '@/lib/api-client';
import {
  formFieldOf,
  formFromTemplate,
  initialSweepForm,
  type LaunchProject,
  type SweepFormState,
  validateSweepForm,
} from '@/lib/sweep-form';
import { sweepIssueText } from '@/lib/sweep-issues';

export type { LaunchProject };

/** The launch form's rendering; its state, the spec it builds and the checks live in lib/sweep-form.ts. */
export function SweepBuilder({ projects }: { projects: LaunchProject[] }) {
  const api = useApi();
  const router = useRouter();
  const t = useTranslations('launch');
  const tIssue = useTranslations('sweepIssues');
  const tf = useTranslations('failures');
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
        .catch((err: unknown) => !stale && setServer({ error: failureText(tf, err) }));
    }, 400);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, specJson, validation.ok, tf]);

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
        {[...new Set(list.map((i) => sweepIssueText(tIssue, i)))].slice(0, 2).join('; ')}
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
      setSubmitError({ message: failureText(tf, err), issues });
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
          {t('useTemplate')}
        </button>{' '}
        <span className="muted">{t('templateNote')}</span>
      </p>
      <fieldset>
        <legend>{t('sweep')}</legend>
        <div className="field">
          <label htmlFor={`${id}-project`}>{t('project')}</label>
          <select
            id={`${id}-project`}
            value={form.project}
            onChange={(e) => set('project', e.target.value)}
            aria-invalid={issuesFor('project').length > 0}
            aria-describedby={describe('project') ?? `${id}-project-hint`}
            data-testid="launch-project"
          >
            {projects.length === 0 || !projects.some((p) => p.writable) ? (
              <option value="">{t('noProject')}</option>
            ) : null}
            {projects.map((p) => (
              <option key={p.path} value={p.path} disabled={!p.writable}>
                {p.path}
                {p.name && p.name !== p.path.split('/')[1] ? ` (${p.name})` : ''}
                {p.writable ? '' : t('viewerOnly')}
              </option>
            ))}
          </select>
          <span id={`${id}-project-hint`} className="muted small">
            {t('projectHint')}
          </span>
          {fieldError('project')}
        </div>
        {text('name', t('name'))}
        {text('experiment', t('experiment'), t('experimentHint'))}
      </fieldset>
      <fieldset>
        <legend>{t('grid')}</legend>
        <fieldset className="field field--group" aria-describedby={describe('archs')}>
          <legend>{t('archs')}</legend>
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
        {text('depths', t('depths'), t('depthsHint'))}
        {text('seeds', t('seeds'), t('seedsHint'))}
      </fieldset>
      <fieldset>
        <legend>{t('dataTraining')}</legend>
        <div className="field">
          <label htmlFor={`${id}-dataset`}>{t('dataset')}</label>
          <select id={`${id}-dataset`} value={form.dataset} onChange={(e) => set('dataset', e.target.value)}>
            {DATASETS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
          {fieldError('dataset')}
        </div>
        {text('trainSubset', t('trainSubset'), t('trainSubsetHint'), 'numeric')}
        {text('valSize', t('valSize'), t('valSizeHint'), 'numeric')}
        {text('imageSize', t('imageSize'), t('imageSizeHint'), 'numeric')}
        {text('epochs', t('epochs'), undefined, 'numeric')}
        {text('lr', t('lr'), undefined, 'decimal')}
        <div className="field">
          <label htmlFor={`${id}-schedule`}>{t('schedule')}</label>
          <select id={`${id}-schedule`} value={form.schedule} onChange={(e) => set('schedule', e.target.value)}>
            {SCHEDULES.map((name) => (
              <option key={name} value={name}>
                {t('scheduleName', { name })}
              </option>
            ))}
          </select>
          {fieldError('schedule')}
        </div>
        {text('momentum', t('momentum'), undefined, 'decimal')}
        {text('weightDecay', t('weightDecay'), undefined, 'decimal')}
        {text('batchSize', t('batchSize'), undefined, 'numeric')}
      </fieldset>

      <section id={`${id}-preview`} className="panel preview" aria-live="polite" data-testid="sweep-preview">
        {validation.ok ? (
          <>
            <p>
              {t.rich('expandsTo', {
                count: validation.count,
                strong: (chunks) => (
                  <strong data-testid="preview-count" data-count={validation.count}>
                    {chunks}
                  </strong>
                ),
              })}
              {server && 'count' in server ? (
                <span className="muted" data-testid="server-preview" data-count={server.count}>
                  {t('serverAgrees', { count: server.count })}
                </span>
              ) : server && 'error' in server ? (
                <span className="error-text">{t('serverFailed', { error: server.error })}</span>
              ) : null}
              .
            </p>
            <p className="muted small">
              {validation.names.slice(0, 12).join(' · ')}
              {validation.names.length > 12 ? t('moreNames', { n: validation.names.length - 12 }) : ''}
            </p>
          </>
        ) : (
          <>
            <p data-testid="preview-count" data-count="0">
              {t('notValid')}
            </p>
            <ul className="issues" data-testid="preview-issues">
              {validation.issues.slice(0, 8).map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <code>{i.path}</code>: {sweepIssueText(tIssue, i)}
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
                  <code>{i.path}</code>: {sweepIssueText(tIssue, i)}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <p>
        <button type="submit" className="primary" disabled={!validation.ok || submitting} data-testid="launch-submit">
          {submitting ? t('launching') : validation.ok ? t('launchN', { count: validation.count }) : t('launch')}
        </button>
      </p>
    </form>
  );
}
