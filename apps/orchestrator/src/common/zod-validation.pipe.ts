import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { type ApiError, fieldIssues } from '@reslab/contracts';
import type { z } from 'zod';

/** Validates a request part against its contract schema; a 400 names every bad field. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  /** `field` names a path parameter or query value, so its issues read `id`, not `(root)`. */
  constructor(
    private readonly schema: S,
    private readonly field?: string,
  ) {}

  transform(value: unknown): z.infer<S> {
    // Postgres stores no NUL in text or jsonb: refuse it here, naming the field, rather than fail at the insert.
    const nul = nulPaths(value, this.field ?? '');
    if (nul.length)
      throw this.invalid(nul.map((path) => ({ path: path || '(root)', message: 'must not contain NUL bytes' })));
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const issues = fieldIssues(result.error).map((issue) =>
      this.field ? { ...issue, path: issue.path === '(root)' ? this.field : `${this.field}.${issue.path}` } : issue,
    );
    throw this.invalid(issues);
  }

  private invalid(issues: { path: string; message: string }[]): BadRequestException {
    const body: ApiError = {
      statusCode: 400,
      error: 'Bad Request',
      message: `invalid ${issues.map((i) => i.path).join(', ')}`,
      issues,
    };
    return new BadRequestException(body);
  }
}

function nulPaths(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries.flatMap(([key, v]) =>
    key.includes('\u0000') ? [path ? `${path}.${key}` : key] : nulPaths(v, path ? `${path}.${key}` : key),
  );
}
