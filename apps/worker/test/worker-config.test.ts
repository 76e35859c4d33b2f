import { describe, expect, it } from 'vitest';
import { loadWorkerConfig, WorkerConfigError } from '../src/worker-config.js';

describe('worker config: data folders and enrolment', () => {
  it('takes RESLAB_DATA_DIRS as colon-separated absolute folders, and --data-dirs over it', () => {
    expect(loadWorkerConfig([], { RESLAB_DATA_DIRS: '/srv/data:/mnt/datasets' }).dataDirs).toEqual([
      '/srv/data',
      '/mnt/datasets',
    ]);
    expect(loadWorkerConfig(['--data-dirs', '/a'], { RESLAB_DATA_DIRS: '/srv/data' }).dataDirs).toEqual(['/a']);
  });

  it('refuses a relative data folder, naming the variable and the folder', () => {
    expect(() => loadWorkerConfig([], { RESLAB_DATA_DIRS: '/srv/data:datasets' })).toThrowError(
      /RESLAB_DATA_DIRS must list absolute folders, got 'datasets'/,
    );
    expect(() => loadWorkerConfig([], { RESLAB_DATA_DIRS: 'datasets' })).toThrowError(WorkerConfigError);
  });

  it('defaults to the folders the engine searches: $RESLAB_DATA_DIR, /usr/share/datasets, the download cache', () => {
    expect(loadWorkerConfig([], { RESLAB_DATA_DIR: '/srv/data', HOME: '/home/r' }).dataDirs).toEqual([
      '/srv/data',
      '/usr/share/datasets',
      '/home/r/.cache/reslab/data',
    ]);
    expect(loadWorkerConfig([], { HOME: '/home/r' }).dataDirs).toEqual([
      '/usr/share/datasets',
      '/home/r/.cache/reslab/data',
    ]);
  });

  it('reads the enrolment token from --enrolment-token or RESLAB_ENROLMENT_TOKEN; empty is unset', () => {
    expect(loadWorkerConfig([], { RESLAB_ENROLMENT_TOKEN: 'rse_a' }).enrolmentToken).toBe('rse_a');
    expect(loadWorkerConfig(['--enrolment-token', 'rse_b'], { RESLAB_ENROLMENT_TOKEN: 'rse_a' }).enrolmentToken).toBe(
      'rse_b',
    );
    expect(loadWorkerConfig([], { RESLAB_ENROLMENT_TOKEN: '' }).enrolmentToken).toBeNull();
    expect(loadWorkerConfig([], {}).name).toBeNull();
  });
});

describe('worker config: orchestrator replicas', () => {
  it('takes a comma-separated list of API URLs from --api or RESLAB_API_URL, in order, without trailing slashes', () => {
    expect(loadWorkerConfig([], { RESLAB_API_URL: 'http://a:4000/, http://b:4000' }).apiUrls).toEqual([
      'http://a:4000',
      'http://b:4000',
    ]);
    expect(loadWorkerConfig(['--api', 'http://c:4000'], { RESLAB_API_URL: 'http://a:4000' }).apiUrls).toEqual([
      'http://c:4000',
    ]);
    expect(loadWorkerConfig([], {}).apiUrls).toEqual(['http://127.0.0.1:4000']);
  });

  it('refuses a list with something that is not a URL, naming it', () => {
    expect(() => loadWorkerConfig(['--api', 'http://a:4000,b:4000'], {})).toThrowError(
      /--api \/ RESLAB_API_URL must be http\(s\) URLs separated by commas, got 'b:4000'/,
    );
    expect(() => loadWorkerConfig(['--api', ' , '], {})).toThrowError(WorkerConfigError);
  });
});

describe('worker config: one-run mode (a Kubernetes Job pod)', () => {
  const id = '0f1e2d3c-4b5a-4968-8776-655443322110';

  it('takes the run from --run or RESLAB_RUN_ID, the flag first; none means claiming from the queue', () => {
    expect(loadWorkerConfig(['--run', id], {}).runId).toBe(id);
    expect(loadWorkerConfig([], { RESLAB_RUN_ID: id.toUpperCase() }).runId).toBe(id);
    expect(loadWorkerConfig([], { RESLAB_RUN_ID: '' }).runId).toBeNull();
    expect(loadWorkerConfig([], {}).runId).toBeNull();
  });

  it('refuses a run that is not a UUID, naming the option', () => {
    expect(() => loadWorkerConfig(['--run', 'reslab-0f1e2d3c-a1'], {})).toThrowError(
      /--run \/ RESLAB_RUN_ID must be a run id \(a UUID\), got 'reslab-0f1e2d3c-a1'/,
    );
  });
});
