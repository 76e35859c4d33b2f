import { describe, expect, it } from 'vitest';
import { engineEnvironment, engineMayRead } from '../src/engine-environment.js';

/** A worker's environment as `make demo` or a service unit gives it: the tools, the secrets, and the noise. */
const WORKER_ENV = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/home/reslab',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  OMP_NUM_THREADS: '2',
  MKL_NUM_THREADS: '1',
  CUDA_VISIBLE_DEVICES: '0,1',
  NVIDIA_VISIBLE_DEVICES: 'all',
  LD_LIBRARY_PATH: '/usr/local/cuda/lib64',
  RESLAB_DATA_DIR: '/srv/data',
  RESLAB_ENGINE_COMMAND: '["node","fake-engine.mjs"]',
  RESLAB_FAKE_EPOCH_MS: '40',
  HTTPS_PROXY: 'http://proxy.internal:3128',
  // What must never reach an engine:
  DATABASE_URL: 'postgresql://reslab:hunter2@127.0.0.1:5432/reslab',
  RESLAB_ENROLMENT_TOKEN: `rse_${'e'.repeat(43)}`,
  RESLAB_API_KEY: `rsk_${'k'.repeat(43)}`,
  RESLAB_ADMIN_PASSWORD: 'correct horse battery staple',
  RESLAB_API_URL: 'http://127.0.0.1:4000',
  RESLAB_WORK_DIR: '/var/lib/reslab/worker',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  GITHUB_TOKEN: 'ghp_x',
  NVIDIA_API_KEY: 'nvapi-x',
  TORCH_HUB_TOKEN: 'hub-x',
  http_proxy: 'http://alice:s3cret@proxy.internal:3128',
  SSH_AUTH_SOCK: '/tmp/ssh-agent.sock',
  NODE_OPTIONS: '--inspect',
};

describe('the engine environment: an allowlist', () => {
  const env = engineEnvironment(WORKER_ENV, { PYTHONPATH: '/opt/reslab/libs/engine', RESLAB_DATA_DIRS: '/srv/data' });

  it('passes what the engine needs to run: PATH, locale, threads, the GPU stack, its own variables', () => {
    expect(env).toMatchObject({
      PATH: WORKER_ENV.PATH,
      HOME: WORKER_ENV.HOME,
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      OMP_NUM_THREADS: '2',
      MKL_NUM_THREADS: '1',
      CUDA_VISIBLE_DEVICES: '0,1',
      NVIDIA_VISIBLE_DEVICES: 'all',
      LD_LIBRARY_PATH: '/usr/local/cuda/lib64',
      RESLAB_DATA_DIR: '/srv/data',
      RESLAB_DATA_DIRS: '/srv/data',
      RESLAB_ENGINE_COMMAND: WORKER_ENV.RESLAB_ENGINE_COMMAND,
      RESLAB_FAKE_EPOCH_MS: '40',
      HTTPS_PROXY: 'http://proxy.internal:3128',
      PYTHONPATH: '/opt/reslab/libs/engine',
    });
  });

  it('never passes DATABASE_URL, the enrolment token, an API key, or anything that reads like a secret', () => {
    for (const name of [
      'DATABASE_URL',
      'RESLAB_ENROLMENT_TOKEN',
      'RESLAB_API_KEY',
      'RESLAB_ADMIN_PASSWORD',
      'AWS_SECRET_ACCESS_KEY',
      'GITHUB_TOKEN',
      'NVIDIA_API_KEY',
      'TORCH_HUB_TOKEN',
    ]) {
      expect(env, name).not.toHaveProperty(name);
    }
    const values = Object.values(env).join('\n');
    for (const secret of ['hunter2', 'rse_', 'rsk_', 'battery', 'aws-secret', 'nvapi', 'hub-x', 's3cret']) {
      expect(values).not.toContain(secret);
    }
  });

  it('drops what the engine has no use for: the worker own settings, agents, Node options', () => {
    for (const name of ['RESLAB_API_URL', 'RESLAB_WORK_DIR', 'SSH_AUTH_SOCK', 'NODE_OPTIONS']) {
      expect(env, name).not.toHaveProperty(name);
    }
  });

  it('keeps a proxy out when its URL carries a password', () => {
    expect(env).not.toHaveProperty('http_proxy');
    expect(engineMayRead('http_proxy', 'http://proxy.internal:3128')).toBe(true);
  });

  it('lets what the worker sets win over an inherited value', () => {
    const pinned = engineEnvironment(
      { CUDA_VISIBLE_DEVICES: '0,1', PYTHONPATH: '/elsewhere' },
      {
        CUDA_VISIBLE_DEVICES: '1',
        PYTHONPATH: '/opt/engine',
      },
    );
    expect(pinned).toEqual({ CUDA_VISIBLE_DEVICES: '1', PYTHONPATH: '/opt/engine' });
  });
});
