import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A FAKE Kubernetes API server: no cluster can run on this machine, so the launcher's tests talk to this HTTP server
 * instead. It speaks exactly the paths @kubernetes/client-node calls for the launcher (POST/GET/DELETE Jobs and
 * Secrets in a namespace, list with an equality labelSelector, `?watch=true` streaming one JSON event per line from a
 * resourceVersion) and answers anything else 404. It schedules nothing: pods appear only when a test plays the
 * kubelet (setPod), and a Job's status changes only when a test sets it. Deleting an object deletes what names it in
 * ownerReferences, as the garbage collector does with propagationPolicy Background.
 */

type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string }[];
    creationTimestamp?: string;
  };
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
};

/** A collection as RBAC names it: API group and resource. */
interface Collection {
  group: '' | 'batch';
  resource: 'jobs' | 'secrets' | 'pods';
}

/** One request as RBAC would judge it, for tests to compare with the launcher's declared calls. */
export interface KubeCall {
  method: string;
  path: string;
  verb: 'create' | 'get' | 'list' | 'watch' | 'delete';
  group: string;
  resource: string;
  query: Record<string, string>;
  status: number;
}

interface Change {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  object: KubeObject;
}

interface Watcher {
  collection: string;
  namespace: string;
  selector: Record<string, string>;
  res: ServerResponse;
}

const KINDS: Record<Collection['resource'], { kind: string; apiVersion: string }> = {
  jobs: { kind: 'Job', apiVersion: 'batch/v1' },
  secrets: { kind: 'Secret', apiVersion: 'v1' },
  pods: { kind: 'Pod', apiVersion: 'v1' },
};

function parsePath(path: string): (Collection & { namespace: string; name: string | null }) | null {
  const m =
    /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/(jobs)(?:\/([^/]+))?$/.exec(path) ??
    /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|pods)(?:\/([^/]+))?$/.exec(path);
  if (!m) return null;
  const resource = m[2] as Collection['resource'];
  return { group: resource === 'jobs' ? 'batch' : '', resource, namespace: m[1] as string, name: m[3] ?? null };
}

/** Equality selectors only (`a=b,c=d`), the form the launcher sends; anything else is refused, not guessed at. */
function parseSelector(text: string | undefined): Record<string, string> | null {
  if (!text) return {};
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const m = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(part);
    if (!m) return null;
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

function matches(object: KubeObject, selector: Record<string, string>): boolean {
  const labels = object.metadata.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code }));
}

export class FakeKubeApi {
  readonly name = 'FAKE Kubernetes API server';
  readonly calls: KubeCall[] = [];
  private readonly objects = new Map<string, KubeObject>();
  private readonly changes: Change[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 1;
  private server!: Server;
  url = '';

  constructor(readonly token = `fake-token-${randomUUID()}`) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A kubeconfig naming this server and its token, as `kubectl config view --raw` would write one. */
  writeKubeconfig(dir: string): string {
    const file = join(dir, 'kubeconfig-fake.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        // Plain HTTP: the client allows it only with TLS verification off, as for any http:// server.
        `clusters: [{name: fake, cluster: {server: "${this.url}", insecure-skip-tls-verify: true}}]`,
        `users: [{name: fake, user: {token: "${this.token}"}}]`,
        'contexts: [{name: fake, context: {cluster: fake, user: fake}}]',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return file;
  }

  list(resource: Collection['resource'], namespace: string): KubeObject[] {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(`${resource}/${namespace}/`))
      .map(([, object]) => object);
  }

  get(resource: Collection['resource'], namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(`${resource}/${namespace}/${name}`);
  }

  /** Plays the Job controller: sets a Job's status (e.g. a Failed condition). */
  setJobStatus(namespace: string, name: string, jobStatus: unknown): void {
    const job = this.get('jobs', namespace, name);
    if (!job) throw new Error(`no Job ${namespace}/${name} on the ${this.name}`);
    this.put('jobs', namespace, { ...job, status: jobStatus }, 'MODIFIED');
  }

  /** Plays the kubelet: the Job's pod (made on first call, with the template's labels) gets `podStatus`. */
  setPod(namespace: string, jobName: string, podStatus: unknown): KubeObject {
    const job = this.get('jobs', namespace, jobName);
    if (!job) throw new Error(`no Job ${namespace}/${jobName} on the ${this.name}`);
    const name = `${jobName}-fake0`;
    const existing = this.get('pods', namespace, name);
    const template = (job.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template;
    const pod: KubeObject = existing ?? {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace,
        labels: { ...template?.metadata?.labels, 'job-name': jobName },
        ownerReferences: [{ uid: job.metadata.uid as string }],
      },
    };
    return this.put('pods', namespace, { ...pod, status: podStatus }, existing ? 'MODIFIED' : 'ADDED');
  }

  private put(resource: Collection['resource'], namespace: string, object: KubeObject, type: Change['type']) {
    const key = `${resource}/${namespace}/${object.metadata.name}`;
    const stored: KubeObject = {
      ...KINDS[resource],
      ...object,
      metadata: {
        ...object.metadata,
        namespace,
        uid: object.metadata.uid ?? randomUUID(),
        creationTimestamp: object.metadata.creationTimestamp ?? new Date().toISOString(),
        resourceVersion: String(++this.rv),
      },
    };
    if (type === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, stored);
    this.changes.push({ rv: this.rv, type, key, object: stored });
    for (const w of this.watchers) {
      if (key.startsWith(`${w.collection}/${w.namespace}/`) && matches(stored, w.selector)) {
        w.res.write(`${JSON.stringify({ type, object: stored })}\n`);
      }
    }
    return stored;
  }

  private remove(key: string): void {
    const object = this.objects.get(key);
    if (!object) return;
    const [resource, namespace] = key.split('/') as [Collection['resource'], string];
    this.put(resource, namespace, object, 'DELETED');
    // The garbage collector: dependents of a deleted owner go too.
    for (const [depKey, dep] of [...this.objects.entries()]) {
      if (dep.metadata.ownerReferences?.some((ref) => ref.uid === object.metadata.uid)) this.remove(depKey);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const target = parsePath(url.pathname);
    const method = req.method ?? 'GET';
    const watch = query.watch === 'true' || query.watch === '1';
    const verb = !target
      ? 'get'
      : method === 'POST'
        ? 'create'
        : method === 'DELETE'
          ? 'delete'
          : target.name
            ? 'get'
            : watch
              ? 'watch'
              : 'list';
    const call: KubeCall = {
      method,
      path: url.pathname,
      verb,
      group: target?.group ?? '',
      resource: target?.resource ?? '',
      query,
      status: 0,
    };
    this.calls.push(call);
    res.on('finish', () => {
      call.status = res.statusCode;
    });
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    if (!target) return status(res, 404, 'NotFound', `the ${this.name} does not serve ${url.pathname}`);
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk) => {
        text += chunk;
      });
      req.on('end', () => resolve(text));
    });
    const { resource, namespace, name } = target;
    const collection = `${resource}/${namespace}/`;
    if (method === 'POST' && !name) {
      if (resource === 'pods')
        return status(res, 405, 'MethodNotAllowed', 'the FAKE API makes pods only through setPod');
      const object = JSON.parse(body) as KubeObject;
      if (!object.metadata?.name) return status(res, 422, 'Invalid', 'metadata.name: Required value');
      if (this.objects.has(collection + object.metadata.name)) {
        return status(res, 409, 'AlreadyExists', `${resource} "${object.metadata.name}" already exists`);
      }
      const stored = this.put(
        resource,
        namespace,
        { ...object, metadata: { ...object.metadata, uid: undefined } },
        'ADDED',
      );
      res.writeHead(201, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(stored));
    }
    if (method === 'GET' && name) {
      const object = this.objects.get(collection + name);
      if (!object) return status(res, 404, 'NotFound', `${resource} "${name}" not found`);
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify(object));
    }
    if (method === 'DELETE' && name) {
      if (!this.objects.has(collection + name)) return status(res, 404, 'NotFound', `${resource} "${name}" not found`);
      this.remove(collection + name);
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Success' }));
    }
    if (method === 'GET' && !name) {
      const selector = parseSelector(query.labelSelector);
      if (!selector)
        return status(res, 400, 'BadRequest', `the FAKE API reads equality selectors only: ${query.labelSelector}`);
      if (!watch) {
        const items = this.list(resource, namespace).filter((o) => matches(o, selector));
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({
            apiVersion: KINDS[resource].apiVersion,
            kind: `${KINDS[resource].kind}List`,
            metadata: { resourceVersion: String(this.rv) },
            items,
          }),
        );
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      const from = Number(query.resourceVersion || 0);
      const backlog = from
        ? this.changes.filter((c) => c.rv > from && c.key.startsWith(collection))
        : this.list(resource, namespace).map((object) => ({ type: 'ADDED' as const, object }));
      for (const change of backlog) {
        if (matches(change.object, selector))
          res.write(`${JSON.stringify({ type: change.type, object: change.object })}\n`);
      }
      const watcher: Watcher = { collection: resource, namespace, selector, res };
      this.watchers.add(watcher);
      req.on('close', () => this.watchers.delete(watcher));
      return;
    }
    return status(res, 405, 'MethodNotAllowed', `the ${this.name} does not serve ${method} ${url.pathname}`);
  }
}
