import { ARCHS, ListRunsQuery, RUN_SORTS, type RunDto, RunStatus } from '@reslab/contracts';
import { firstItems, type ResLabApi } from '../api-client.js';
import { type Command, limitOption, stringOption } from '../command.js';
import { UsageError } from '../errors.js';
import { shortId, table } from '../format.js';
import { resolveId } from '../resolve-id.js';

/**
 * Epochs a run has stored. RunDto does not carry it, so it comes from the run's
 * metrics, fetched only for runs that may have a partial count.
 */
async function epochsDone(api: ResLabApi, runs: RunDto[]): Promise<Map<string, number>> {
  const done = new Map<string, number>();
  const pending: RunDto[] = [];
  for (const run of runs) {
    if (run.status === 'succeeded') done.set(run.id, run.config.epochs);
    else if (run.startedAt === null) done.set(run.id, 0);
    else pending.push(run);
  }
  // A few at a time: a listing should not hammer the API with hundreds of requests at once.
  for (let i = 0; i < pending.length; i += 8) {
    await Promise.all(
      pending.slice(i, i + 8).map(async (run) => {
        const metrics = await api.runMetrics(run.id);
        done.set(run.id, Math.max(0, ...metrics.map((m) => m.epoch)));
      }),
    );
  }
  return done;
}

/** What `ls` lists without --limit: one API page. */
const DEFAULT_LIST_LIMIT = 100;

/** How many of the newest runs (or sweeps) an id prefix is matched against; older ones need the full id. */
export const PREFIX_CANDIDATES = 5000;

export function runsResolver(api: ResLabApi) {
  return (given: string) =>
    resolveId('run', given, async () => (await firstItems(PREFIX_CANDIDATES, (page) => api.listRuns({}, page))).items);
}

export function sweepsResolver(api: ResLabApi) {
  return (given: string) =>
    resolveId('sweep', given, async () => (await firstItems(PREFIX_CANDIDATES, (page) => api.listSweeps(page))).items);
}

/** `ls` flags that are GET /runs query values as they are; the contract's schema checks them. */
const FILTER_FLAGS = ['status', 'arch', 'depth', 'sort', 'order'] as const;

export const runsLs: Command = {
  noun: 'runs',
  verb: 'ls',
  usage:
    '[--status <s,...>] [--sweep <id>] [--arch <a,...>] [--depth <d,...>] [--sort <key>] [--order asc|desc] [--limit <n>] [--json]',
  summary:
    'list runs, newest first or by a final val metric: id prefix, name, status, attempt, worker, epochs, val acc',
  optionHelp: [
    `--status <s,...>   only runs in these statuses (${RunStatus.options.join(', ')})`,
    '--sweep <id>       only the runs of this sweep (id or prefix)',
    `--arch <a,...>     only these families (${ARCHS.join(', ')})`,
    '--depth <d,...>    only these depths, e.g. 20,56',
    `--sort <key>       ${RUN_SORTS.join(', ')}: newest first, or by the final val metric, best first`,
    '--order asc|desc   reverse the sort',
    `--limit <n>        list at most n runs (default ${DEFAULT_LIST_LIMIT}), fetched a page at a time`,
    '--json             print the runs as a JSON array of RunDto',
  ],
  options: {
    status: { type: 'string' },
    sweep: { type: 'string' },
    arch: { type: 'string' },
    depth: { type: 'string' },
    sort: { type: 'string' },
    order: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 0, max: 0 },
  async run({ api, values, out, note }) {
    const limit = limitOption(values, DEFAULT_LIST_LIMIT);
    const given = Object.fromEntries(FILTER_FLAGS.map((flag) => [flag, stringOption(values, flag)]));
    const parsed = ListRunsQuery.safeParse(given);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const flag = String(issue?.path[0] ?? '');
      throw new UsageError(`--${flag} ${given[flag] ?? ''}: ${issue?.message}`);
    }
    const { status, arch, depth, sort, order } = parsed.data;
    const sweepOption = stringOption(values, 'sweep');
    const sweepId = sweepOption === undefined ? undefined : await sweepsResolver(api)(sweepOption);
    const { items: runs, more } = await firstItems(limit, (page) =>
      api.listRuns({ status, sweepId, arch, depth, sort, order }, page),
    );
    if (more) note(`showing the first ${runs.length} runs; a larger --limit lists more`);
    if (values.json) {
      out(JSON.stringify(runs, null, 2));
      return 0;
    }
    const [workers, done] = await Promise.all([api.listWorkers(), epochsDone(api, runs)]);
    const workerName = new Map(workers.map((w) => [w.id, w.name]));
    out(
      table(
        [
          { header: 'ID' },
          { header: 'NAME' },
          { header: 'STATUS' },
          { header: 'ATTEMPT', align: 'right' },
          { header: 'WORKER' },
          { header: 'EPOCHS', align: 'right' },
          { header: 'VAL ACC', align: 'right' },
        ],
        runs.map((run) => [
          shortId(run.id),
          run.name ?? '-',
          run.status,
          `${run.attempt}/${run.maxAttempts}`,
          run.workerId ? (workerName.get(run.workerId) ?? shortId(run.workerId)) : '-',
          `${done.get(run.id) ?? 0}/${run.config.epochs}`,
          run.finalVal ? `${(run.finalVal.accuracy * 100).toFixed(2)}%` : '-',
        ]),
      ),
    );
    return 0;
  },
};

export const runsCancel: Command = {
  noun: 'runs',
  verb: 'cancel',
  usage: '<id>',
  summary: 'cancel a queued run, or stop a running one (its engine checkpoints first)',
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api, positionals, out }) {
    const run = await api.cancelRun(await runsResolver(api)(positionals[0] as string));
    out(
      run.status === 'cancelled'
        ? `run ${run.id} cancelled`
        : `run ${run.id}: cancel requested; its worker stops it at the next heartbeat`,
    );
    return 0;
  },
};

export const runsRetry: Command = {
  noun: 'runs',
  verb: 'retry',
  usage: '<id>',
  summary: 'queue a failed or cancelled run again; it resumes from its last checkpoint',
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api, positionals, out }) {
    const run = await api.retryRun(await runsResolver(api)(positionals[0] as string));
    out(`run ${run.id} ${run.status} again (attempt ${run.attempt} of at most ${run.maxAttempts})`);
    return 0;
  },
};
