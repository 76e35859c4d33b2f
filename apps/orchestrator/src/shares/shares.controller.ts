import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { type CreatedShare, CreateShareRequest, type ShareDto } from '@reslab/contracts';
import { z } from 'zod';
import { forbidden } from '../common/api-errors.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { CurrentUser } from '../identity/current-principal.js';
import type { SharePrincipal, UserPrincipal } from '../identity/principal.js';
import { currentScope } from '../identity/request-scope.js';
import { SharesService } from './shares.service.js';

const Id = new ZodValidationPipe(z.uuid(), 'id');

@Controller('shares')
export class SharesController {
  constructor(private readonly shares: SharesService) {}

  @Access({ who: 'user', role: 'member' })
  @Post()
  create(
    @CurrentUser() user: UserPrincipal,
    @Body(new ZodValidationPipe(CreateShareRequest)) body: CreateShareRequest,
  ): Promise<CreatedShare> {
    return this.shares.create(user, body);
  }

  @Access({ who: 'user' })
  @Get()
  list(): Promise<ShareDto[]> {
    return this.shares.list();
  }

  /** What the presented share link opens; the dashboard's /s/<token> page starts here. */
  @Access({ who: 'user', share: true })
  @Get('current')
  current(): Promise<ShareDto> {
    const principal = currentScope()?.principal;
    if (principal?.kind !== 'share') {
      const message = 'GET /shares/current takes a share link (rsl_…) as the credential';
      throw forbidden(message);
    }
    return this.shares.current(principal as SharePrincipal);
  }

  @Access({ who: 'user', role: 'member', resource: 'share' })
  @Delete(':id')
  revoke(@Param('id', Id) id: string): Promise<ShareDto> {
    return this.shares.revoke(id);
  }
}
