import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';
import createNextIntlPlugin from 'next-intl/plugin';

/**
 * The dashboard is a plain Next.js server (default `output`): every page renders
 * on request from the orchestrator's REST API, so there is nothing to export.
 *
 * Telemetry: run every `next` command with NEXT_TELEMETRY_DISABLED=1 (the
 * package scripts do). The app makes no external requests: no CDN fonts, no
 * analytics; the only outbound calls are server-side ones to RESLAB_API_URL.
 */
const monorepoRoot = fileURLToPath(new URL('../..', import.meta.url));

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Dependencies are hoisted to the monorepo root by npm workspaces.
  outputFileTracingRoot: monorepoRoot,
  turbopack: { root: monorepoRoot },
};

// next-intl reads each request's locale and messages from ./i18n/request.ts (its default path).
const withNextIntl = createNextIntlPlugin();

export default withNextIntl(nextConfig);
