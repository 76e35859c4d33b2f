import { type ApiKeyDto, CREDENTIAL_PREFIX } from '@reslab/contracts';
import { type Command, expiresOption } from '../command.js';
import { minute, shortId, table } from '../format.js';
import { resolveCredentialId } from '../resolve-id.js';

/** Whether a key (or share link) still opens anything: `active`, `revoked` or `expired`. */
export function credentialState(item: { revokedAt: string | null; expiresAt: string | null }, now = Date.now()) {
  if (item.revokedAt) return 'revoked';
  if (item.expiresAt && Date.parse(item.expiresAt) <= now) return 'expired';
  return 'active';
}

export const keysCreate: Command = {
  noun: 'keys',
  verb: 'create',
  usage: '<name> [--expires <when>]',
  summary: 'create an API key for scripts and CI; its secret is printed once, on stdout',
  optionHelp: ['--expires <when>  a duration (12h, 30d, 2w) or an ISO date or time; default: until revoked'],
  options: { expires: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ api, values, positionals, out, note }) {
    const expiresAt = expiresOption(values);
    const created = await api.createKey({ name: positionals[0] as string, ...(expiresAt ? { expiresAt } : {}) });
    out(created.secret);
    note(
      `key ${created.key.prefix} (${created.key.name}) created, ${created.key.expiresAt ? `expires ${minute(created.key.expiresAt)}` : 'valid until revoked'}`,
    );
    note('Store the secret above now: it will not be shown again (ResLab keeps only its hash).');
    return 0;
  },
};

export const keysLs: Command = {
  noun: 'keys',
  verb: 'ls',
  usage: '[--json]',
  summary: 'list your API keys: id prefix, key prefix, name, created, expiry, last use, state',
  optionHelp: ['--json  print the keys as a JSON array of ApiKeyDto'],
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ api, values, out }) {
    const keys = await api.listKeys();
    if (values.json) {
      out(JSON.stringify(keys, null, 2));
      return 0;
    }
    const inUse = (key: ApiKeyDto) => api.credential.token?.startsWith(key.prefix) ?? false;
    out(
      table(
        [
          { header: 'ID' },
          { header: 'PREFIX' },
          { header: 'NAME' },
          { header: 'CREATED' },
          { header: 'EXPIRES' },
          { header: 'LAST USED' },
          { header: 'STATE' },
        ],
        keys.map((key) => [
          shortId(key.id),
          key.prefix,
          key.name,
          minute(key.createdAt),
          key.expiresAt ? minute(key.expiresAt) : 'never',
          key.lastUsedAt ? minute(key.lastUsedAt) : '-',
          inUse(key) ? `${credentialState(key)} (this CLI)` : credentialState(key),
        ]),
      ),
    );
    return 0;
  },
};

export const keysRevoke: Command = {
  noun: 'keys',
  verb: 'revoke',
  usage: '<name|id|prefix>',
  summary: 'revoke an API key at once, by name, id, id prefix, or the rsk_ prefix `keys ls` prints',
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ api, positionals, out, note }) {
    const keys = await api.listKeys();
    const id = resolveCredentialId('key', positionals[0] as string, CREDENTIAL_PREFIX.apiKey, keys);
    const key = await api.revokeKey(id);
    out(`key ${key.prefix} (${key.name}) revoked`);
    if (api.credential.token?.startsWith(key.prefix)) {
      note('that was the key this CLI signs in with; run `reslab login` to sign in again');
    }
    return 0;
  },
};
