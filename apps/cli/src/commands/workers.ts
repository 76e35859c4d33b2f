import { roleAtLeast } from '@reslab/contracts';
import type { ResLabApi } from '../api-client.js';
import { type Command, positiveIntOption, stringOption } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { age, minute, shortId, table } from '../format.js';
import { resolveId } from '../resolve-id.js';
import { teamResolver } from './teams.js';

export const workersLs: Command = {
  noun: 'workers',
  verb: 'ls',
  usage: '',
  summary: 'list workers: name, slots, GPUs, running runs, heartbeat age, draining, dead letters, team',
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ api, out }) {
    const [workers, teams] = await Promise.all([api.listWorkers(), api.listTeams()]);
    const teamSlug = new Map(teams.map((t) => [t.id, t.slug]));
    const now = Date.now();
    out(
      table(
        [
          { header: 'NAME' },
          { header: 'HOST' },
          { header: 'SLOTS', align: 'right' },
          { header: 'GPUS' },
          { header: 'RUNNING' },
          { header: 'HEARTBEAT', align: 'right' },
          { header: 'DRAINING' },
          { header: 'DEAD LETTERS', align: 'right' },
          { header: 'TEAM' },
        ],
        workers.map((worker) => [
          worker.name,
          worker.host,
          String(worker.slots),
          worker.gpus.length ? worker.gpus.map((gpu) => `${gpu.index}:${gpu.name}`).join(', ') : '-',
          worker.runningRunIds.length
            ? `${worker.runningRunIds.length} (${worker.runningRunIds.map(shortId).join(' ')})`
            : '0',
          `${age(worker.lastHeartbeatAt, now)} ago`,
          worker.draining ? 'yes' : 'no',
          String(worker.deadLetters.count),
          worker.teamId ? (teamSlug.get(worker.teamId) ?? shortId(worker.teamId)) : 'shared',
        ]),
      ),
    );
    for (const worker of workers.filter((w) => w.revokedAt)) {
      out(`\n${worker.name}: revoked ${minute(worker.revokedAt as string)}; it gets no more work`);
    }
    // What the orchestrator refused (a 4xx that is not a fence) is kept whole in the worker's
    // <work dir>/dead-letters.jsonl; the newest few come with its heartbeat.
    for (const worker of workers.filter((w) => w.deadLetters.count)) {
      out(`\n${worker.name}: ${worker.deadLetters.count} dead letter(s) in its work dir's dead-letters.jsonl; newest:`);
      for (const letter of worker.deadLetters.recent.slice(-5)) {
        out(
          `  ${letter.at}  run ${shortId(letter.runId)} attempt ${letter.attempt}  ${letter.kind}  HTTP ${letter.status}: ${letter.message}`,
        );
      }
    }
    return 0;
  },
};

export const workersEnrolToken: Command = {
  noun: 'workers',
  verb: 'enrol-token',
  usage: '[--team <team> | --shared] [--expires-minutes <n>]',
  summary: 'print a one-time token a new worker trades for its own credential; team admins only',
  optionHelp: [
    '--team <team>           the team the worker will serve (slug or id); default: your one team you administer',
    '--shared                a worker every team may use (instance admins only)',
    '--expires-minutes <n>   how long the token stays usable (default 60); it works once',
  ],
  options: { team: { type: 'string' }, shared: { type: 'boolean' }, 'expires-minutes': { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run({ api, values, out, note }) {
    const teamOption = stringOption(values, 'team');
    if (teamOption !== undefined && values.shared) throw new UsageError('--team and --shared: give one');
    const expiresInMinutes = positiveIntOption(values, 'expires-minutes', undefined);
    let teamId: string | null;
    let serves: string;
    if (values.shared) {
      teamId = null;
      serves = 'every team';
    } else if (teamOption !== undefined) {
      teamId = await teamResolver(api)(teamOption);
      serves = `team ${teamOption}`;
    } else {
      const administered = (await api.listTeams()).filter((t) => roleAtLeast(t.role, 'admin'));
      const only = administered.length === 1 ? administered[0] : undefined;
      if (!only) {
        throw new UsageError(
          `say which team the worker serves: --team <team> (you administer ${administered.length}), or --shared`,
        );
      }
      teamId = only.id;
      serves = `team ${only.slug}`;
    }
    const token = await api.createEnrolmentToken({ teamId, ...(expiresInMinutes ? { expiresInMinutes } : {}) });
    out(token.token);
    note(
      `enrolment token for a worker serving ${serves}; it works once, until ${minute(token.expiresAt)}. On the worker's machine:`,
    );
    note(
      `  RESLAB_ENROLMENT_TOKEN=${token.token} RESLAB_API_URL=${api.baseUrl} node apps/worker/dist/main.js --name <name>`,
    );
    return 0;
  },
};

/** A worker named by its name, as `workers ls` prints it, or by its id or an id prefix. */
async function resolveWorker(api: ResLabApi, given: string) {
  const workers = await api.listWorkers();
  const byName = workers.filter((w) => w.name === given);
  if (byName.length === 1) return byName[0] as (typeof workers)[number];
  if (byName.length > 1) throw new CliError(`${byName.length} workers are named ${given}; give its id`);
  const id = await resolveId('worker', given, async () => workers);
  return workers.find((w) => w.id === id) ?? { id, name: shortId(id) };
}

export const workersRevoke: Command = {
  noun: 'workers',
  verb: 'revoke',
  usage: '<name|id>',
  summary: "revoke a worker's credential: it gets no more work; admins of its team only",
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api, positionals, out }) {
    const worker = await resolveWorker(api, positionals[0] as string);
    const revoked = await api.revokeWorker(worker.id);
    out(`worker ${revoked.name} revoked; it gets no more work, and needs a new enrolment token to come back`);
    return 0;
  },
};
