import { hostname } from 'node:os';
import { CREDENTIAL_PREFIX, DISPLAY_PREFIX_LENGTH, type WhoAmIDto } from '@reslab/contracts';
import { ResLabApi } from '../api-client.js';
import { type Command, type CommandContext, stringOption } from '../command.js';
import { DEFAULT_API_URL, sameApi, writeConfig } from '../config-file.js';
import { CliError, NotSignedInError, UsageError } from '../errors.js';
import { teamsPhrase } from '../format.js';
import { ask, readLine, readSecret } from '../prompt.js';

/** What `login` stores: the key, and who it speaks for. */
interface SignedIn {
  key: string;
  me: WhoAmIDto;
}

/** The display prefix of a token, the part that is safe to print and that `keys ls` shows. */
function displayPrefix(token: string): string {
  return token.slice(0, DISPLAY_PREFIX_LENGTH);
}

/** Checks an existing key with GET /auth/me before it is stored. */
async function withKey(api: ResLabApi, key: string): Promise<SignedIn> {
  // Never echo what was given: a mistyped flag may still hold a live secret of another kind.
  if (!key.startsWith(CREDENTIAL_PREFIX.apiKey)) {
    throw new UsageError(
      `expected an API key, which starts with ${CREDENTIAL_PREFIX.apiKey} (\`reslab keys create\` or the dashboard makes one)`,
    );
  }
  try {
    return { key, me: await api.withToken(key).me() };
  } catch (error) {
    if (error instanceof NotSignedInError) {
      throw new CliError(`${api.baseUrl} refused the key ${displayPrefix(key)}: unknown, expired or revoked`);
    }
    throw error;
  }
}

/**
 * Signs in with the password for a session, and with that session creates a
 * key for this machine (`cli@<hostname>`), which `store` keeps; the session
 * is signed out whatever happens, so the only credential left is the key.
 */
async function withPassword(
  api: ResLabApi,
  email: string,
  password: string,
  store: (signedIn: SignedIn) => void,
  note: (line: string) => void,
): Promise<SignedIn> {
  let session: Awaited<ReturnType<ResLabApi['login']>>;
  try {
    session = await api.login({ email, password });
  } catch (error) {
    if (error instanceof NotSignedInError) throw new CliError('wrong e-mail or password');
    throw error;
  }
  const signedInApi = api.withToken(session.token);
  try {
    const created = await signedInApi.createKey({ name: `cli@${hostname()}` });
    const signedIn = { key: created.secret, me: session.me };
    try {
      store(signedIn);
    } catch (error) {
      // A key nobody holds is only a risk: take it back before failing.
      await signedInApi.revokeKey(created.key.id).catch(() => undefined);
      throw error;
    }
    return signedIn;
  } finally {
    await signedInApi.logout().catch((error: Error) => {
      note(`reslab: could not sign out the login session (${error.message}); it expires at ${session.expiresAt}`);
    });
  }
}

/** `--api-url` is login's spelling of the global `--api`; both may be given only if they agree. */
function loginApiUrl({ values, profile }: CommandContext): string {
  const flag = stringOption(values, 'api-url');
  if (flag === undefined) return profile.apiUrl;
  const global = stringOption(values, 'api');
  if (global !== undefined && !sameApi(global, flag)) {
    throw new UsageError(`--api ${global} and --api-url ${flag} disagree; give one`);
  }
  if (!URL.canParse(flag)) throw new UsageError(`--api-url ${flag}: not a URL`);
  return flag.replace(/\/+$/, '');
}

export const login: Command = {
  noun: 'login',
  verb: '',
  usage: '[--api-url URL] [--email E | --key rsk_...]',
  summary: 'sign in: store an API key for the orchestrator in your config file (mode 0600)',
  optionHelp: [
    '--api-url URL  the orchestrator to sign in to (as --api); later commands default to it',
    '--email E      sign in with your password (asked without echo; the first line of stdin when it is',
    '               not a terminal) and create a key named cli@<hostname> for this machine',
    '--key rsk_...  store an existing API key after checking it; without --key or --email a key',
    '               piped on stdin is read (echo rsk_... | reslab login), or on a terminal you are',
    '               asked for your e-mail and password',
  ],
  options: { 'api-url': { type: 'string' }, email: { type: 'string' }, key: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  config: 'replace',
  async run(context) {
    const { profile, values, out, note } = context;
    const apiUrl = loginApiUrl(context);
    const api = new ResLabApi(apiUrl);
    const store = ({ key }: SignedIn) => writeConfig(profile.configPath, { apiUrl, apiKey: key });
    let email = stringOption(values, 'email');
    const key = stringOption(values, 'key');
    if (email !== undefined && key !== undefined) throw new UsageError('--email and --key: give one');
    let signedIn: SignedIn;
    if (key !== undefined) {
      signedIn = await withKey(api, key);
      store(signedIn);
    } else if (email !== undefined || process.stdin.isTTY) {
      email ??= await ask('E-mail: ');
      if (!email) throw new UsageError('an e-mail address is needed to sign in with a password');
      // A script pipes the password: `printf '%s\n' "$PASSWORD" | reslab login --email me@lab`.
      const password = process.stdin.isTTY ? await readSecret('Password: ') : await readLine();
      if (!password) throw new UsageError('no password given');
      signedIn = await withPassword(api, email, password, store, note);
    } else {
      const piped = (await readLine())?.trim();
      if (!piped) {
        throw new UsageError('no key on stdin; pipe one (echo rsk_... | reslab login), or give --key or --email');
      }
      signedIn = await withKey(api, piped);
      store(signedIn);
    }
    out(`Signed in as ${signedIn.me.user.email} (${teamsPhrase(signedIn.me.teams)})`);
    note(`key ${displayPrefix(signedIn.key)} for ${apiUrl} stored in ${profile.configPath}`);
    const previous = profile.config?.apiKey;
    if (previous && previous !== signedIn.key) {
      const where = profile.config?.apiUrl ?? DEFAULT_API_URL;
      note(
        `the key stored before (${displayPrefix(previous)}, for ${where}) stays valid until revoked: ` +
          `reslab --api ${where} keys revoke ${displayPrefix(previous)}`,
      );
    }
    if (profile.credential.token !== null && profile.credential.from === 'env') {
      note('RESLAB_API_KEY is set, and is used instead of the stored key until you unset it');
    }
    return 0;
  },
};

export const logout: Command = {
  noun: 'logout',
  verb: '',
  usage: '',
  summary: 'revoke the stored API key and remove it from your config file',
  options: {},
  positionals: { min: 0, max: 0 },
  async run({ profile, out, note }) {
    const { config, configPath } = profile;
    const key = config?.apiKey;
    if (!key) {
      out(`not signed in: ${configPath} holds no key`);
    } else {
      // The key is revoked where it was stored for, whatever --api says.
      const where = config?.apiUrl ?? DEFAULT_API_URL;
      const stored = new ResLabApi(where).withToken(key);
      let revoked = 'revoked';
      try {
        const me = await stored.me();
        await stored.revokeKey(me.credential.id);
      } catch (error) {
        if (error instanceof NotSignedInError) revoked = 'already invalid';
        else {
          revoked = 'NOT revoked';
          note(
            `reslab: could not revoke the key on ${where} (${(error as Error).message}); ` +
              `it stays valid until revoked in the dashboard or with \`reslab keys revoke ${displayPrefix(key)}\``,
          );
        }
      }
      writeConfig(configPath, { apiUrl: config?.apiUrl });
      out(`Signed out: key ${displayPrefix(key)} ${revoked}, and removed from ${configPath}`);
    }
    if (profile.credential.token !== null && profile.credential.from === 'env') {
      note('RESLAB_API_KEY is still set, and commands keep using it until you unset it');
    }
    return 0;
  },
};

export const whoami: Command = {
  noun: 'whoami',
  verb: '',
  usage: '[--json]',
  summary: 'who the orchestrator takes you for: user, teams and roles, and the credential used',
  optionHelp: ['--json  print GET /auth/me as JSON'],
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ api, profile, values, out }) {
    const me = await api.me();
    if (values.json) {
      out(JSON.stringify(me, null, 2));
      return 0;
    }
    const { credential } = profile;
    const source =
      credential.token === null || credential.from === 'given'
        ? ''
        : credential.from === 'env'
          ? ' from RESLAB_API_KEY'
          : ` from ${credential.path}`;
    out(`${me.user.email} (${me.user.name})${me.user.instanceAdmin ? ', instance admin' : ''}`);
    out(teamsPhrase(me.teams));
    out(`signed in to ${api.baseUrl} with ${me.credential.kind} ${me.credential.prefix}${source}`);
    return 0;
  },
};
