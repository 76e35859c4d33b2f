/**
 * The orchestrator's configuration, read once from the environment at start.
 * A missing or malformed variable stops the process with a message naming it.
 */
export interface AppConfig {
  databaseUrl: string;
  host: string;
  port: number;
  logLevel: string;
}

export class ConfigError extends Error {}

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${name} must be a TCP port number (0-65535), got '${raw}'`);
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
    port: port('RESLAB_API_PORT', 4000),
    logLevel: process.env.LOG_LEVEL || 'info',
  };
}

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

export const APP_CONFIG = Symbol('APP_CONFIG');
