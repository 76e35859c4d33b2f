import { readFileSync } from 'node:fs';
import internals from '@prisma/internals';
import { query } from './postgres.js';

/**
 * One normalised description of a database schema, built two ways: from
 * schema.prisma (Prisma's own DMMF parser, WASM, offline) and from the Postgres
 * catalog of a migrated database. Equal descriptions mean the committed SQL
 * migrations create exactly what schema.prisma declares.
 */
export interface SchemaShape {
  enums: Record<string, string[]>;
  tables: Record<string, TableShape>;
}

export interface TableShape {
  columns: Record<string, { type: string; nullable: boolean; default: string | null }>;
  primaryKey: string[];
  /** Unique indexes and non-unique indexes, each as `u:(a,b)` or `i:(a,b)`, sorted. */
  indexes: string[];
  /** `(cols)->Table(cols) on delete X on update Y`, sorted. */
  foreignKeys: string[];
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isRequired: boolean;
  isList: boolean;
  isId: boolean;
  isUnique: boolean;
  hasDefaultValue: boolean;
  default?: unknown;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
  uniqueFields: string[][];
}

interface DmmfIndex {
  model: string;
  type: 'id' | 'normal' | 'unique' | 'fulltext';
  fields: { name: string }[];
}

const SCALAR_TYPES: Record<string, string> = {
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  Json: 'jsonb',
  String: 'text',
  DateTime: 'timestamp(3) without time zone',
  Decimal: 'numeric(65,30)',
  Bytes: 'bytea',
};

function columnType(field: DmmfField): string {
  if (field.kind === 'enum') return `"${field.type}"`;
  const [native, args = []] = field.nativeType ?? [];
  switch (native) {
    case undefined:
      break;
    case 'Uuid':
      return 'uuid';
    case 'VarChar':
      return `character varying(${args[0]})`;
    case 'Timestamptz':
      return `timestamp(${args[0] ?? 6}) with time zone`;
    case 'Timestamp':
      return `timestamp(${args[0] ?? 6}) without time zone`;
    default:
      throw new Error(`schema-shape: native type @db.${native} on ${field.name} is not mapped yet; add it here`);
  }
  const type = SCALAR_TYPES[field.type];
  if (!type) throw new Error(`schema-shape: Prisma type ${field.type} on ${field.name} is not mapped yet; add it here`);
  return type;
}

function columnDefault(table: string, field: DmmfField): string | null {
  if (!field.hasDefaultValue) return null;
  const value = field.default as { name?: string; args?: unknown[] } | string | number | boolean;
  if (typeof value === 'object' && value !== null && 'name' in value) {
    if (value.name === 'now') return 'CURRENT_TIMESTAMP';
    if (value.name === 'autoincrement') {
      // Postgres quotes a sequence name in the default only when it needs quotes (capitals, as in "RunEvent").
      const sequence = `${table}_${field.name}_seq`;
      return `nextval('${/^[a-z_][a-z0-9_]*$/.test(sequence) ? sequence : `"${sequence}"`}'::regclass)`;
    }
    if (value.name === 'dbgenerated') return String(value.args?.[0]);
    // uuid()/cuid() are filled in by Prisma Client, not by the database.
    return null;
  }
  if (field.kind === 'enum') return `'${value}'::"${field.type}"`;
  if (field.type === 'Json') return `'${value}'::jsonb`;
  if (field.type === 'String') return `'${value}'::text`;
  return String(value);
}

export async function shapeFromPrismaSchema(schemaPath: string): Promise<SchemaShape> {
  const dmmf = await internals.getDMMF({ datamodel: readFileSync(schemaPath, 'utf8') });
  const models = dmmf.datamodel.models as unknown as DmmfModel[];
  const indexes = dmmf.datamodel.indexes as unknown as DmmfIndex[];
  const tableOf = new Map(models.map((m) => [m.name, m.dbName ?? m.name]));
  const shape: SchemaShape = { enums: {}, tables: {} };
  for (const e of dmmf.datamodel.enums) shape.enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);
  for (const model of models) {
    const table = model.dbName ?? model.name;
    const col = (name: string) => model.fields.find((f) => f.name === name)?.dbName ?? name;
    const t: TableShape = { columns: {}, primaryKey: [], indexes: [], foreignKeys: [] };
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (field.relationFromFields?.length) {
          const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
          t.foreignKeys.push(
            `(${field.relationFromFields.map(col).join(',')})->${tableOf.get(field.type)}(${field.relationToFields?.join(',')}) on delete ${onDelete} on update Cascade`,
          );
        }
        continue;
      }
      // Prisma creates a scalar list as a nullable array column (`uuid[]`).
      t.columns[field.dbName ?? field.name] = {
        type: field.isList ? `${columnType(field)}[]` : columnType(field),
        nullable: field.isList || !field.isRequired,
        default: columnDefault(table, field),
      };
      if (field.isId) t.primaryKey = [field.dbName ?? field.name];
      if (field.isUnique) t.indexes.push(`u:(${field.dbName ?? field.name})`);
    }
    if (model.primaryKey) t.primaryKey = model.primaryKey.fields.map(col);
    for (const index of indexes.filter((i) => i.model === model.name)) {
      if (index.type === 'unique') t.indexes.push(`u:(${index.fields.map((f) => col(f.name)).join(',')})`);
      if (index.type === 'normal') t.indexes.push(`i:(${index.fields.map((f) => col(f.name)).join(',')})`);
    }
    t.indexes = [...new Set(t.indexes)].sort();
    t.foreignKeys.sort();
    shape.tables[table] = t;
  }
  return shape;
}

const PG_ACTIONS: Record<string, string> = {
  a: 'NoAction',
  r: 'Restrict',
  c: 'Cascade',
  n: 'SetNull',
  d: 'SetDefault',
};

/** Reads the `public` schema of a live database; Prisma's own bookkeeping table is left out. */
export async function shapeFromDatabase(url: string): Promise<SchemaShape> {
  const shape: SchemaShape = { enums: {}, tables: {} };
  const enums = await query<{ name: string; label: string }>(
    url,
    `SELECT t.typname AS name, e.enumlabel AS label FROM pg_type t
       JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`,
  );
  for (const { name, label } of enums) shape.enums[name] = [...(shape.enums[name] ?? []), label];

  const columns = await query<{
    table: string;
    column: string;
    type: string;
    notnull: boolean;
    default: string | null;
  }>(
    url,
    `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname <> '_prisma_migrations'
      ORDER BY c.relname, a.attnum`,
  );
  const table = (name: string) =>
    (shape.tables[name] ??= { columns: {}, primaryKey: [], indexes: [], foreignKeys: [] });
  for (const c of columns) {
    table(c.table).columns[c.column] = { type: c.type, nullable: !c.notnull, default: c.default };
  }

  const indexes = await query<{ table: string; primary: boolean; unique: boolean; columns: string[] }>(
    url,
    `SELECT t.relname AS table, i.indisprimary AS primary, i.indisunique AS unique,
            array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'`,
  );
  for (const i of indexes) {
    if (i.primary) table(i.table).primaryKey = i.columns;
    else table(i.table).indexes.push(`${i.unique ? 'u' : 'i'}:(${i.columns.join(',')})`);
  }

  const fks = await query<{
    table: string;
    columns: string[];
    ref: string;
    refcolumns: string[];
    del: string;
    upd: string;
  }>(
    url,
    `SELECT t.relname AS table, r.relname AS ref, c.confdeltype AS del, c.confupdtype AS upd,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS columns,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o) AS refcolumns
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE c.contype = 'f' AND n.nspname = 'public'`,
  );
  for (const f of fks) {
    table(f.table).foreignKeys.push(
      `(${f.columns.join(',')})->${f.ref}(${f.refcolumns.join(',')}) on delete ${PG_ACTIONS[f.del]} on update ${PG_ACTIONS[f.upd]}`,
    );
  }
  for (const t of Object.values(shape.tables)) {
    t.indexes.sort();
    t.foreignKeys.sort();
  }
  return shape;
}
