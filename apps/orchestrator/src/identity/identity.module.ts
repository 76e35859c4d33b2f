import { Global, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { AccessService } from './access.service.js';
import { AuthenticatorService } from './authenticator.service.js';
import { CredentialRevocations } from './credential-revocations.js';
import { PrincipalCache } from './principal-cache.js';

const SHARED = [AuthenticatorService, AccessService, CredentialRevocations, PrincipalCache];

/** Who is speaking and what they may touch: the guard on every route, and what the gateway and audit use. */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [...SHARED, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: SHARED,
})
export class IdentityModule {}
