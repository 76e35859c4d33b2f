import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path of the field, e.g. `config.model.depth`; `(root)` for the whole value. */
  path: string;
  message: string;
}

/** Flattens a zod error into one issue per bad field, the form every API error and log line uses. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}
