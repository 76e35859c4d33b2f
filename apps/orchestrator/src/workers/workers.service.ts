import { Injectable, NotFoundException } from '@nestjs/common';
import type { RegisterWorkerRequest, WorkerDto } from '@reslab/contracts';
import { PrismaService } from '../database/prisma.service.js';
import type { Worker } from '../generated/prisma/client.js';

export function toWorkerDto(worker: Worker): WorkerDto {
  return {
    id: worker.id,
    name: worker.name,
    host: worker.host,
    slots: worker.slots,
    gpus: worker.gpus as WorkerDto['gpus'],
    lastHeartbeatAt: worker.lastHeartbeatAt.toISOString(),
  };
}

@Injectable()
export class WorkersService {
  constructor(private readonly prisma: PrismaService) {}

  /** A worker that restarts under the same name keeps its id. */
  register(request: RegisterWorkerRequest): Promise<Worker> {
    const fields = { host: request.host, slots: request.slots, gpus: request.gpus, lastHeartbeatAt: new Date() };
    return this.prisma.worker.upsert({
      where: { name: request.name },
      create: { name: request.name, ...fields },
      update: fields,
    });
  }

  list(): Promise<Worker[]> {
    return this.prisma.worker.findMany({ orderBy: { name: 'asc' } });
  }

  async heartbeat(id: string): Promise<Worker> {
    const [worker] = await this.prisma.worker.updateManyAndReturn({
      where: { id },
      data: { lastHeartbeatAt: new Date() },
    });
    if (!worker)
      throw new NotFoundException({ statusCode: 404, error: 'Not Found', message: `worker ${id} is not registered` });
    return worker;
  }
}
