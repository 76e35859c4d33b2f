import { readFileSync } from 'node:fs';
import {
  expandSweep,
  type FieldIssue,
  fieldIssues,
  GRID_ALIASES,
  type SweepRunPlan,
  SweepSpec,
  type SweepSpecInput,
} from '@reslab/contracts';
import { parseDocument } from 'yaml';
import { SweepFileError } from './errors.js';

/** Reads a sweep file. YAML is a superset of JSON, so one parser takes both. */
export function readSweepFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SweepFileError(path, [{ path: '', message: `cannot read: ${(error as Error).message}` }]);
  }
  // Duplicate keys are errors (yaml's default): a repeated `grid` key would silently drop half a sweep.
  const document = parseDocument(text);
  if (document.errors.length) {
    throw new SweepFileError(
      path,
      document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '',
        // The first line, without the position (given as the path) and the code frame yaml appends.
        message: (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, ''),
      })),
    );
  }
  const value: unknown = document.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SweepFileError(path, [{ path: '(root)', message: 'expected a mapping with name, base and grid' }]);
  }
  return value as Record<string, unknown>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Mappings merge key by key, so a file can override one grid axis or one optimiser field of a template; lists replace. */
export function mergeSpec(
  template: Record<string, unknown>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...template };
  for (const [key, value] of Object.entries(overrides)) {
    const base = merged[key];
    merged[key] = isPlainObject(base) && isPlainObject(value) ? mergeSpec(base, value) : value;
  }
  return merged;
}

/**
 * Sweep files from before teams had members named the team in a `team:` field;
 * the team now comes from the caller's credential and the project names it.
 * Said plainly, with the line to write, rather than as the contract's "unrecognized key".
 */
function rejectTeamField(source: string, input: Record<string, unknown>): void {
  if (!('team' in input)) return;
  const team = typeof input.team === 'string' && input.team ? input.team : '<team>';
  const project = typeof input.project === 'string' ? input.project : 'default';
  const message = project.includes('/')
    ? `a sweep no longer names its team; remove \`team:\` (\`project: ${project}\` names it)`
    : `a sweep no longer names its team; remove \`team:\` and write \`project: ${team}/${project}\``;
  throw new SweepFileError(source, [{ path: 'team', message }]);
}

/**
 * Validates a sweep exactly as the orchestrator will: the spec, then every
 * combination of the grid. A combination's issue is reported against the grid
 * axis (or base field) the user wrote, e.g. `grid.depth`, with the combination.
 */
export function validateSweep(
  source: string,
  input: SweepSpecInput | Record<string, unknown>,
): {
  spec: SweepSpec;
  runs: SweepRunPlan[];
} {
  rejectTeamField(source, input);
  const parsed = SweepSpec.safeParse(input);
  if (!parsed.success) throw new SweepFileError(source, fieldIssues(parsed.error));
  const spec = parsed.data;
  const expanded = expandSweep(spec);
  if (expanded.ok) return { spec, runs: expanded.runs };
  const axisByPath = new Map(Object.keys(spec.grid).map((key) => [GRID_ALIASES[key] ?? key, key]));
  const issues = new Map<string, FieldIssue>();
  for (const issue of expanded.issues) {
    const configPath = issue.path.replace(/^runs\[\d+\]\./, '');
    const axis = axisByPath.get(configPath);
    // A bad base field breaks every combination alike: say so once, without the combination.
    const reported: FieldIssue =
      configPath === issue.path
        ? issue
        : axis === undefined
          ? { path: `base.${configPath}`, message: issue.message.replace(/ \(combination [^)]*\)$/, '') }
          : { path: `grid.${axis}`, message: issue.message };
    issues.set(`${reported.path}\0${reported.message}`, reported);
  }
  throw new SweepFileError(source, [...issues.values()]);
}
