import { SetMetadata } from '@nestjs/common';
import type { TeamRole } from '@reslab/contracts';

/** What the `:id` of a route names, so the guard can find the team it belongs to. */
export type ResourceKind =
  | 'run'
  | 'analysis'
  | 'sweep'
  | 'experiment'
  | 'team'
  | 'worker'
  | 'share'
  | 'artifact'
  | 'apiKey'
  | 'session';

/**
 * Who may call a route. Every handler carries one (AccessGuard refuses to start otherwise):
 * - `public`: no credential (health, the API's own description, login, worker enrolment);
 * - `user`: a session or API key, holding `role` (default viewer) in the team of the `:id`
 *   `resource`, or in some team for a route without one; `share` lets a share link read it too;
 * - `worker`: a worker secret, for the worker's own id only;
 * - `instanceAdmin`: a user who manages the instance (users, shared workers).
 */
export type AccessPolicy =
  | { who: 'public' }
  | { who: 'user'; role?: TeamRole; resource?: ResourceKind; share?: boolean }
  | { who: 'worker' }
  | { who: 'instanceAdmin' };

export const ACCESS_POLICY = 'reslab:access-policy';

export const Access = (policy: AccessPolicy) => SetMetadata(ACCESS_POLICY, policy);
