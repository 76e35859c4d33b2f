import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';

/**
 * The API's error answers, in the contract's ApiError shape ({statusCode, error, message, issues?}): one
 * builder per status, so every route words and shapes them alike.
 */
export function invalidField(path: string, message: string): BadRequestException {
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message, issues: [{ path, message }] });
}

export function unauthorized(message: string): UnauthorizedException {
  return new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message });
}

export function forbidden(message: string): ForbiddenException {
  return new ForbiddenException({ statusCode: 403, error: 'Forbidden', message });
}

/** `what` names the object (`run <id>`); `state` says how it is missing. */
export function notFound(what: string, state = 'does not exist'): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message: `${what} ${state}` });
}

export function conflict(message: string): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', message });
}
