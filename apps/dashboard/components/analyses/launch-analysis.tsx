'use client';

import type { AnalysisDetailDto, AnalysisKind } from '@reslab/contracts';
import { useTranslations } from 'next-intl';
import { useState } from 'react';
import { useApi } from '@/components/api-url';
import { analysisRequest, defaultParamText, PARAM_FIELDS } from '@/lib/analysis-params';
import { failureText } from '@/lib/api-client';

/**
 * One kind's launch: a button and, folded under it, the params with the contract's defaults. The API answers
 * with the analysis, new or the existing one for the same params; `onLaunched` follows it.
 */
export function LaunchAnalysis({
  runId,
  kind,
  disabled,
  onLaunched,
}: {
  runId: string;
  kind: AnalysisKind;
  disabled?: boolean;
  onLaunched: (analysis: AnalysisDetailDto) => void;
}) {
  const api = useApi();
  const t = useTranslations('analyses');
  const tc = useTranslations('common');
  const tf = useTranslations('failures');
  // lib/analysis-params declares the fields with English labels and hints; the catalogue words them per language.
  const hintOf = (field: { key: string; hint?: string }) =>
    field.hint ? t('paramHint', { field: `${kind}_${field.key}`, fallback: field.hint }) : undefined;
  const [text, setText] = useState(() => defaultParamText(kind));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const launch = async () => {
    const built = analysisRequest(kind, text);
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setFailure(null);
    setBusy(true);
    try {
      onLaunched(await api.createAnalysis(runId, built.request));
    } catch (err) {
      setFailure(failureText(tf, err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="panel analysis-launch" data-testid={`launch-${kind}`}>
      <h3>{t('kindTitle', { kind })}</h3>
      <details>
        <summary>{t('parameters')}</summary>
        <div className="controls">
          {PARAM_FIELDS[kind].map((field) => (
            <div key={field.key} className="field" title={hintOf(field)}>
              <label htmlFor={`${runId}-${kind}-${field.key}`}>
                {t('paramLabel', { key: field.key, fallback: field.label })}
              </label>
              {Array.isArray(field.type) ? (
                <select
                  id={`${runId}-${kind}-${field.key}`}
                  value={text[field.key]}
                  onChange={(e) => setText((shown) => ({ ...shown, [field.key]: e.target.value }))}
                  name={field.key}
                >
                  {field.type.map((v) => (
                    <option key={String(v)} value={String(v)}>
                      {field.key === 'split' ? tc('split', { split: String(v) }) : String(v)}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={`${runId}-${kind}-${field.key}`}
                  type="number"
                  step={field.type === 'int' ? 1 : 'any'}
                  value={text[field.key]}
                  placeholder={field.optional ? t('paramDefault') : undefined}
                  onChange={(e) => setText((shown) => ({ ...shown, [field.key]: e.target.value }))}
                  name={field.key}
                  style={{ width: '7rem' }}
                  aria-invalid={errors[field.key] ? true : undefined}
                />
              )}
              {field.hint ? <span className="muted small">{hintOf(field)}</span> : null}
              {errors[field.key] ? <span className="field-error">{errors[field.key]}</span> : null}
            </div>
          ))}
        </div>
      </details>
      <div className="actions">
        <button type="button" onClick={launch} disabled={busy || disabled} data-testid={`launch-${kind}-button`}>
          {t('kindButton', { kind })}
        </button>
        {failure ? (
          <span role="alert" className="error-text">
            {failure}
          </span>
        ) : null}
      </div>
    </div>
  );
}
