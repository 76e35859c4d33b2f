import { createParamDecorator, InternalServerErrorException } from '@nestjs/common';
import type { Principal, UserPrincipal, WorkerPrincipal } from './principal.js';
import { currentScope } from './request-scope.js';

function principalOf<K extends Principal['kind']>(kind: K): Extract<Principal, { kind: K }> {
  const principal = currentScope()?.principal;
  // The route's AccessPolicy admits only this kind; anything else is a wrongly declared route.
  if (principal?.kind !== kind) throw new InternalServerErrorException(`route expects a ${kind} credential`);
  return principal as Extract<Principal, { kind: K }>;
}

/** The signed-in user of a `who: 'user'` or `'instanceAdmin'` route. */
export const CurrentUser = createParamDecorator((): UserPrincipal => principalOf('user'));

/** The calling worker of a `who: 'worker'` route. */
export const CurrentWorker = createParamDecorator((): WorkerPrincipal => principalOf('worker'));
