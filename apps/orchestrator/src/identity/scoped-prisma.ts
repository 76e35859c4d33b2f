import { notFound } from '../common/api-errors.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { currentScope } from './request-scope.js';
import { ScopeViolation, scopeQuery } from './team-scope.js';

/**
 * Every model query of the process goes through the request's DataScope
 * (team-scope.ts). A request whose guard has not run (a route without an
 * access policy cannot exist: AccessGuard refuses to start) reads nothing.
 */
export function withTeamScope(client: PrismaClient) {
  return client.$extends({
    name: 'team-scope',
    query: {
      $allModels: {
        async $allOperations({ model, operation, args, query }) {
          const scope = currentScope();
          if (!scope) return query(args);
          if (!scope.data) throw new ScopeViolation(`${model}.${operation} before the access guard ran`);
          try {
            return await query(scopeQuery(model, operation, (args ?? {}) as Record<string, unknown>, scope.data));
          } catch (error) {
            // A create in another team reads as that team not existing: 404, never 403 (ids cannot be probed).
            if (error instanceof ScopeViolation) throw notFound(model.toLowerCase(), 'not found');
            throw error;
          }
        },
      },
    },
  });
}
