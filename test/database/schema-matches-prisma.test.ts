import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../support/paths.js';
import { createMigratedDatabase, query, type ScratchDatabase } from '../support/postgres.js';
import { shapeFromDatabase, shapeFromPrismaSchema } from '../support/schema-shape.js';

describe('committed migrations build exactly what schema.prisma declares (real Postgres)', () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createMigratedDatabase('reslab_schema');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('matches every model, column type, nullability, default, index, unique and foreign key', async () => {
    const expected = await shapeFromPrismaSchema(SCHEMA_PATH);
    const actual = await shapeFromDatabase(db.url);
    expect(Object.keys(expected.tables).sort()).toEqual([
      'Analysis',
      'AnalysisPart',
      'ApiKey',
      'Artifact',
      'AuditEntry',
      'EnrolmentToken',
      'EpochCurvature',
      'EpochMetric',
      'Experiment',
      'GradFlow',
      'Membership',
      'MetricPoint',
      'Project',
      'Run',
      'RunEvent',
      'RunParam',
      'RunTag',
      'Session',
      'ShareLink',
      'Sweep',
      'Team',
      'User',
      'Worker',
      'login_limits',
      'socket_io_attachments',
    ]);
    expect(actual).toEqual(expected);
  });

  it('notices a drift: a column whose nullability differs from the schema', async () => {
    const expected = await shapeFromPrismaSchema(SCHEMA_PATH);
    await query(db.url, 'ALTER TABLE "Run" ALTER COLUMN "config" DROP NOT NULL');
    try {
      const actual = await shapeFromDatabase(db.url);
      expect(actual).not.toEqual(expected);
      expect(actual.tables.Run?.columns.config?.nullable).toBe(true);
    } finally {
      await query(db.url, 'ALTER TABLE "Run" ALTER COLUMN "config" SET NOT NULL');
    }
  });
});
