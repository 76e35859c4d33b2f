import { existsSync, readFileSync } from 'node:fs';
import { type S3StoreSettings, s3StoreSettings } from '@reslab/contracts';
import type { JobTemplate } from '../launch/job-spec.js';

/**
 * The orchestrator's configuration, read once from the environment at start.
 * A missing or malformed variable stops the process with a message naming it.
 */
export interface AppConfig {
  databaseUrl: string;
  host: string;
  port: number;
  logLevel: string;
  /** A worker that has not heartbeated for this long loses its runs to the queue. */
  leaseSeconds: number;
  /** Events of runs that finished longer ago than this are deleted from the RunEvent log; the tables keep the results. */
  eventRetentionHours: number;
  /** Root of the shared-directory artifact store; workers write runs/<runId>/ under it. */
  artifactDir: string;
  /** RESLAB_ARTIFACT_STORE=s3://bucket/prefix: artifacts live in S3 instead, and artifactDir is unused (docs/artifacts.md). */
  s3: S3StoreSettings | null;
  /** Web origins allowed to call the API from a browser (CORS) and to open the socket; the dashboard's by default. */
  allowedOrigins: string[];
  /** How long a dashboard sign-in lasts, hours. */
  sessionHours: number;
  /**
   * How long a resolved session or API key is reused without a lookup (identity/principal-cache.ts); revocations
   * and membership changes drop it at once, so this only bounds a change made behind the orchestrator's back.
   */
  principalCacheSeconds: number;
  /** First start only (no users yet): the instance admin to create, with a team `demo` it owns. */
  bootstrapAdmin: { email: string; password: string } | null;
  /** How a queued run reaches a worker (RESLAB_LAUNCHER): workers pull it, or a Kubernetes Job is made for it (launch/). */
  launcher: LauncherConfig;
}

export type LauncherConfig =
  | { kind: 'pull' }
  | ({
      kind: 'kubernetes';
      /** RESLAB_KUBE_RESYNC_MS: how often queued runs and live Jobs are compared (a controller's resync period). */
      resyncMs: number;
      // RESLAB_KUBE_NAMESPACE, _WORKER_IMAGE and _ORCHESTRATOR_URL (both required), _WORKER_CONFIGMAP,
      // _JOB_TTL_SECONDS, _ARTIFACT_PVC (unset with S3 artifacts): the Job template's fields.
    } & JobTemplate);

export class ConfigError extends Error {}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

export function loadAppConfig(): AppConfig {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl)
    throw new ConfigError('DATABASE_URL is not set (e.g. postgresql://reslab:reslab@127.0.0.1:55432/reslab)');
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgresql://, got '${redactUrl(databaseUrl)}'`);
  }
  return {
    databaseUrl,
    host: process.env.RESLAB_API_HOST || '127.0.0.1',
    port: integer('RESLAB_API_PORT', 4000, 0, 65535),
    logLevel: process.env.LOG_LEVEL || 'info',
    leaseSeconds: integer('RESLAB_LEASE_SECONDS', 30, 2, 86400),
    eventRetentionHours: integer('RESLAB_EVENT_RETENTION_HOURS', 168, 1, 24 * 366),
    artifactDir: process.env.RESLAB_ARTIFACT_DIR || defaultArtifactDir(),
    s3: s3Settings(),
    allowedOrigins: origins(),
    sessionHours: integer('RESLAB_SESSION_HOURS', 168, 1, 24 * 366),
    principalCacheSeconds: integer('RESLAB_PRINCIPAL_CACHE_SECONDS', 5, 1, 3600),
    bootstrapAdmin: bootstrapAdmin(),
    launcher: launcher(),
  };
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function launcher(): LauncherConfig {
  const kind = process.env.RESLAB_LAUNCHER || 'pull';
  if (kind === 'pull') return { kind };
  if (kind !== 'kubernetes') throw new ConfigError(`RESLAB_LAUNCHER must be pull or kubernetes, got '${kind}'`);
  const required = (name: string, example: string): string => {
    const value = process.env[name]?.trim();
    if (!value) throw new ConfigError(`${name} must be set with RESLAB_LAUNCHER=kubernetes (e.g. ${example})`);
    return value;
  };
  const orchestratorUrl = required('RESLAB_KUBE_ORCHESTRATOR_URL', 'http://reslab-orchestrator:4000');
  if (!URL.canParse(orchestratorUrl))
    throw new ConfigError(`RESLAB_KUBE_ORCHESTRATOR_URL must be a URL, got '${orchestratorUrl}'`);
  return {
    kind,
    namespace:
      process.env.RESLAB_KUBE_NAMESPACE?.trim() ||
      (existsSync(SERVICE_ACCOUNT_NAMESPACE) ? readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() : 'default'),
    workerImage: required('RESLAB_KUBE_WORKER_IMAGE', 'ghcr.io/example/reslab-worker:1.0'),
    orchestratorUrl,
    workerConfigMap: process.env.RESLAB_KUBE_WORKER_CONFIGMAP?.trim() || 'reslab-worker',
    ttlSecondsAfterFinished: integer('RESLAB_KUBE_JOB_TTL_SECONDS', 3600, 0, 30 * 86400),
    artifactClaim: process.env.RESLAB_KUBE_ARTIFACT_PVC?.trim() || null,
    resyncMs: integer('RESLAB_KUBE_RESYNC_MS', 5000, 100, 3_600_000),
  };
}

function s3Settings(): S3StoreSettings | null {
  try {
    return s3StoreSettings(process.env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function origins(): string[] {
  const raw = process.env.RESLAB_ALLOWED_ORIGINS?.trim();
  const port = process.env.RESLAB_DASHBOARD_PORT || '3000';
  const list = raw ? raw.split(',').map((o) => o.trim()) : [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  for (const origin of list) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(`RESLAB_ALLOWED_ORIGINS: '${origin}' is not a URL (e.g. https://reslab.example.com)`);
    }
    if (url.origin !== origin) {
      throw new ConfigError(
        `RESLAB_ALLOWED_ORIGINS: '${origin}' must be an origin, scheme://host[:port], like '${url.origin}'`,
      );
    }
  }
  return list;
}

function bootstrapAdmin(): AppConfig['bootstrapAdmin'] {
  const email = process.env.RESLAB_ADMIN_EMAIL?.trim();
  const password = process.env.RESLAB_ADMIN_PASSWORD ?? '';
  if (!email) return null;
  if (password.length < 8)
    throw new ConfigError('RESLAB_ADMIN_PASSWORD must be set, at least 8 characters, with RESLAB_ADMIN_EMAIL');
  return { email: email.toLowerCase(), password };
}

function defaultArtifactDir(): string {
  // apps/orchestrator/dist/config -> repository root/.reslab/artifacts
  return new URL('../../../../.reslab/artifacts', import.meta.url).pathname;
}

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

export const APP_CONFIG = Symbol('APP_CONFIG');
