import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { type ApiKeyDto, CreateApiKeyRequest, type CreatedApiKey } from '@reslab/contracts';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { CurrentUser } from '../identity/current-principal.js';
import type { UserPrincipal } from '../identity/principal.js';
import { AccountsService } from './accounts.service.js';

const KeyId = new ZodValidationPipe(z.uuid(), 'id');

/** API keys for the CLI and scripts: a user's own, shown once, revocable. */
@Controller('keys')
export class KeysController {
  constructor(private readonly accounts: AccountsService) {}

  @Access({ who: 'user' })
  @Post()
  create(
    @CurrentUser() user: UserPrincipal,
    @Body(new ZodValidationPipe(CreateApiKeyRequest)) body: CreateApiKeyRequest,
  ): Promise<CreatedApiKey> {
    return this.accounts.createKey(user, body);
  }

  @Access({ who: 'user' })
  @Get()
  list(@CurrentUser() user: UserPrincipal): Promise<ApiKeyDto[]> {
    return this.accounts.keys(user);
  }

  @Access({ who: 'user', resource: 'apiKey' })
  @Delete(':id')
  revoke(@Param('id', KeyId) id: string): Promise<ApiKeyDto> {
    return this.accounts.revokeKey(id);
  }
}
