import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { type ClaimResponse, RegisterWorkerRequest, type WorkerDto } from '@reslab/contracts';
import { z } from 'zod';
import { ZodValidationPipe } from '../common/zod-validation.pipe.js';
import { RunsService } from '../runs/runs.service.js';
import { toWorkerDto, WorkersService } from './workers.service.js';

const WorkerId = new ZodValidationPipe(z.uuid(), 'id');

@Controller('workers')
export class WorkersController {
  constructor(
    private readonly workers: WorkersService,
    private readonly runs: RunsService,
  ) {}

  @Post()
  async register(@Body(new ZodValidationPipe(RegisterWorkerRequest)) body: RegisterWorkerRequest): Promise<WorkerDto> {
    return toWorkerDto(await this.workers.register(body));
  }

  @Get()
  async list(): Promise<WorkerDto[]> {
    return (await this.workers.list()).map(toWorkerDto);
  }

  @Post(':id/heartbeat')
  @HttpCode(200)
  async heartbeat(@Param('id', WorkerId) id: string): Promise<WorkerDto> {
    return toWorkerDto(await this.workers.heartbeat(id));
  }

  /** One run per call; a worker with N free slots calls N times. */
  @Post(':id/claim')
  @HttpCode(200)
  async claim(@Param('id', WorkerId) id: string): Promise<ClaimResponse> {
    await this.workers.heartbeat(id);
    return { assignment: await this.runs.claimNext(id) };
  }
}
