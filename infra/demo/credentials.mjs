// First run of `make demo`: the orchestrator creates the instance admin from RESLAB_ADMIN_EMAIL and
// RESLAB_ADMIN_PASSWORD (the password is made here once, kept 0600 in .reslab/demo-credentials.json).
// Every run: signs in as that admin, keeps one API key for the demo's own client and the printed
// `reslab login` line, and makes an enrolment token when the demo worker has no credential yet.
// Prints shell assignments for demo.sh to eval; everything it says to a person goes to stderr.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const [command, file, api, workerDir] = process.argv.slice(2);
const EMAIL = 'admin@reslab.local';

function load() {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.error(
      `[demo] ${file} is not JSON: delete it, and the demo database (make db-down; rm -rf .reslab/postgres), to start over`,
    );
    process.exit(1);
  }
}

function save(value) {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

const quote = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

if (command === 'admin') {
  // Before the orchestrator starts: the admin it should create if it has no user yet.
  const saved = load() ?? { email: EMAIL, password: randomBytes(12).toString('base64url') };
  save(saved);
  console.log(`RESLAB_ADMIN_EMAIL=${quote(saved.email)}; RESLAB_ADMIN_PASSWORD=${quote(saved.password)}`);
} else if (command === 'session') {
  const saved = load();
  const call = async (method, path, token, body) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  const login = await call('POST', '/auth/login', null, { email: saved.email, password: saved.password });
  if (login.status !== 200) {
    console.error(
      `[demo] cannot sign in as ${saved.email} (HTTP ${login.status}): this database has other accounts. ` +
        'Sign in with yours, or start over: make db-down; rm -rf .reslab/postgres .reslab/demo-credentials.json',
    );
    process.exit(1);
  }
  const session = login.body.token;
  // One key for the demo, kept across runs; a new one if it was revoked.
  let key = saved.apiKey;
  if (!key || (await call('GET', '/auth/me', key)).status !== 200) {
    key = (await call('POST', '/keys', session, { name: 'make demo' })).body.secret;
    save({ ...saved, apiKey: key });
  }
  let enrolment = '';
  if (!existsSync(`${workerDir}/credential.json`)) {
    const demo = (await call('GET', '/teams', key)).body.find((t) => t.slug === 'demo');
    enrolment = (await call('POST', '/workers/enrolment-tokens', key, { teamId: demo?.id ?? null })).body.token ?? '';
  }
  await call('POST', '/auth/logout', session);
  console.log(`RESLAB_DEMO_KEY=${quote(key)}; RESLAB_ENROLMENT_TOKEN=${quote(enrolment)}`);
}
