import type { FieldIssue } from '@reslab/contracts';

/** A command line the CLI cannot act on: exit 2 with one line. */
export class UsageError extends Error {}

/** An expected failure (not found, refused, unreachable): exit 1 with its message and each bad field. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** The API refused a request, could not be reached, or answered off-contract. */
export class ApiRequestError extends CliError {
  constructor(
    message: string,
    readonly status: number | null,
    issues: FieldIssue[] = [],
  ) {
    super(message, issues);
  }
}

/** A 401: no credential, or one the orchestrator refuses (unknown, expired, revoked); one line, no issues. */
export class NotSignedInError extends ApiRequestError {
  constructor(message: string) {
    super(message, 401);
  }
}

/** A sweep file that does not parse or breaks the contract; `source` is the file (or template) it came from. */
export class SweepFileError extends Error {
  constructor(
    readonly source: string,
    readonly issues: FieldIssue[],
  ) {
    super(issues.map((issue) => [source, issue.path, issue.message].filter(Boolean).join(': ')).join('\n'));
  }
}
