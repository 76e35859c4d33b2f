import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of this orchestrator process, served at GET /metrics. */
@Injectable()
export class OrchestratorMetrics {
  readonly registry = new Registry();
  readonly ingestedRows = new Counter({
    name: 'reslab_ingested_epoch_metrics_total',
    help: 'Epoch-metric rows written by ingest (upserts)',
    registers: [this.registry],
  });
  readonly ingestBatches = new Counter({
    name: 'reslab_ingest_batches_total',
    help: 'Event batches received from workers',
    registers: [this.registry],
  });
  readonly leaseExpiries = new Counter({
    name: 'reslab_lease_expiries_total',
    help: 'Runs whose worker stopped heartbeating',
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'reslab_queue_depth',
    help: 'Runs waiting in the queue',
    registers: [this.registry],
  });
  readonly runsByStatus = new Gauge({
    name: 'reslab_runs',
    help: 'Runs by status',
    labelNames: ['status'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
