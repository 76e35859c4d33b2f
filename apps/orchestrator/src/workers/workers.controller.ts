import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  type ClaimResponse,
  HeartbeatRequest,
  type HeartbeatResponse,
  RegisterWorkerRequest,
  type WorkerDto,
} from '@reslab/contracts';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { RunsService } from '../runs/runs.service.js';
import { WorkersService } from './workers.service.js';

const WorkerId = new ZodValidationPipe(z.uuid(), 'id');

@Controller('workers')
export class WorkersController {
  constructor(
    private readonly workers: WorkersService,
    private readonly runs: RunsService,
  ) {}

  @Post()
  register(@Body(new ZodValidationPipe(RegisterWorkerRequest)) body: RegisterWorkerRequest): Promise<WorkerDto> {
    return this.workers.register(body);
  }

  @Get()
  list(): Promise<WorkerDto[]> {
    return this.workers.listDtos();
  }

  /** Renews the leases of the attempts the worker holds; answers with the ones it must stop. */
  @Post(':id/heartbeat')
  @HttpCode(200)
  async heartbeat(
    @Param('id', WorkerId) id: string,
    @Body(new ZodValidationPipe(HeartbeatRequest)) body: HeartbeatRequest,
  ): Promise<HeartbeatResponse> {
    const worker = await this.workers.heartbeat(id, body.draining, body.deadLetters);
    return { worker, stop: await this.runs.renewLeases(id, body.runs) };
  }

  /** One run per call; a worker with N free slots calls N times. A draining worker gets none. */
  @Post(':id/claim')
  @HttpCode(200)
  async claim(@Param('id', WorkerId) id: string): Promise<ClaimResponse> {
    if (await this.workers.isDraining(id)) return { assignment: null };
    return { assignment: await this.runs.claimNext(id) };
  }
}
