/**
 * Version of every shape in this package. Bump it when a change would make an
 * older reader misread a newer writer (a renamed or re-typed field), not when a
 * field is only added.
 */
export const PROTOCOL_VERSION = 1 as const;
