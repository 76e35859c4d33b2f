import type { ShareDto } from '@reslab/contracts';
import { describe, expect, it } from 'vitest';
import { expiryFromDays, shareRequest, shareState, sharesOf } from '../lib/shares.js';
import { deniedHandshake } from '../lib/stream-client.js';

const teamId = '11111111-1111-4111-8111-111111111111';
const [runA, runB, runC] = [
  'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa',
  'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb',
  'cccccccc-cccc-4ccc-8ccc-cccccccccccc',
];
const sweepId = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';

let n = 0;
function share(fields: Partial<ShareDto> & Pick<ShareDto, 'kind' | 'runIds'>): ShareDto {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    teamId,
    sweepId: null,
    prefix: `rsl_${String(n).padStart(8, '0')}`,
    createdAt: '2030-01-01T00:00:00.000Z',
    createdBy: 'ada@example.org',
    expiresAt: null,
    revokedAt: null,
    ...fields,
  };
}

describe('the links of the object a page shows', () => {
  const runLink = share({ kind: 'run', runIds: [runA] });
  const sweepLink = share({ kind: 'sweep', runIds: [runA, runB], sweepId });
  const pair = share({ kind: 'comparison', runIds: [runB, runA] });
  const triple = share({ kind: 'comparison', runIds: [runA, runB, runC] });
  const all = [runLink, sweepLink, pair, triple];

  it('finds a run’s own links, not the sweeps or comparisons it is part of', () => {
    expect(sharesOf(all, { kind: 'run', runId: runA })).toEqual([runLink]);
    expect(sharesOf(all, { kind: 'run', runId: runC })).toEqual([]);
  });

  it('finds a sweep’s links by its id', () => {
    expect(sharesOf(all, { kind: 'sweep', sweepId })).toEqual([sweepLink]);
  });

  it('finds a comparison of the same runs in any order, and not of more or fewer', () => {
    expect(sharesOf(all, { kind: 'comparison', runIds: [runA, runB] })).toEqual([pair]);
    expect(sharesOf(all, { kind: 'comparison', runIds: [runC, runB, runA] })).toEqual([triple]);
  });
});

describe('share requests and states', () => {
  it('builds the CreateShareRequest of each kind, with the expiry only when there is one', () => {
    expect(shareRequest({ kind: 'run', runId: runA })).toEqual({ kind: 'run', runId: runA });
    expect(shareRequest({ kind: 'sweep', sweepId }, '2030-01-08T00:00:00.000Z')).toEqual({
      kind: 'sweep',
      sweepId,
      expiresAt: '2030-01-08T00:00:00.000Z',
    });
    expect(shareRequest({ kind: 'comparison', runIds: [runA, runB] })).toEqual({
      kind: 'comparison',
      runIds: [runA, runB],
    });
  });

  it('reads revoked before expired', () => {
    const now = Date.parse('2030-01-05T00:00:00.000Z');
    expect(shareState({ revokedAt: null, expiresAt: null }, now)).toBe('active');
    expect(shareState({ revokedAt: null, expiresAt: '2030-01-06T00:00:00.000Z' }, now)).toBe('active');
    expect(shareState({ revokedAt: null, expiresAt: '2030-01-04T00:00:00.000Z' }, now)).toBe('expired');
    expect(shareState({ revokedAt: '2030-01-03T00:00:00.000Z', expiresAt: '2030-01-04T00:00:00.000Z' }, now)).toBe(
      'revoked',
    );
  });

  it('turns an expiry choice in days into an instant', () => {
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    expect(expiryFromDays(null, now)).toBeUndefined();
    expect(expiryFromDays(7, now)).toBe('2030-01-08T00:00:00.000Z');
  });
});

describe('a socket handshake refused for its credential', () => {
  it('is told from an outage, which is retried', () => {
    expect(deniedHandshake(Object.assign(new Error('unauthorized'), { data: { status: 401 } }))).toBe(true);
    expect(deniedHandshake(new Error('share link revoked'))).toBe(true);
    expect(deniedHandshake(new Error('Unauthorized'))).toBe(true);
    // The orchestrator's own words (identity/authenticator.service.ts, stream/stream.gateway.ts).
    expect(deniedHandshake(new Error('this link was revoked or does not exist'))).toBe(true);
    expect(deniedHandshake(new Error('this link has expired'))).toBe(true);
    expect(deniedHandshake(new Error('session signed out or unknown: sign in again'))).toBe(true);
    expect(deniedHandshake(new Error('sign in, or pass an API key or share link as auth.token'))).toBe(true);
    expect(deniedHandshake(new Error('websocket error'))).toBe(false);
    expect(deniedHandshake(new Error('xhr poll error'))).toBe(false);
    expect(deniedHandshake(new Error('timeout'))).toBe(false);
  });
});
