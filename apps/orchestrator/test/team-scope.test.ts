import { describe, expect, it } from 'vitest';
import { type DataScope, ScopeViolation, scopeQuery } from '../src/identity/team-scope.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const ME = '00000000-0000-4000-8000-0000000000ff';

/** A viewer of team A who is a member of team B: reads A and B, writes B only. */
const user: DataScope = { read: new Set([A, B]), write: new Set([B]), userId: ME, share: null };

describe('scopeQuery narrows every query to the caller', () => {
  it('adds the team filter to a read, keeping a unique where at the top (findUnique)', () => {
    const out = scopeQuery('Run', 'findUnique', { where: { id: 'r1' } }, user);
    expect(out.where).toEqual({ id: 'r1', AND: [{ teamId: { in: [A, B] } }] });
  });

  it('keeps an existing AND and adds to it', () => {
    const out = scopeQuery('Sweep', 'findMany', { where: { AND: [{ name: 'x' }] } }, user);
    expect(out.where).toEqual({ AND: [{ name: 'x' }, { teamId: { in: [A, B] } }] });
  });

  it('filters a run child through its run, and a list without a where', () => {
    expect(scopeQuery('EpochMetric', 'findMany', {}, user).where).toEqual({ run: { teamId: { in: [A, B] } } });
  });

  it('narrows writes to the teams where the role suffices, not the readable ones', () => {
    const out = scopeQuery('Run', 'updateMany', { where: { status: 'queued' }, data: {} }, user);
    expect(out.where).toEqual({ status: 'queued', AND: [{ teamId: { in: [B] } }] });
  });

  it('refuses to create a row in a team the caller may not write to', () => {
    expect(() => scopeQuery('Run', 'create', { data: { teamId: A } }, user)).toThrow(ScopeViolation);
    expect(() => scopeQuery('Run', 'createMany', { data: [{ teamId: B }, { teamId: A }] }, user)).toThrow(
      ScopeViolation,
    );
    expect(() => scopeQuery('Run', 'create', { data: { teamId: B } }, user)).not.toThrow();
  });

  it('keeps API keys and sessions to their owner', () => {
    expect(scopeQuery('ApiKey', 'findMany', {}, user).where).toEqual({ userId: ME });
    expect(() => scopeQuery('ApiKey', 'create', { data: { userId: 'someone-else' } }, user)).toThrow(ScopeViolation);
  });

  it('lists shared workers (teamId null) to everyone but lets a team change only its own', () => {
    expect(scopeQuery('Worker', 'findMany', {}, user).where).toEqual({
      OR: [{ teamId: { in: [A, B] } }, { teamId: null }],
    });
    expect(scopeQuery('Worker', 'update', { where: { id: 'w' }, data: {} }, user).where).toEqual({
      id: 'w',
      AND: [{ teamId: { in: [B] } }],
    });
  });

  it('lets a share link read its sweep and runs only, and change nothing', () => {
    const link: DataScope = { read: new Set(), write: new Set(), userId: null, share: { sweepId: 's1', runIds: [] } };
    expect(scopeQuery('Run', 'findMany', {}, link).where).toEqual({ sweepId: 's1' });
    expect(scopeQuery('Sweep', 'findUnique', { where: { id: 's2' } }, link).where).toEqual({
      id: 's2',
      AND: [{ id: 's1' }],
    });
    expect(scopeQuery('Team', 'findMany', {}, link).where).toEqual({ OR: [] });
    // Not even the shared workers, which every signed-in user may list.
    expect(scopeQuery('Worker', 'findMany', {}, link).where).toEqual({ OR: [] });
    expect(() => scopeQuery('Run', 'update', { where: { id: 'r' }, data: {} }, link)).toThrow(ScopeViolation);
    expect(() => scopeQuery('ShareLink', 'create', { data: {} }, link)).toThrow(ScopeViolation);
  });

  it('narrows nothing for the orchestrator itself, and fails loudly on a model without a rule', () => {
    const system: DataScope = { read: 'all', write: 'all', userId: null, share: null, system: true };
    expect(scopeQuery('ApiKey', 'findMany', {}, system).where).toBeUndefined();
    expect(() => scopeQuery('Unknown', 'findMany', {}, user)).toThrow(/no access rule for model Unknown/);
  });
});
