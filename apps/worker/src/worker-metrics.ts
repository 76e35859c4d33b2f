import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Prometheus metrics and a health answer for one worker, on its own small HTTP server. */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly enginesRunning = new Gauge({
    name: 'reslab_worker_engines_running',
    help: 'Engine processes running now',
    registers: [this.registry],
  });
  readonly slots = new Gauge({ name: 'reslab_worker_slots', help: 'Engine slots', registers: [this.registry] });
  readonly eventsForwarded = new Counter({
    name: 'reslab_worker_events_forwarded_total',
    help: 'Engine events delivered to the orchestrator',
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({
    name: 'reslab_worker_outbox_pending',
    help: 'Items waiting on disk for the orchestrator',
    registers: [this.registry],
  });
  readonly engineExits = new Counter({
    name: 'reslab_worker_engine_exits_total',
    help: 'Engine processes that ended, by how',
    labelNames: ['status'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  serve(port: number, health: () => object): Promise<Server> {
    const server = createServer(async (req, res) => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': this.registry.contentType });
        res.end(await this.registry.metrics());
      } else if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(health()));
      } else {
        res.writeHead(404).end();
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  }
}
