import { randomBytes } from 'node:crypto';
import {
  STREAM,
  type SubscribeAck,
  type SubscribeRequest,
  type TeamDto,
  type TeamRole,
  type UserDto,
} from '@reslab/contracts';
import { io, type Socket } from 'socket.io-client';
import { api, type Stack, signInWithKey, type TestUser } from './stack.js';
import { rememberSecret } from './test-log.js';

/**
 * People, teams and credentials for the security tests, made the way a real
 * client makes them: accounts by the instance admin (POST /users), teams by
 * their owner (POST /teams), roles by an admin (PUT /teams/:id/members), keys
 * by signing in (signInWithKey). Also the socket as a browser or script opens
 * it, and the operations of /openapi.json as a test walks them.
 */

type StackLike = Pick<Stack, 'apiUrl' | 'admin'>;

/** An account with a key of its own; `as` is api()'s last argument to speak as it. */
export interface Account extends TestUser {
  id: string;
  name: string;
  as: { token: string };
}

/** A fresh account (POST /users as the instance admin), signed in with a key of its own. */
export async function createAccount(stack: StackLike, label: string): Promise<Account> {
  const email = `${label}-${randomBytes(3).toString('hex')}@reslab.test`;
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const created = await api<UserDto>(stack, 'POST', '/users', { email, name: label, password });
  if (created.status !== 201)
    throw new Error(`POST /users ${email}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  const apiKey = await signInWithKey(stack.apiUrl, email, password);
  return { id: created.body.id, name: label, email, password, apiKey, as: { token: apiKey } };
}

/** A team started by `owner` (POST /teams), who becomes its owner; it comes with a project `default`. */
export async function createTeam(stack: StackLike, owner: { token: string }, slug: string): Promise<TeamDto> {
  const created = await api<TeamDto>(stack, 'POST', '/teams', { slug, name: `Team ${slug}` }, owner);
  if (created.status !== 201)
    throw new Error(`POST /teams ${slug}: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** Gives `email` the role in the team (PUT /teams/:id/members), as the stack's admin unless `as` says otherwise. */
export async function grantRole(
  stack: StackLike,
  teamId: string,
  email: string,
  role: TeamRole,
  as: { token: string } = { token: stack.admin.apiKey },
): Promise<void> {
  const put = await api(stack, 'PUT', `/teams/${teamId}/members`, { email, role }, as);
  if (put.status !== 200)
    throw new Error(`PUT member ${email} as ${role}: HTTP ${put.status} ${JSON.stringify(put.body)}`);
}

/** Signs in with a password: the session token (POST /auth/login), as the dashboard's sign-in page does. */
export async function signIn(stack: StackLike, email: string, password: string): Promise<string> {
  const login = await api<{ token: string }>(stack, 'POST', '/auth/login', { email, password }, { token: null });
  if (login.status !== 200) throw new Error(`sign-in of ${email}: HTTP ${login.status} ${JSON.stringify(login.body)}`);
  return login.body.token;
}

// ---- the socket ------------------------------------------------------------------

export interface StreamOptions {
  /** `auth: { token }` of the handshake; null sends none. */
  token: string | null;
  /** The handshake's Origin header, as a browser page on that origin would send it. */
  origin?: string;
  transports?: ('websocket' | 'polling')[];
}

/** A refusal by the server carries `data.status` as on REST (401 bad credential, 403 wrong kind); none below it. */
type HandshakeOutcome = { outcome: 'connected' } | { outcome: 'refused'; reason: string; status: number | null };
/** How each socket's handshake ended, listened for from the moment it is opened, so no answer is missed. */
const handshakes = new WeakMap<Socket, Promise<HandshakeOutcome>>();

/** A socket.io client as the dashboard or a script opens one, without reconnecting (a test sees each refusal). */
export function openStream(stack: Pick<Stack, 'apiUrl'>, options: StreamOptions): Socket {
  if (options.token) rememberSecret('credential', options.token);
  const socket = io(stack.apiUrl, {
    transports: options.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(options.token ? { auth: { token: options.token } } : {}),
    ...(options.origin ? { extraHeaders: { Origin: options.origin } } : {}),
  });
  handshakes.set(
    socket,
    new Promise((resolve) => {
      socket.once('connect', () => resolve({ outcome: 'connected' }));
      socket.once('connect_error', (error: Error & { data?: { status?: number } }) =>
        resolve({ outcome: 'refused', reason: error.message, status: error.data?.status ?? null }),
      );
    }),
  );
  return socket;
}

/**
 * How a handshake ended: `connected`, or `refused` with the server's reason. A handshake that does neither within
 * `timeoutMs` fails the test.
 */
export function handshake(socket: Socket, timeoutMs = 10_000): Promise<HandshakeOutcome> {
  const outcome = handshakes.get(socket);
  if (!outcome) throw new Error('handshake() takes a socket made by openStream()');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket handshake: no answer within ${timeoutMs} ms`)), timeoutMs);
    void outcome.then((result) => {
      clearTimeout(timer);
      resolve(result);
    });
  });
}

export function subscribeRoom(
  socket: Socket,
  room: SubscribeRequest['room'],
  timeoutMs = 10_000,
): Promise<SubscribeAck> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`subscribe ${JSON.stringify(room)}: no ack within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.emit(STREAM.subscribe, { room } satisfies SubscribeRequest, (ack: SubscribeAck) => {
      clearTimeout(timer);
      resolve(ack);
    });
  });
}

/** Resolves with the reason when the server closes the socket; fails the test if it has not within `timeoutMs`. */
export function disconnection(socket: Socket, what: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (socket.disconnected) return resolve('already disconnected');
    const timer = setTimeout(() => reject(new Error(`${what}: still connected after ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason: string) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

// ---- the API's own description ------------------------------------------------------

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  minimum?: number;
  exclusiveMinimum?: boolean | number;
  minItems?: number;
  nullable?: boolean;
  default?: unknown;
};

/** One operation of /openapi.json, with what the test needs to call it. */
export interface SpecOperation {
  method: string;
  /** As the spec writes it, e.g. `/runs/{id}/cancel`. */
  path: string;
  summary: string;
  /** `security: []`: callable with no credential. */
  isPublic: boolean;
  /**
   * Worker routes (the spec's summaries start "Worker:") take a worker secret only: a user's key there is
   * refused outright with 403, whatever object it names, because the kind of credential is wrong before any
   * object is looked at.
   */
  workerOnly: boolean;
  pathParams: string[];
  queryParams: string[];
  bodySchema: JsonSchema | null;
  /** Statuses the spec documents. */
  statuses: number[];
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        summary: string;
        security?: unknown[];
        parameters?: { name: string; in: string }[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
        responses: Record<string, unknown>;
      }
    >
  >;
}

/** Every operation the running orchestrator describes at GET /openapi.json. */
export async function specOperations(stack: Pick<Stack, 'apiUrl'>): Promise<SpecOperation[]> {
  const response = await fetch(`${stack.apiUrl}/openapi.json`);
  if (!response.ok) throw new Error(`GET /openapi.json: HTTP ${response.status}`);
  const doc = (await response.json()) as OpenApiDocument;
  const operations: SpecOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      operations.push({
        method: method.toUpperCase(),
        path,
        summary: op.summary,
        isPublic: Array.isArray(op.security) && op.security.length === 0,
        workerOnly: /^Worker:/.test(op.summary),
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodySchema: op.requestBody?.content['application/json']?.schema ?? null,
        statuses: Object.keys(op.responses).map(Number),
      });
    }
  }
  return operations;
}

/** `METHOD /path` as logs and failure messages name an operation. */
export const operationName = (op: Pick<SpecOperation, 'method' | 'path'>) => `${op.method} ${op.path}`;

/**
 * A minimal body that the schema accepts: required properties only, the first
 * enum value, the smallest number allowed. `named` supplies a value by
 * property name wherever the schema has that property, required or not (an
 * id of the object under test, a project), so a body points at the objects a
 * test chooses. `everyProperty` fills the optional properties too.
 */
export function minimalBody(
  schema: JsonSchema,
  named: Record<string, unknown> = {},
  options: { everyProperty?: boolean } = {},
): unknown {
  const value = (s: JsonSchema, name: string | null): unknown => {
    if (name !== null && name in named) return named[name];
    if (s.oneOf?.[0]) return value(s.oneOf[0], name);
    if (s.anyOf?.[0]) return value(s.anyOf[0], name);
    if (s.enum?.length) return s.enum[0];
    switch (s.type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        const optional = Object.keys(s.properties ?? {}).filter((k) => options.everyProperty || k in named);
        const keys = new Set([...(s.required ?? []), ...optional]);
        for (const key of keys) out[key] = value(s.properties?.[key] ?? {}, key);
        return out;
      }
      case 'array':
        return Array.from({ length: s.minItems ?? 0 }, () => value(s.items ?? {}, null));
      case 'integer':
      case 'number': {
        const min = s.minimum ?? 0;
        return s.exclusiveMinimum === true ? min + 1 : Math.max(min, 1);
      }
      case 'boolean':
        return false;
      case 'string':
        // A password (or token) a test makes up is recorded as a secret for the log scan: unique, so that a
        // string of x's printed anywhere is not taken for it.
        if (name === 'password') return `made-up-${randomBytes(8).toString('hex')}`;
        if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
        if (s.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
        if (s.pattern?.startsWith('^[^\\s@]+@')) return 'nobody@reslab.test';
        if (s.pattern && /^\^\[0-9a-f\]\{\d+\}\$$/.test(s.pattern))
          return '0'.repeat(Number(/\d+(?=\})/.exec(s.pattern)));
        if (s.pattern?.startsWith('^rs'))
          return `${/^\^(rs[a-z]_)/.exec(s.pattern)?.[1] ?? ''}${randomBytes(32).toString('base64url')}`;
        return 'x'.repeat(Math.max(s.minLength ?? 1, 1));
      default:
        return null;
    }
  };
  return value(schema, null);
}

/** Every distinct secret-looking token (rsn_, rsk_, rsw_, rse_, rsl_ and 43 base64url characters) in a text. */
export function tokensIn(text: string): string[] {
  return [...new Set(text.match(/rs[nkwel]_[A-Za-z0-9_-]{43}/g) ?? [])];
}
