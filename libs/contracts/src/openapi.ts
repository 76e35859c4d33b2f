import { z } from 'zod';
import { AnalysisDetailDto, AnalysisDto, AnalysisList, CreateAnalysisRequest } from './analysis-api.js';
import {
  ApiError,
  ArtifactDto,
  ClaimRequest,
  ClaimResponse,
  CreateRunRequest,
  EpochMetricDto,
  ExperimentDto,
  FinishRunRequest,
  GradFlowDto,
  HeartbeatRequest,
  HeartbeatResponse,
  IngestEventsRequest,
  RegisterArtifactRequest,
  RegisterWorkerRequest,
  RunCurvesDto,
  RunCurvesQuery,
  RunDto,
  SweepDetailDto,
  SweepMetricsDto,
  SweepMetricsQuery,
  SweepPreviewDto,
  WorkerDto,
} from './api.js';
import {
  CreateExternalRunRequest,
  EndExternalRunRequest,
  ExternalRunDto,
  ExternalRunPage,
  ExternalRunsQuery,
  LogExternalRequest,
  LogExternalResponse,
  MetricHistoryDto,
  MetricHistoryQuery,
} from './external-runs.js';
import {
  ApiKeyDto,
  AuditPage,
  CreateApiKeyRequest,
  CreatedApiKey,
  CreatedShare,
  CreateEnrolmentTokenRequest,
  CreateProjectRequest,
  CreateShareRequest,
  CreateTeamRequest,
  CreateUserRequest,
  EnrolmentTokenDto,
  EnrolWorkerRequest,
  EnrolWorkerResponse,
  LoginRequest,
  LoginResponse,
  MemberDto,
  ProjectDto,
  PutMemberRequest,
  SessionDto,
  ShareDto,
  TeamDto,
  UserDto,
  WhoAmIDto,
} from './identity.js';
import { ListRunsQuery, RunPage, RunRowPage, SweepPage } from './page.js';
import { SweepSpec } from './sweeps.js';
import { PROTOCOL_VERSION } from './version.js';

type Schema = z.ZodType;
interface Operation {
  summary: string;
  body?: Schema;
  response?: Schema;
  list?: boolean;
  params?: string[];
  query?: string[];
  /** The zod schema of the query, so each query parameter is documented with its own type. */
  querySchema?: z.ZodObject;
  /** Who may call it (the orchestrator's @Access policies): no credential, a user's, a worker's. Default user. */
  auth?: 'public' | 'user' | 'worker';
  /** The success status when not the default (201 for a POST that creates, else 200). */
  status?: number;
  /** Error statuses beyond the ones every operation of its kind can answer (see errorStatuses). */
  errors?: number[];
  /** A second success status with the same body: 200 when a create finds the object it would make. */
  existing?: number;
}

/** The orchestrator's HTTP API, generated from the same zod schemas the code validates with. */
const OPERATIONS: Record<string, Record<string, Operation>> = {
  '/runs': {
    post: { summary: 'Queue a run (member)', body: CreateRunRequest, response: RunDto },
    get: {
      summary:
        'List runs a page at a time: pass nextCursor back as cursor (limit 100, at most 1000). Filters ids, status, arch and depth take several values (comma-separated or repeated); sort is queuedAt (newest first) or a final val metric (valAccuracy, valF1: best first; valLoss: lowest first), order overrides the direction',
      response: RunPage,
      query: ['ids', 'status', 'sweepId', 'workerId', 'arch', 'depth', 'sort', 'order', 'limit', 'cursor'],
      querySchema: ListRunsQuery,
    },
  },
  '/runs/rows': {
    get: {
      summary:
        'GET /runs with each run as a list row: net, data set, epochs, status and final val split, without config, params and stderr tail; the same query, order and cursors',
      response: RunRowPage,
      query: ['ids', 'status', 'sweepId', 'workerId', 'arch', 'depth', 'sort', 'order', 'limit', 'cursor'],
      querySchema: ListRunsQuery,
    },
  },
  '/runs/curves': {
    get: {
      summary:
        'Curves of up to 100 runs named in ids (comma-separated), columnar as GET /sweeps/{id}/metrics; runs you cannot see are left out',
      response: RunCurvesDto,
      query: ['ids', 'split', 'metric'],
      querySchema: RunCurvesQuery,
    },
  },
  '/runs/{id}': { get: { summary: 'One run', response: RunDto, params: ['id'] } },
  '/runs/{id}/metrics': {
    get: { summary: 'Epoch metrics of a run', response: EpochMetricDto, list: true, params: ['id'] },
  },
  '/runs/{id}/grad-flow': {
    get: { summary: 'Per-block gradient flow by epoch', response: GradFlowDto, list: true, params: ['id'] },
  },
  '/runs/{id}/cancel': {
    post: { summary: 'Cancel a queued or running run (member)', response: RunDto, params: ['id'], errors: [409] },
  },
  '/runs/{id}/retry': {
    post: { summary: 'Requeue a failed or cancelled run (member)', response: RunDto, params: ['id'], errors: [409] },
  },
  '/runs/{id}/analyses': {
    post: {
      summary:
        'Analyse a finished run (member): lesion, landscape, curvature or cost; 201 with a new analysis, 200 with the one already asked with the same params (its failed or cancelled chunks requeued)',
      body: CreateAnalysisRequest,
      response: AnalysisDetailDto,
      params: ['id'],
      status: 201,
      existing: 200,
      errors: [409],
    },
    get: { summary: "A run's analyses, newest first, each with its parts", response: AnalysisList, params: ['id'] },
  },
  '/runs/{id}/events': {
    post: {
      summary: 'Worker: forward engine events',
      body: IngestEventsRequest,
      params: ['id'],
      auth: 'worker',
      status: 200,
      errors: [409],
    },
  },
  '/runs/{id}/finish': {
    post: {
      summary: 'Worker: report how the engine ended',
      body: FinishRunRequest,
      response: RunDto,
      params: ['id'],
      auth: 'worker',
      status: 200,
      errors: [409],
    },
  },
  '/runs/{id}/artifacts': {
    get: { summary: 'Artifacts of a run', response: ArtifactDto, list: true, params: ['id'] },
    post: {
      summary: 'Worker: register a file in the artifact store',
      body: RegisterArtifactRequest,
      response: ArtifactDto,
      params: ['id'],
      auth: 'worker',
      status: 201,
      errors: [409],
    },
  },
  '/artifacts/{id}/download': {
    // 409: the store holds a file under the registered path whose size or SHA-256 is not the registered one.
    get: { summary: 'Download an artifact', params: ['id'], errors: [409] },
  },
  '/external-runs': {
    post: {
      summary:
        'Start a run trained elsewhere (member): status running; the config is kept and its leaves stored as params. 201 with a new run; 200 with the run a client-chosen id already names (the same create again); 409 when that id is some other run',
      body: CreateExternalRunRequest,
      response: ExternalRunDto,
      existing: 200,
      errors: [409],
    },
    get: {
      summary:
        'External runs newest first (by start), a page at a time as GET /runs; filters project (team/project), experiment and source',
      response: ExternalRunPage,
      query: ['project', 'experiment', 'source', 'limit', 'cursor'],
      querySchema: ExternalRunsQuery,
    },
  },
  '/external-runs/{id}': {
    get: {
      summary: 'An external run with its params, tags and the last point and count of each metric',
      response: ExternalRunDto,
      params: ['id'],
    },
    delete: {
      summary: 'Delete an external run and everything it logged (member)',
      params: ['id'],
      status: 204,
    },
  },
  '/external-runs/{id}/log': {
    post: {
      summary:
        "Log a batch (member): metric points (one already stored is skipped), write-once params (another value is a 400 naming params.<key>), last-wins tags, and epochs stored and streamed as an engine run's; an ended run takes them too and stays ended (MLflow's rule)",
      body: LogExternalRequest,
      response: LogExternalResponse,
      params: ['id'],
      status: 200,
    },
  },
  '/external-runs/{id}/end': {
    post: {
      summary:
        'End a running external run (member): succeeded, failed or cancelled; the same end again is a no-op, another status a 409',
      body: EndExternalRunRequest,
      response: ExternalRunDto,
      params: ['id'],
      status: 200,
      errors: [409],
    },
  },
  '/external-runs/{id}/resume': {
    post: {
      summary:
        "Run an ended external run again (member), as MLflow's start_run(run_id=...) does: status running, finishedAt null, until it is ended again with any status; a running run is answered as it is",
      response: ExternalRunDto,
      params: ['id'],
      status: 200,
    },
  },
  '/external-runs/{id}/metric-history': {
    get: {
      summary: 'Every point of one metric key, in (step, timestamp) order',
      response: MetricHistoryDto,
      params: ['id'],
      query: ['key'],
      querySchema: MetricHistoryQuery,
    },
  },
  '/experiments': { get: { summary: 'Experiments with run counts by status', response: ExperimentDto, list: true } },
  '/experiments/{id}': { get: { summary: 'One experiment', response: ExperimentDto, params: ['id'] } },
  '/sweeps': {
    post: { summary: 'Expand a grid into runs and queue them (member)', body: SweepSpec, response: SweepDetailDto },
    get: {
      summary: 'List sweeps with status counts, newest first, a page at a time (as GET /runs)',
      response: SweepPage,
      query: ['limit', 'cursor'],
    },
  },
  '/sweeps/preview': {
    post: { summary: 'Validate a grid and count its runs without storing', body: SweepSpec, response: SweepPreviewDto },
  },
  '/sweeps/templates': {
    get: {
      summary:
        "Built-in sweep templates: degradation (He et al. 2016 Fig. 6 on a CPU budget), he2016-cifar10 and he2016-cifar10-110 (the paper's full recipe)",
    },
  },
  '/sweeps/{id}': {
    get: { summary: 'A sweep with its runs and final metrics', response: SweepDetailDto, params: ['id'] },
  },
  '/sweeps/{id}/analyses': {
    get: { summary: "The analyses of a sweep's runs, newest first", response: AnalysisList, params: ['id'] },
  },
  '/analyses/{id}': {
    get: {
      summary: 'An analysis: its jobs (one per chunk) and every part stored so far',
      response: AnalysisDetailDto,
      params: ['id'],
    },
  },
  '/analyses/{id}/cancel': {
    post: {
      summary: 'Cancel the queued and running jobs of an analysis (member)',
      response: AnalysisDto,
      params: ['id'],
    },
  },
  '/sweeps/{id}/metrics': {
    get: {
      summary:
        'Every curve of a sweep, columnar: per run and split, epoch[] with loss[], accuracy[], ... (split and metric narrow it; comma-separated)',
      response: SweepMetricsDto,
      params: ['id'],
      query: ['split', 'metric'],
      querySchema: SweepMetricsQuery,
    },
  },
  '/sweeps/{id}/cancel': {
    post: {
      summary: 'Cancel every open run of a sweep (member)',
      response: SweepDetailDto,
      params: ['id'],
      errors: [409],
    },
  },
  '/sweeps/{id}/retry': {
    post: {
      summary: 'Retry failed and cancelled runs (member)',
      response: SweepDetailDto,
      params: ['id'],
      errors: [409],
    },
  },
  '/workers': {
    post: {
      summary: 'Worker: report host, slots and GPUs at start (its name was fixed at enrolment)',
      body: RegisterWorkerRequest,
      response: WorkerDto,
      auth: 'worker',
      status: 200,
    },
    get: { summary: "List the workers of the caller's teams and the shared ones", response: WorkerDto, list: true },
  },
  '/workers/enrolment-tokens': {
    post: {
      summary:
        'A one-time token to enrol a worker into a team (admin), or a shared worker (teamId null; instance admin)',
      body: CreateEnrolmentTokenRequest,
      response: EnrolmentTokenDto,
      errors: [404],
    },
  },
  '/workers/enrol': {
    post: {
      summary: 'Trade an enrolment token (in the body) for a worker identity and its secret, shown once',
      body: EnrolWorkerRequest,
      response: EnrolWorkerResponse,
      auth: 'public',
      errors: [401, 409],
    },
  },
  '/workers/{id}': {
    delete: {
      summary: 'Revoke a worker: its secret is refused and it gets no more work (admin)',
      response: WorkerDto,
      params: ['id'],
    },
  },
  '/workers/{id}/heartbeat': {
    post: {
      summary: 'Worker: renew leases',
      body: HeartbeatRequest,
      response: HeartbeatResponse,
      params: ['id'],
      auth: 'worker',
      status: 200,
    },
  },
  '/workers/{id}/claim': {
    post: {
      summary: 'Worker: claim the next run, or the queued run it names',
      body: ClaimRequest,
      response: ClaimResponse,
      params: ['id'],
      auth: 'worker',
      status: 200,
    },
  },
  '/auth/login': {
    post: {
      summary: 'Sign in with e-mail and password: a session token, also set as the reslab_session cookie',
      body: LoginRequest,
      response: LoginResponse,
      auth: 'public',
      status: 200,
      errors: [401, 429],
    },
  },
  '/auth/logout': { post: { summary: 'Sign out: revokes the presented session', status: 204 } },
  '/auth/me': { get: { summary: 'The caller: user, teams with roles, and the credential used', response: WhoAmIDto } },
  '/auth/sessions': { get: { summary: "The caller's open sessions", response: SessionDto, list: true } },
  '/auth/sessions/{id}': { delete: { summary: 'Revoke one of your sessions', params: ['id'], status: 204 } },
  '/users': {
    post: { summary: 'Create an account (instance admin)', body: CreateUserRequest, response: UserDto, errors: [409] },
    get: { summary: 'Every account (instance admin)', response: UserDto, list: true },
  },
  '/keys': {
    post: {
      summary: 'Create an API key; the secret is in this answer only',
      body: CreateApiKeyRequest,
      response: CreatedApiKey,
    },
    get: { summary: "The caller's API keys (prefixes, never secrets)", response: ApiKeyDto, list: true },
  },
  '/keys/{id}': { delete: { summary: 'Revoke one of your API keys', response: ApiKeyDto, params: ['id'] } },
  '/teams': {
    post: {
      summary: 'Start a team: you become its owner; it gets a project `default`',
      body: CreateTeamRequest,
      response: TeamDto,
      errors: [409],
    },
    get: { summary: 'Your teams, with your role in each', response: TeamDto, list: true },
  },
  '/teams/{id}': {
    get: { summary: 'A team', response: TeamDto, params: ['id'] },
    delete: { summary: 'Delete a team and everything in it (owner)', params: ['id'], status: 204 },
  },
  '/teams/{id}/members': {
    get: { summary: 'Members and roles', response: MemberDto, list: true, params: ['id'] },
    put: {
      summary: 'Add a member by e-mail or change a role (admin; owner for the owner role)',
      body: PutMemberRequest,
      response: MemberDto,
      params: ['id'],
      status: 200,
      errors: [409],
    },
  },
  '/teams/{id}/members/{userId}': {
    delete: {
      summary: 'Remove a member (admin; owner for an owner)',
      params: ['id', 'userId'],
      status: 204,
      errors: [409],
    },
  },
  '/teams/{id}/audit': {
    get: {
      summary: 'Who did what, newest first, a page at a time (admin)',
      response: AuditPage,
      params: ['id'],
      query: ['limit', 'cursor'],
    },
  },
  '/teams/{id}/projects': {
    post: {
      summary: 'Create a project (admin)',
      body: CreateProjectRequest,
      response: ProjectDto,
      params: ['id'],
      status: 201,
      errors: [409],
    },
  },
  '/projects': { get: { summary: 'Projects you can see, as team/project', response: ProjectDto, list: true } },
  '/shares': {
    post: {
      summary: 'A read-only link to a run, a sweep or a comparison (member); the token is in this answer only',
      body: CreateShareRequest,
      response: CreatedShare,
      errors: [404],
    },
    get: { summary: "Your teams' share links", response: ShareDto, list: true },
  },
  '/shares/current': {
    get: { summary: 'What the presented share link opens (send the link token as the credential)', response: ShareDto },
  },
  '/shares/{id}': {
    delete: {
      summary: 'Revoke a link: it fails from the next request, and its sockets close',
      response: ShareDto,
      params: ['id'],
    },
  },
  '/health': { get: { summary: 'Liveness; status degraded while the database is unreachable', auth: 'public' } },
  '/metrics': { get: { summary: 'Prometheus metrics', auth: 'public' } },
};

/**
 * Every status an operation can answer besides its success: 400 when it takes input, 401/403 when
 * it needs a credential, 404 when it names an object, 413 when it takes a body, 503 while the
 * database is down, and the operation's own (409, 429).
 */
function errorStatuses(path: string, method: string, op: Operation): number[] {
  const codes = new Set<number>([503, ...(op.errors ?? [])]);
  if (op.body || op.params?.length || op.query?.length) codes.add(400);
  if ((op.auth ?? 'user') !== 'public') {
    codes.add(401);
    codes.add(403);
  }
  // Not-found: a named object, and the worker routes whose run or worker can vanish.
  if (op.params?.length || path === '/shares/current') codes.add(404);
  if (op.body) codes.add(413);
  if (method === 'post' && path === '/workers') codes.add(404);
  return [...codes].sort();
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input; `issues` names each bad field',
  401: 'No credential, or one that is unknown, expired or revoked',
  403: 'A credential of the wrong kind, or a role too low for this, on an object you can see',
  404: 'No such object, or one of a team you are not in (never 403, so ids cannot be probed)',
  409: 'The object is not in a state that allows this',
  413: "Body too large (16 MiB for engine events and external runs' log batches, 256 kB elsewhere)",
  429: 'Too many failed sign-ins; see Retry-After',
  503: 'The database is unreachable; retry',
};

/**
 * Definitions that zod puts beside a schema (a recursive one: z.json(), an external run's config), moved to
 * components.schemas: in OpenAPI a `$ref` is resolved from the document's root, where `#/definitions` is nothing.
 * zod names them per conversion (`__schema0`), so each is named here by its content, and equal ones are one.
 */
const sharedSchemas = new Map<string, { name: string; schema: unknown }>();

function hoistDefinitions(schema: Record<string, unknown>): Record<string, unknown> {
  const definitions = schema.definitions as Record<string, unknown> | undefined;
  if (!definitions) return schema;
  const { definitions: _definitions, ...rest } = schema;
  const renamed = new Map(
    Object.entries(definitions).map(([local, definition]) => {
      const text = JSON.stringify(definition);
      const shared = sharedSchemas.get(text) ?? { name: `Recursive${sharedSchemas.size + 1}`, schema: null };
      sharedSchemas.set(text, shared);
      return [local, shared] as const;
    }),
  );
  const rewrite = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value).replace(/"#\/definitions\/([^"]+)"/g, (whole, local: string) => {
        const shared = renamed.get(local);
        return shared ? `"#/components/schemas/${shared.name}"` : whole;
      }),
    );
  for (const [local, shared] of renamed) shared.schema ??= rewrite(definitions[local]);
  return rewrite(rest) as Record<string, unknown>;
}

const json = (schema: Schema, io: 'input' | 'output') =>
  hoistDefinitions(z.toJSONSchema(schema, { io, target: 'openapi-3.0' }) as Record<string, unknown>);

/** A query parameter's schema from the operation's querySchema; a list parameter also takes one comma-separated string. */
function querySchemaOf(op: Operation, name: string): unknown {
  const field = op.querySchema?.shape[name] as Schema | undefined;
  if (!field) return { type: 'string' };
  const schema = json(field, 'input') as { type?: string; items?: unknown };
  return schema.type === 'array' ? { oneOf: [schema, { type: 'string' }] } : schema;
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, methods] of Object.entries(OPERATIONS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(methods)) {
      const responseSchema = op.response ? json(op.list ? z.array(op.response) : op.response, 'output') : undefined;
      paths[path][method] = {
        summary: op.summary,
        parameters: [
          ...(op.params ?? []).map((name) => ({
            name,
            in: 'path',
            required: true,
            schema: { type: 'string', format: 'uuid' },
          })),
          ...(op.query ?? []).map((name) => ({
            name,
            in: 'query',
            required: false,
            schema: querySchemaOf(op, name),
          })),
        ],
        ...(op.body && {
          requestBody: { required: true, content: { 'application/json': { schema: json(op.body, 'input') } } },
        }),
        security: (op.auth ?? 'user') === 'public' ? [] : [{ bearer: [] }, { session: [] }],
        responses: {
          [String(
            op.status ?? (method === 'post' && path !== '/sweeps/preview' && !path.includes('{id}/') ? 201 : 200),
          )]: {
            description: 'OK',
            ...(responseSchema && { content: { 'application/json': { schema: responseSchema } } }),
          },
          ...(op.existing && {
            [String(op.existing)]: {
              description: 'It existed already',
              ...(responseSchema && { content: { 'application/json': { schema: responseSchema } } }),
            },
          }),
          ...Object.fromEntries(
            errorStatuses(path, method, op).map((code) => [
              String(code),
              { description: ERROR_TEXT[code], content: { 'application/json': { schema: json(ApiError, 'output') } } },
            ]),
          ),
        },
      };
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'ResLab orchestrator', version: String(PROTOCOL_VERSION) },
    components: {
      schemas: Object.fromEntries([...sharedSchemas.values()].map(({ name, schema }) => [name, schema])),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (rsk_…), a session, a worker secret or a share link',
        },
        session: { type: 'apiKey', in: 'cookie', name: 'reslab_session' },
      },
    },
    paths,
  };
}
