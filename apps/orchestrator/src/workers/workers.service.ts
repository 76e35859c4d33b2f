import { Injectable, NotFoundException } from '@nestjs/common';
import type { DeadLetter, HeartbeatRequest, RegisterWorkerRequest, WorkerDto } from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import { RunEventsService } from '../events/run-events.service.js';
import type { Worker } from '../generated/prisma/client.js';

export function toWorkerDto(worker: Worker & { runs: { id: string }[] }): WorkerDto {
  return {
    id: worker.id,
    name: worker.name,
    host: worker.host,
    slots: worker.slots,
    gpus: worker.gpus as WorkerDto['gpus'],
    lastHeartbeatAt: worker.lastHeartbeatAt.toISOString(),
    draining: worker.draining,
    runningRunIds: worker.runs.map((r) => r.id),
    deadLetters: { count: worker.deadLetterCount, recent: worker.deadLetters as DeadLetter[] },
  };
}

const WITH_RUNS = { runs: { where: { status: 'running' as const }, select: { id: true } } };

@Injectable()
export class WorkersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: RunEventsService,
  ) {}

  /** A worker that restarts under the same name keeps its id. */
  async register(request: RegisterWorkerRequest): Promise<WorkerDto> {
    const fields = {
      host: request.host,
      slots: request.slots,
      gpus: request.gpus,
      lastHeartbeatAt: new Date(),
      draining: false,
    };
    const worker = await this.prisma.worker.upsert({
      where: { name: request.name },
      create: { name: request.name, ...fields },
      update: fields,
      include: WITH_RUNS,
    });
    await this.broadcast();
    return toWorkerDto(worker);
  }

  async listDtos(): Promise<WorkerDto[]> {
    return (await this.prisma.worker.findMany({ orderBy: { name: 'asc' }, include: WITH_RUNS })).map(toWorkerDto);
  }

  async heartbeat(id: string, draining?: boolean, deadLetters?: HeartbeatRequest['deadLetters']): Promise<WorkerDto> {
    const [updated] = await this.prisma.worker.updateManyAndReturn({
      where: { id },
      data: {
        lastHeartbeatAt: new Date(),
        ...(draining === undefined ? {} : { draining }),
        ...(deadLetters ? { deadLetterCount: deadLetters.count, deadLetters: deadLetters.recent } : {}),
      },
    });
    if (!updated) {
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `worker ${id} is not registered` });
    }
    const worker = await this.prisma.worker.findUniqueOrThrow({ where: { id }, include: WITH_RUNS });
    await this.broadcast();
    return toWorkerDto(worker);
  }

  async isDraining(id: string): Promise<boolean> {
    const worker = await this.prisma.worker.findUnique({ where: { id }, select: { draining: true } });
    if (!worker)
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `worker ${id} is not registered` });
    return worker.draining;
  }

  private async broadcast(): Promise<void> {
    this.events.broadcastWorkers(await this.listDtos());
  }
}
