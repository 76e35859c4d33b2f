import { Injectable } from '@nestjs/common';
import type {
  CreateEnrolmentTokenRequest,
  DeadLetter,
  EnrolmentTokenDto,
  EnrolWorkerRequest,
  EnrolWorkerResponse,
  HeartbeatRequest,
  RegisterWorkerRequest,
  WorkerDto,
} from '@reslab/contracts';
import { AuditService } from '../audit/audit.service.js';
import { conflict, forbidden, invalidField, notFound, unauthorized } from '../common/api-errors.js';
import { PrismaService } from '../database/prisma.service.js';
import { RunEventsService } from '../events/run-events.service.js';
import type { Worker } from '../generated/prisma/client.js';
import { AccessService } from '../identity/access.service.js';
import { hashToken, newToken } from '../identity/credential-token.js';
import type { UserPrincipal, WorkerPrincipal } from '../identity/principal.js';
import { asSystem, currentScope } from '../identity/request-scope.js';

export function toWorkerDto(worker: Worker & { runs: { id: string }[] }): WorkerDto {
  return {
    id: worker.id,
    name: worker.name,
    teamId: worker.teamId,
    host: worker.host,
    slots: worker.slots,
    gpus: worker.gpus as WorkerDto['gpus'],
    lastHeartbeatAt: worker.lastHeartbeatAt.toISOString(),
    draining: worker.draining,
    revokedAt: worker.revokedAt?.toISOString() ?? null,
    runningRunIds: worker.runs.map((r) => r.id),
    deadLetters: { count: worker.deadLetterCount, recent: worker.deadLetters as DeadLetter[] },
  };
}

/**
 * The runs a worker holds, as the caller may see them: a shared worker holds runs of many teams,
 * and a nested include is not narrowed by the team scope (it follows the parent), so this one is.
 */
function withRuns() {
  const read = currentScope()?.data?.read ?? 'all';
  const teams = read === 'all' ? {} : { teamId: { in: [...read] } };
  return { runs: { where: { status: 'running' as const, ...teams }, select: { id: true } } };
}

@Injectable()
export class WorkersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: RunEventsService,
    private readonly audit: AuditService,
    private readonly access: AccessService,
  ) {}

  /** An admin's one-time token for enrolling a worker into `teamId` (null: shared, instance admins only). */
  async createEnrolmentToken(user: UserPrincipal, request: CreateEnrolmentTokenRequest): Promise<EnrolmentTokenDto> {
    if (request.teamId === null) {
      if (!user.instanceAdmin) {
        throw forbidden('only an instance admin enrols a shared worker');
      }
    } else {
      // The team is named in the body, where the guard does not look: the same check it makes on an `:id`.
      await this.access.checkObject(user, 'team', request.teamId, 'admin');
    }
    return this.issueEnrolmentToken(request.teamId, user.userId, request.expiresInMinutes);
  }

  /** `createdById` null: minted by the orchestrator itself, for the worker of one Kubernetes Job (launch/). */
  async issueEnrolmentToken(
    teamId: string | null,
    createdById: string | null,
    expiresInMinutes: number,
  ): Promise<EnrolmentTokenDto> {
    const token = newToken('enrolment');
    const expiresAt = new Date(Date.now() + expiresInMinutes * 60_000);
    const row = await asSystem(() =>
      this.prisma.enrolmentToken.create({ data: { teamId, tokenHash: hashToken(token), createdById, expiresAt } }),
    );
    await this.audit.record('worker.enrolment_token', { type: 'enrolmentToken', id: row.id, teamId });
    return { token, teamId, expiresAt: expiresAt.toISOString() };
  }

  /** Trades a one-time enrolment token for a worker identity and its secret (shown once, stored hashed). */
  async enrol(request: EnrolWorkerRequest): Promise<EnrolWorkerResponse> {
    const secret = newToken('workerSecret');
    const worker = await asSystem(() =>
      this.prisma.$transaction(async (tx) => {
        const [token] = await tx.enrolmentToken.updateManyAndReturn({
          where: { tokenHash: hashToken(request.enrolmentToken), usedAt: null, expiresAt: { gt: new Date() } },
          data: { usedAt: new Date() },
        });
        if (!token) {
          throw unauthorized('enrolment token unknown, used or expired: ask a team admin for a new one');
        }
        const fields = {
          host: request.host,
          slots: request.slots,
          teamId: token.teamId,
          secretHash: hashToken(secret),
          revokedAt: null,
          draining: false,
          lastHeartbeatAt: new Date(),
        };
        const existing = await tx.worker.findUnique({ where: { name: request.name } });
        // A name held by a live credential is taken. One that was revoked, or registered before workers had
        // credentials, is enrolled afresh under its old id, keeping its history.
        if (existing?.secretHash && !existing.revokedAt) {
          throw conflict(`a worker named ${request.name} exists`);
        }
        const worker = existing
          ? await tx.worker.update({ where: { id: existing.id }, data: fields, include: withRuns() })
          : await tx.worker.create({ data: { name: request.name, ...fields }, include: withRuns() });
        await tx.enrolmentToken.update({ where: { id: token.id }, data: { workerId: worker.id } });
        return worker;
      }),
    );
    await this.audit.record(
      'worker.enrol',
      { type: 'worker', id: worker.id, teamId: worker.teamId },
      { name: worker.name },
    );
    await this.broadcast();
    return { worker: toWorkerDto(worker), secret };
  }

  /** A worker (re)starting reports what it has; its name was fixed at enrolment. */
  async register(caller: WorkerPrincipal, request: RegisterWorkerRequest): Promise<WorkerDto> {
    const current = await this.prisma.worker.findUniqueOrThrow({ where: { id: caller.workerId } });
    if (current.name !== request.name) {
      const message = `this worker was enrolled as ${current.name}`;
      throw invalidField('name', message);
    }
    const worker = await asSystem(() =>
      this.prisma.worker.update({
        where: { id: caller.workerId },
        data: {
          host: request.host,
          slots: request.slots,
          gpus: request.gpus,
          lastHeartbeatAt: new Date(),
          draining: false,
        },
        include: withRuns(),
      }),
    );
    await this.broadcast();
    return toWorkerDto(worker);
  }

  /** Revoked: its secret is refused from the next request on, so it claims nothing more. */
  async revoke(id: string): Promise<WorkerDto> {
    const worker = await asSystem(() =>
      this.prisma.worker.update({ where: { id }, data: { revokedAt: new Date() }, include: withRuns() }),
    );
    await this.audit.record('worker.revoke', { type: 'worker', id, teamId: worker.teamId }, { name: worker.name });
    await this.broadcast();
    return toWorkerDto(worker);
  }

  async listDtos(): Promise<WorkerDto[]> {
    return (await this.prisma.worker.findMany({ orderBy: { name: 'asc' }, include: withRuns() })).map(toWorkerDto);
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
      throw notFound(`worker ${id}`, 'is not registered');
    }
    const worker = await this.prisma.worker.findUniqueOrThrow({ where: { id }, include: withRuns() });
    await this.broadcast();
    return toWorkerDto(worker);
  }

  async isDraining(id: string): Promise<boolean> {
    const worker = await this.prisma.worker.findUnique({ where: { id }, select: { draining: true } });
    if (!worker) throw notFound(`worker ${id}`, 'is not registered');
    return worker.draining;
  }

  /** Every worker, to the stream; the gateway hands each socket only the ones its caller may see. */
  private async broadcast(): Promise<void> {
    this.events.broadcastWorkers(await asSystem(() => this.listDtos()));
  }
}
