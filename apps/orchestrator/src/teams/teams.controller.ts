import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  type AuditPage,
  CreateProjectRequest,
  CreateTeamRequest,
  type MemberDto,
  PageQuery,
  type ProjectDto,
  PutMemberRequest,
  type TeamDto,
} from '@reslab/contracts';
import { z } from 'zod';
import { AuditService, decodeAuditCursor } from '../audit/audit.service.js';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { CurrentUser } from '../identity/current-principal.js';
import type { UserPrincipal } from '../identity/principal.js';
import { TeamsService } from './teams.service.js';

const Id = new ZodValidationPipe(z.uuid(), 'id');
const UserId = new ZodValidationPipe(z.uuid(), 'userId');
const AuditQuery = PageQuery.extend({
  cursor: PageQuery.shape.cursor.refine(
    (c) => c === undefined || decodeAuditCursor(c) !== undefined,
    'is not a nextCursor from a previous page',
  ),
}).strict();

@Controller()
export class TeamsController {
  constructor(
    private readonly teams: TeamsService,
    private readonly audit: AuditService,
  ) {}

  @Access({ who: 'user' })
  @Post('teams')
  create(
    @CurrentUser() user: UserPrincipal,
    @Body(new ZodValidationPipe(CreateTeamRequest)) body: CreateTeamRequest,
  ): Promise<TeamDto> {
    return this.teams.create(user, body);
  }

  @Access({ who: 'user' })
  @Get('teams')
  list(@CurrentUser() user: UserPrincipal): Promise<TeamDto[]> {
    return this.teams.list(user);
  }

  @Access({ who: 'user', resource: 'team' })
  @Get('teams/:id')
  get(@CurrentUser() user: UserPrincipal, @Param('id', Id) id: string): Promise<TeamDto> {
    return this.teams.get(user, id);
  }

  @Access({ who: 'user', role: 'owner', resource: 'team' })
  @Delete('teams/:id')
  @HttpCode(204)
  delete(@Param('id', Id) id: string): Promise<void> {
    return this.teams.delete(id);
  }

  @Access({ who: 'user', resource: 'team' })
  @Get('teams/:id/members')
  members(@Param('id', Id) id: string): Promise<MemberDto[]> {
    return this.teams.members(id);
  }

  @Access({ who: 'user', role: 'admin', resource: 'team' })
  @Put('teams/:id/members')
  putMember(
    @CurrentUser() user: UserPrincipal,
    @Param('id', Id) id: string,
    @Body(new ZodValidationPipe(PutMemberRequest)) body: PutMemberRequest,
  ): Promise<MemberDto> {
    return this.teams.putMember(user, id, body);
  }

  @Access({ who: 'user', role: 'admin', resource: 'team' })
  @Delete('teams/:id/members/:userId')
  @HttpCode(204)
  removeMember(
    @CurrentUser() user: UserPrincipal,
    @Param('id', Id) id: string,
    @Param('userId', UserId) userId: string,
  ): Promise<void> {
    return this.teams.removeMember(user, id, userId);
  }

  @Access({ who: 'user', role: 'admin', resource: 'team' })
  @Get('teams/:id/audit')
  auditLog(
    @Param('id', Id) id: string,
    @Query(new ZodValidationPipe(AuditQuery)) query: z.infer<typeof AuditQuery>,
  ): Promise<AuditPage> {
    return this.audit.page(id, query);
  }

  @Access({ who: 'user' })
  @Get('projects')
  projects(): Promise<ProjectDto[]> {
    return this.teams.projects();
  }

  @Access({ who: 'user', role: 'admin', resource: 'team' })
  @Post('teams/:id/projects')
  createProject(
    @Param('id', Id) id: string,
    @Body(new ZodValidationPipe(CreateProjectRequest)) body: CreateProjectRequest,
  ): Promise<ProjectDto> {
    return this.teams.createProject(id, body);
  }
}
