import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  InternalServerErrorException,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AccessService } from './access.service.js';
import { ACCESS_POLICY, type AccessPolicy } from './access-policy.js';
import { AuthenticatorService } from './authenticator.service.js';
import { currentScope } from './request-scope.js';

const ROUTE_PATH = 'path';

/**
 * The one gate of every HTTP route (registered as APP_GUARD): it finds who is
 * speaking, checks the route's AccessPolicy against the object the route's
 * `:id` names, and fills the request scope that narrows every query after it.
 *
 * A route without a policy cannot slip through: the application refuses to
 * start, naming the handler.
 */
@Injectable()
export class AccessGuard implements CanActivate, OnApplicationBootstrap {
  constructor(
    private readonly reflector: Reflector,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly authenticator: AuthenticatorService,
    private readonly access: AccessService,
  ) {}

  onApplicationBootstrap(): void {
    const missing: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const { instance } = wrapper;
      if (!instance) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (Reflect.getMetadata(ROUTE_PATH, handler) === undefined) continue;
        if (!this.reflector.getAllAndOverride(ACCESS_POLICY, [handler, instance.constructor])) {
          missing.push(`${instance.constructor.name}.${name}`);
        }
      }
    }
    if (missing.length) throw new Error(`routes without an @Access policy: ${missing.join(', ')}`);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // the socket gateway authenticates its own connections
    const policy = this.reflector.getAllAndOverride<AccessPolicy>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const scope = currentScope();
    if (!policy || !scope) throw new InternalServerErrorException('route without an access policy');
    const request = context.switchToHttp().getRequest<Request>();
    const principal =
      policy.who === 'public'
        ? null
        : await this.authenticator.authenticate({
            authorization: request.headers.authorization,
            cookie: request.headers.cookie,
            address: request.ip ?? null,
          });
    const params = request.params as Record<string, string | undefined>;
    const body = request.body as { workerId?: unknown } | undefined;
    // Worker routes name the worker in the path (/workers/:id/...) or in the body (/runs/:id/events).
    const workerId =
      policy.who === 'worker' ? (request.path.startsWith('/workers/') ? params.id : body?.workerId) : undefined;
    scope.data = await this.access.authorize(principal, policy, { method: request.method, id: params.id, workerId });
    scope.principal = principal;
    return true;
  }
}
