import { describe, expect, it } from 'vitest';
import { findLeaks } from '../support/secret-scan.js';
import { TEST_LOG_DIR } from '../support/test-log.js';

/**
 * The last step of `make test` (its own vitest config, after every other file): every password, API key,
 * session, worker secret, enrolment token and share link the whole run handled, searched for in everything
 * its orchestrators, workers, dashboards and CLIs printed. Issue 8: no secret in any log line.
 */
describe('no secret used by the test run appears in any process output', () => {
  it('scans every log of the run for every secret of the run', () => {
    const { secrets, files, leaks } = findLeaks(TEST_LOG_DIR);
    console.log(`secret scan: ${secrets} secrets, ${files} process logs, ${leaks.length} leaks`);
    // A run that used no secret or started no process did not exercise anything: that is a failure too.
    expect(secrets).toBeGreaterThan(10);
    expect(files).toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  });
});
