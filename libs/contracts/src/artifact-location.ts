/**
 * Where the orchestrator and the workers find a run's files when they share no folder: an S3 bucket, named by
 * RESLAB_ARTIFACT_STORE=s3://bucket/prefix on both sides. An artifact's registered path (RegisterArtifactRequest.path,
 * e.g. `runs/<runId>/attempt-1/model.safetensors`) is its key under the prefix, so both sides must map it alike:
 * this is the one place that says how.
 */
export interface S3Location {
  bucket: string;
  /** Key prefix without a trailing slash; '' for the bucket's root. */
  prefix: string;
}

// S3's bucket naming rules (3-63 characters of lower-case letters, digits, dots and hyphens), which S3-compatible
// servers share: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket` or `s3://bucket/some/prefix`; an Error naming `variable` for anything else. */
export function parseS3Location(text: string, variable = 'RESLAB_ARTIFACT_STORE'): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text.trim());
  if (!match) throw new Error(`${variable} must be s3://<bucket>[/<prefix>], got '${text}'`);
  const bucket = match[1] as string;
  if (!BUCKET.test(bucket)) {
    throw new Error(`${variable}: '${bucket}' is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')`);
  }
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`${variable}: the prefix '${prefix}' must not hold '.' or '..' segments`);
  }
  return { bucket, prefix };
}

/** The object key of a file registered at `path` (relative to the store's root). */
export function s3Key(location: S3Location, path: string): string {
  return location.prefix ? `${location.prefix}/${path}` : path;
}

/** `s3://bucket/prefix`, for logs and messages. */
export function s3Url(location: S3Location): string {
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}

/** The S3 store as configured on a host: the worker and the orchestrator read the same variables. */
export interface S3StoreSettings {
  location: S3Location;
  /** RESLAB_S3_ENDPOINT, for an S3-compatible server (MinIO, Ceph, moto); null: AWS's endpoint for the region. */
  endpoint: string | null;
  /** RESLAB_S3_REGION, else AWS_REGION, else us-east-1. Credentials come from the AWS SDK's default chain. */
  region: string;
}

/** Null when RESLAB_ARTIFACT_STORE is unset (the shared folder, RESLAB_ARTIFACT_DIR); an Error naming the variable. */
export function s3StoreSettings(env: Record<string, string | undefined>): S3StoreSettings | null {
  const store = env.RESLAB_ARTIFACT_STORE?.trim();
  if (!store) return null;
  const location = parseS3Location(store);
  const endpoint = env.RESLAB_S3_ENDPOINT?.trim() || null;
  if (endpoint !== null) {
    let url: URL | null = null;
    try {
      url = new URL(endpoint);
    } catch {}
    if (!url || !/^https?:$/.test(url.protocol)) {
      throw new Error(`RESLAB_S3_ENDPOINT must be an http(s) URL, got '${endpoint}'`);
    }
  }
  return { location, endpoint, region: env.RESLAB_S3_REGION?.trim() || env.AWS_REGION?.trim() || 'us-east-1' };
}

/** The base64 SHA-256 S3 reports (x-amz-checksum-sha256) for a hex digest, as ResLab registers them. */
export const sha256Base64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
/** The hex digest of a SHA-256 S3 reports in base64. */
export const sha256Hex = (base64: string): string => Buffer.from(base64, 'base64').toString('hex');

/**
 * The options for the AWS SDK's S3Client on these settings, a plain object so that this file needs no SDK:
 * path-style addressing where an endpoint is given, since S3-compatible servers (MinIO, Ceph, moto) answer on one
 * host with the bucket in the path. On Node < 22 the SDK prints a NodeVersionSupportWarning of nine lines to stderr
 * when a client is made; it is said once through `warn` instead (and the SDK's own switched off), so that every
 * line the orchestrator or a worker prints stays one JSON object.
 */
export function s3ClientOptions(
  settings: S3StoreSettings,
  warn: (fields: { node: string }, message: string) => void,
): { region: string; endpoint?: string; forcePathStyle?: boolean } {
  if (
    Number(process.versions.node.split('.')[0]) < 22 &&
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED !== 'true'
  ) {
    warn({ node: process.version }, 'AWS SDK for JavaScript releases after January 2027 need Node >= 22');
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }
  return { region: settings.region, ...(settings.endpoint && { endpoint: settings.endpoint, forcePathStyle: true }) };
}
