import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, callApi, type Stack, startStack } from '../support/stack.js';

/** Every line the orchestrator printed so far, each parsed as JSON (a line that is not JSON fails the test, named). */
function logLines(stack: Stack): Record<string, unknown>[] {
  return stack.orchestrator
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`orchestrator printed a line that is not JSON: ${line}`);
      }
    });
}

describe('orchestrator logs: one JSON object per line, Nest lines included (nestjs-pino)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('reslab_logs');
    // Requests that make Nest and our services talk: a bad body (400), an unknown route (404), a queued run.
    await api(stack, 'POST', '/runs', { experiment: 'logs', config: { model: { arch: 'resnet', depth: -1 } } });
    await api(stack, 'GET', '/no-such-route');
    await callApi(stack, 'GET', '/runs', { token: 'rsk_not-a-key-for-the-log-test' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("prints Nest's start-up lines as JSON, through the same pino instance as its own lines", () => {
    const lines = logLines(stack);
    const contexts = new Set(lines.map((line) => line.context));
    // Nest's bootstrap and route mapping, which used to be plain text.
    expect(contexts).toContain('NestFactory');
    expect(contexts).toContain('RoutesResolver');
    expect(contexts).toContain('NestApplication');
    const listening = lines.find((line) => line.msg === 'orchestrator listening');
    expect(listening).toBeDefined();
    // One instance: Nest's lines carry the name our logger was built with.
    const nestLine = lines.find((line) => line.context === 'NestApplication');
    expect(nestLine?.name).toBe('orchestrator');
    expect(listening?.name).toBe('orchestrator');
  });

  it('logs no line per request (autoLogging off) and no request headers', () => {
    const lines = logLines(stack);
    expect(lines.some((line) => 'req' in line || 'res' in line)).toBe(false);
    expect(stack.orchestrator.output()).not.toContain('rsk_not-a-key-for-the-log-test');
    expect(stack.orchestrator.output()).not.toContain(stack.admin.apiKey);
  });
});
