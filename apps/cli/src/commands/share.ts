import { CREDENTIAL_PREFIX, type CreatedShare, type CreateShareRequest, type ShareDto } from '@reslab/contracts';
import type { ResLabApi } from '../api-client.js';
import { type Command, type CommandContext, expiresOption } from '../command.js';
import { UsageError } from '../errors.js';
import { minute, shortId, table } from '../format.js';
import { resolveCredentialId } from '../resolve-id.js';
import { credentialState } from './keys.js';
import { runsResolver, sweepsResolver } from './runs.js';

const DEFAULT_DASHBOARD_URL = 'http://127.0.0.1:3000';

/** The dashboard that opens share links: RESLAB_DASHBOARD_URL, else the one `make demo` starts. */
export function dashboardUrl(env: Record<string, string | undefined> = process.env): string {
  const url = env.RESLAB_DASHBOARD_URL || DEFAULT_DASHBOARD_URL;
  if (!URL.canParse(url)) throw new UsageError(`RESLAB_DASHBOARD_URL ${url}: not a URL`);
  return url.replace(/\/+$/, '');
}

const EXPIRES_HELP = '--expires <when>  a duration (12h, 7d, 2w) or an ISO date or time; default: until revoked';

/** Creates the link and prints its URL, the only time it can be printed: the orchestrator keeps only a hash. */
async function share(
  { api, values, out, note }: CommandContext,
  what: string,
  request: (expiresAt: string | undefined) => CreateShareRequest,
): Promise<number> {
  const expiresAt = expiresOption(values);
  const base = dashboardUrl();
  const created: CreatedShare = await api.createShare(request(expiresAt));
  out(`${base}${created.path}`);
  const until = created.share.expiresAt ? `until ${minute(created.share.expiresAt)}` : 'until revoked';
  note(
    `read-only link to ${what}: anyone who has it can open it, ${until}; ` +
      `\`reslab share revoke ${shortId(created.share.id)}\` ends it. It will not be shown again.`,
  );
  return 0;
}

export const shareRun: Command = {
  noun: 'share',
  verb: 'run',
  usage: '<run id> [--expires <when>]',
  summary: 'print a read-only link to a run that opens without an account',
  optionHelp: [EXPIRES_HELP],
  options: { expires: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(context) {
    const runId = await runsResolver(context.api)(context.positionals[0] as string);
    return share(context, `run ${shortId(runId)}`, (expiresAt) => ({ kind: 'run', runId, expiresAt }));
  },
};

export const shareSweep: Command = {
  noun: 'share',
  verb: 'sweep',
  usage: '<sweep id> [--expires <when>]',
  summary: 'print a read-only link to a sweep and its runs',
  optionHelp: [EXPIRES_HELP],
  options: { expires: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(context) {
    const sweepId = await sweepsResolver(context.api)(context.positionals[0] as string);
    return share(context, `sweep ${shortId(sweepId)}`, (expiresAt) => ({ kind: 'sweep', sweepId, expiresAt }));
  },
};

/** CreateShareRequest's bound on a comparison. */
const MAX_COMPARED = 20;

export const shareCompare: Command = {
  noun: 'share',
  verb: 'compare',
  usage: '<run id> <run id>... [--expires <when>]',
  summary: `print a read-only link to a comparison of 2 to ${MAX_COMPARED} runs`,
  optionHelp: [EXPIRES_HELP],
  options: { expires: { type: 'string' } },
  positionals: { min: 2, max: MAX_COMPARED },
  async run(context) {
    const resolve = runsResolver(context.api);
    const runIds: string[] = [];
    for (const given of context.positionals) runIds.push(await resolve(given));
    if (new Set(runIds).size !== runIds.length) throw new UsageError('share compare: a run is named twice');
    return share(context, `a comparison of ${runIds.length} runs`, (expiresAt) => ({
      kind: 'comparison',
      runIds,
      expiresAt,
    }));
  },
};

function sharedObject(share: ShareDto): string {
  if (share.kind === 'sweep' && share.sweepId) return `sweep ${shortId(share.sweepId)}`;
  if (share.kind === 'run') return `run ${shortId(share.runIds[0] ?? '')}`;
  return `${share.runIds.length} runs`;
}

export const shareLs: Command = {
  noun: 'share',
  verb: 'ls',
  usage: '[--json]',
  summary: 'list share links: id prefix, what each opens, token prefix, creator, expiry, state',
  optionHelp: ['--json  print the links as a JSON array of ShareDto'],
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ api, values, out }) {
    const shares = await api.listShares();
    if (values.json) {
      out(JSON.stringify(shares, null, 2));
      return 0;
    }
    out(
      table(
        [
          { header: 'ID' },
          { header: 'KIND' },
          { header: 'OPENS' },
          { header: 'PREFIX' },
          { header: 'BY' },
          { header: 'CREATED' },
          { header: 'EXPIRES' },
          { header: 'STATE' },
        ],
        shares.map((s) => [
          shortId(s.id),
          s.kind,
          sharedObject(s),
          s.prefix,
          s.createdBy ?? '-',
          minute(s.createdAt),
          s.expiresAt ? minute(s.expiresAt) : 'never',
          credentialState(s),
        ]),
      ),
    );
    return 0;
  },
};

async function resolveShare(api: ResLabApi, given: string): Promise<string> {
  return resolveCredentialId('share link', given, CREDENTIAL_PREFIX.shareLink, await api.listShares());
}

export const shareRevoke: Command = {
  noun: 'share',
  verb: 'revoke',
  usage: '<id|prefix|link>',
  summary: 'revoke a share link at once (open pages lose it too), by id, id prefix, rsl_ prefix or the link',
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api, positionals, out }) {
    const share = await api.revokeShare(await resolveShare(api, positionals[0] as string));
    out(`share link ${share.prefix} to ${sharedObject(share)} revoked`);
    return 0;
  },
};
