import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ClaimRequest,
  type ClaimResponse,
  CreateEnrolmentTokenRequest,
  type EnrolmentTokenDto,
  EnrolWorkerRequest,
  type EnrolWorkerResponse,
  HeartbeatRequest,
  type HeartbeatResponse,
  RegisterWorkerRequest,
  type WorkerDto,
} from '@reslab/contracts';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { Access } from '../identity/access-policy.js';
import { CurrentUser, CurrentWorker } from '../identity/current-principal.js';
import type { UserPrincipal, WorkerPrincipal } from '../identity/principal.js';
import { RunsService } from '../runs/runs.service.js';
import { WorkersService } from './workers.service.js';

const WorkerId = new ZodValidationPipe(z.uuid(), 'id');

@Controller('workers')
export class WorkersController {
  constructor(
    private readonly workers: WorkersService,
    private readonly runs: RunsService,
  ) {}

  /** An admin's one-time token for a new worker of their team (teamId null: a shared worker, instance admins). */
  @Access({ who: 'user', role: 'admin' })
  @Post('enrolment-tokens')
  enrolmentToken(
    @CurrentUser() user: UserPrincipal,
    @Body(new ZodValidationPipe(CreateEnrolmentTokenRequest)) body: CreateEnrolmentTokenRequest,
  ): Promise<EnrolmentTokenDto> {
    return this.workers.createEnrolmentToken(user, body);
  }

  /** The token in the body is the credential: traded once for the worker's own secret. */
  @Access({ who: 'public' })
  @Post('enrol')
  enrol(@Body(new ZodValidationPipe(EnrolWorkerRequest)) body: EnrolWorkerRequest): Promise<EnrolWorkerResponse> {
    return this.workers.enrol(body);
  }

  @Access({ who: 'worker' })
  @Post()
  @HttpCode(200)
  register(
    @CurrentWorker() worker: WorkerPrincipal,
    @Body(new ZodValidationPipe(RegisterWorkerRequest)) body: RegisterWorkerRequest,
  ): Promise<WorkerDto> {
    return this.workers.register(worker, body);
  }

  @Access({ who: 'user', role: 'admin', resource: 'worker' })
  @Delete(':id')
  revoke(@Param('id', WorkerId) id: string): Promise<WorkerDto> {
    return this.workers.revoke(id);
  }

  @Access({ who: 'user' })
  @Get()
  list(): Promise<WorkerDto[]> {
    return this.workers.listDtos();
  }

  /** Renews the leases of the attempts the worker holds; answers with the ones it must stop. */
  @Access({ who: 'worker' })
  @Post(':id/heartbeat')
  @HttpCode(200)
  async heartbeat(
    @Param('id', WorkerId) id: string,
    @Body(new ZodValidationPipe(HeartbeatRequest)) body: HeartbeatRequest,
  ): Promise<HeartbeatResponse> {
    const worker = await this.workers.heartbeat(id, body.draining, body.deadLetters);
    return { worker, stop: await this.runs.renewLeases(id, body.runs) };
  }

  /**
   * One run per call, fitting the free slots the worker names (one without a body); a worker calls again while
   * slots are free. A draining worker gets none.
   */
  @Access({ who: 'worker' })
  @Post(':id/claim')
  @HttpCode(200)
  async claim(
    @CurrentWorker() worker: WorkerPrincipal,
    @Param('id', WorkerId) id: string,
    // Optional: a worker of the pull model posts no body.
    @Body(new ZodValidationPipe(ClaimRequest.optional())) body: ClaimRequest | undefined,
  ): Promise<ClaimResponse> {
    if (await this.workers.isDraining(id)) return { assignment: null };
    return { assignment: await this.runs.claimNext(id, worker.teamId, body?.runId, body?.freeSlots ?? 1) };
  }
}
