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
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const issues = fieldIssues(result.error).map((issue) =>
      this.field ? { ...issue, path: issue.path === '(root)' ? this.field : `${this.field}.${issue.path}` } : issue,
    );
    const body: ApiError = {
      statusCode: 400,
      error: 'Bad Request',
      message: `invalid ${issues.map((i) => i.path).join(', ')}`,
      issues,
    };
    throw new BadRequestException(body);
  }
}
