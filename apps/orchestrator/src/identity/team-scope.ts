/**
 * The one place that says which rows a request may touch. Every Prisma query
 * made while serving a request passes through `scopeQuery` (scoped-prisma.ts),
 * which narrows its `where` to the caller's teams and refuses to create rows in
 * another team. No service writes a team filter by hand.
 *
 * Raw SQL (`$queryRaw`, `$executeRaw`) does not pass here. The few raw queries
 * serve a run or sweep whose id the AccessGuard has already checked, or a
 * worker write that the run fence checks (runs/run-fence.ts).
 */

/** Teams a request may read or write; 'all' for a shared worker and for the orchestrator's own jobs. */
export type TeamSet = ReadonlySet<string> | 'all';

export interface DataScope {
  read: TeamSet;
  /** Teams where the caller holds the role the route needs (AccessGuard). */
  write: TeamSet;
  /** The caller, for the rows that belong to a person rather than a team (keys, sessions). */
  userId: string | null;
  /** A share link's reach: reads only, of these runs (or the sweep's runs). */
  share: { sweepId: string | null; runIds: readonly string[] } | null;
  /** The orchestrator's own authority (request-scope.ts asSystem): nothing is narrowed. */
  system?: true;
}

type Where = Record<string, unknown>;

const TEAM_COLUMN = new Set([
  'Project',
  'Experiment',
  'Sweep',
  'Run',
  'Membership',
  'ShareLink',
  'AuditEntry',
  'EnrolmentToken',
  'Analysis',
]);
const RUN_CHILD = new Set([
  'EpochMetric',
  'GradFlow',
  'Artifact',
  'RunEvent',
  'EpochCurvature',
  'RunParam',
  'RunTag',
  'MetricPoint',
]);
/** Rows that belong to an analysis: scoped through it, as run children are through their run. */
const ANALYSIS_CHILD = new Set(['AnalysisPart']);
const OWN_ROWS = new Set(['ApiKey', 'Session']);

const READS = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);
const WHERE_WRITES = new Set(['update', 'updateMany', 'updateManyAndReturn', 'delete', 'deleteMany', 'upsert']);
const CREATES = new Set(['create', 'createMany', 'createManyAndReturn', 'upsert']);

export class ScopeViolation extends Error {}

function inTeams(teams: readonly string[]): Where {
  return { in: [...teams] };
}

/** The filter for `model` within `teams`; `null` when the scope does not narrow it. */
function teamFilter(model: string, set: TeamSet, scope: DataScope, writing: boolean): Where | null {
  if (scope.system) return null;
  if (OWN_ROWS.has(model)) return { userId: scope.userId ?? { in: [] } };
  if (model === 'User') {
    if (writing || set !== 'all') {
      const self = scope.userId ? [{ id: scope.userId }] : [];
      if (writing) return { OR: self.length ? self : [{ id: { in: [] } }] };
      return { OR: [...self, { memberships: { some: { teamId: inTeams([...(set as ReadonlySet<string>)]) } } }] };
    }
    return null;
  }
  if (set === 'all') return null;
  const teams = [...set];
  if (model === 'Team') return { id: inTeams(teams) };
  if (TEAM_COLUMN.has(model)) return { teamId: inTeams(teams) };
  if (RUN_CHILD.has(model)) return { run: { teamId: inTeams(teams) } };
  if (ANALYSIS_CHILD.has(model)) return { analysis: { teamId: inTeams(teams) } };
  // Shared workers (teamId null) serve everyone and are listed to everyone; only a team's own are writable.
  if (model === 'Worker')
    return writing ? { teamId: inTeams(teams) } : { OR: [{ teamId: inTeams(teams) }, { teamId: null }] };
  throw new ScopeViolation(`no access rule for model ${model}`);
}

function shareFilter(model: string, share: NonNullable<DataScope['share']>): Where {
  const runs: Where = share.sweepId ? { sweepId: share.sweepId } : { id: { in: [...share.runIds] } };
  if (model === 'Run') return runs;
  if (model === 'Sweep') return { id: share.sweepId ? share.sweepId : { in: [] } };
  if (model === 'Experiment') return { runs: { some: runs } };
  if (RUN_CHILD.has(model)) return { run: runs };
  // An analysis is shared with the run it analyses (not with its jobs, which are runs of no sweep).
  if (model === 'Analysis') return { run: runs };
  if (ANALYSIS_CHILD.has(model)) return { analysis: { run: runs } };
  return NO_ROW;
}

/** A filter no row passes (Prisma: an empty OR is false), for everything a share link does not open. */
const NO_ROW: Where = { OR: [] };

function narrow(where: Where | undefined, filter: Where): Where {
  if (!where) return filter;
  const and = where.AND === undefined ? [] : Array.isArray(where.AND) ? where.AND : [where.AND];
  // Spread, not {AND: [where, filter]}: a findUnique's where must keep its unique field at the top.
  return { ...where, AND: [...and, filter] };
}

function teamOf(data: unknown): unknown {
  return (data as { teamId?: unknown } | null)?.teamId;
}

function checkCreate(model: string, data: unknown, scope: DataScope): void {
  if (scope.share) throw new ScopeViolation(`a share link cannot create ${model}`);
  const rows = Array.isArray(data) ? data : [data];
  if (scope.system) return;
  for (const row of rows) {
    if (OWN_ROWS.has(model)) {
      if ((row as { userId?: unknown }).userId !== scope.userId) throw new ScopeViolation(`${model} of another user`);
      continue;
    }
    if (RUN_CHILD.has(model) || ANALYSIS_CHILD.has(model)) continue; // their parent was checked (see above)
    if (model === 'Team' || model === 'User') throw new ScopeViolation(`${model} rows are created by the system only`);
    const team = teamOf(row);
    if (typeof team !== 'string' || (scope.write !== 'all' && !scope.write.has(team))) {
      throw new ScopeViolation(`${model} in a team the caller may not write to`);
    }
  }
}

/** The query's arguments, narrowed to `scope`; throws ScopeViolation for a create outside it. */
export function scopeQuery(model: string, operation: string, args: Record<string, unknown>, scope: DataScope) {
  const out = { ...args };
  if (CREATES.has(operation)) checkCreate(model, operation === 'upsert' ? args.create : args.data, scope);
  if (READS.has(operation)) {
    const filter = scope.share ? shareFilter(model, scope.share) : teamFilter(model, scope.read, scope, false);
    if (filter) out.where = narrow(args.where as Where | undefined, filter);
  } else if (WHERE_WRITES.has(operation)) {
    if (scope.share) throw new ScopeViolation(`a share link cannot change ${model}`);
    const filter = teamFilter(model, scope.write, scope, true);
    if (filter) out.where = narrow(args.where as Where | undefined, filter);
  }
  return out;
}
