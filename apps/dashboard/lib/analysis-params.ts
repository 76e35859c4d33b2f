/**
 * The launch forms' fields: which params of each kind a form shows, in what words, with the contract's defaults
 * (libs/contracts analysis.ts). What the user typed is checked against the contract's AnalysisSpec before it is
 * sent, so a bad field is named before the API has to refuse it.
 */
import { type AnalysisKind, AnalysisSpec, type CreateAnalysisRequest } from '@reslab/contracts';

export interface ParamField {
  key: string;
  label: string;
  /** `int`, `number`: a number input; a list: a select of those values. */
  type: 'int' | 'number' | readonly (string | number)[];
  /** Empty means "absent" (the engine's own default): for optional params such as `maxK`. */
  optional?: boolean;
  hint?: string;
}

export const PARAM_FIELDS: Record<AnalysisKind, ParamField[]> = {
  lesion: [
    { key: 'split', label: 'Split', type: ['test', 'val'] },
    { key: 'evalImages', label: 'Images', type: 'int', hint: 'the first N of the split, the same for every net' },
    { key: 'maxK', label: 'Max k', type: 'int', optional: true, hint: 'empty: every deletable block, up to 12' },
    { key: 'samplesPerK', label: 'Samples per k', type: 'int' },
    { key: 'reorderSamples', label: 'Reorderings', type: 'int' },
    { key: 'pathSamples', label: 'Path samples per length', type: 'int' },
    { key: 'seed', label: 'Seed', type: 'int' },
  ],
  landscape: [
    { key: 'dims', label: 'Dimensions', type: [2, 1] },
    { key: 'resolution', label: 'Points per axis', type: 'int', hint: 'odd, so the trained weights are on the grid' },
    { key: 'span', label: 'Span', type: 'number', hint: 'the grid covers [−span, span] along each direction' },
    { key: 'split', label: 'Split', type: ['train', 'val', 'test'] },
    { key: 'evalImages', label: 'Images', type: 'int' },
    { key: 'chunks', label: 'Chunks', type: 'int', hint: 'jobs the grid is split into; any workers share them' },
    { key: 'seed', label: 'Seed', type: 'int', hint: 'same seed, same directions for nets of the same shape' },
  ],
  curvature: [
    { key: 'split', label: 'Split', type: ['train', 'val', 'test'] },
    { key: 'evalImages', label: 'Images', type: 'int' },
    { key: 'batches', label: 'Batches', type: 'int', hint: 'one estimate each; the interval is over batches' },
    { key: 'iterations', label: 'Power iterations', type: 'int' },
    { key: 'tolerance', label: 'Tolerance', type: 'number' },
    { key: 'probes', label: 'Hutchinson probes', type: 'int' },
    { key: 'seed', label: 'Seed', type: 'int' },
  ],
  cost: [{ key: 'inputSize', label: 'Input size (px)', type: 'int', optional: true, hint: "empty: the data set's" }],
};

/** The form's starting values: the contract's defaults, as text (an optional param without one is empty). */
export function defaultParamText(kind: AnalysisKind): Record<string, string> {
  const parsed = AnalysisSpec.parse({ kind });
  const params = parsed.params as Record<string, unknown>;
  return Object.fromEntries(
    PARAM_FIELDS[kind].map((f) => [f.key, params[f.key] === undefined ? '' : String(params[f.key])]),
  );
}

/**
 * The request the form's text makes, or the fields it gets wrong (`params.resolution: must be odd, ...`). Numbers
 * are read as numbers; empty optional fields are left out.
 */
export function analysisRequest(
  kind: AnalysisKind,
  text: Record<string, string>,
): { ok: true; request: CreateAnalysisRequest } | { ok: false; errors: Record<string, string> } {
  const params: Record<string, unknown> = {};
  for (const field of PARAM_FIELDS[kind]) {
    const raw = (text[field.key] ?? '').trim();
    if (raw === '' && field.optional) continue;
    const numeric = field.type === 'int' || field.type === 'number' || typeof field.type[0] === 'number';
    params[field.key] = numeric && raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  const parsed = AnalysisSpec.safeParse({ kind, params });
  if (parsed.success) return { ok: true, request: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path.at(-1) ?? 'params');
    errors[key] ??= `params.${key}: ${issue.message}`;
  }
  return { ok: false, errors };
}
