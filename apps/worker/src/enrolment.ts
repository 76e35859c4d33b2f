import { accessSync, constants, mkdirSync } from 'node:fs';
import {
  ApiRequestError,
  CREDENTIAL_PREFIX,
  type EnrolWorkerRequest,
  EnrolWorkerResponse,
  requestJson,
  retryTransient,
} from '@reslab/contracts';
import type { Logger } from 'pino';
import { credentialPath, readCredential, type WorkerCredential, writeCredential } from './worker-credential.js';

/** The worker cannot get an identity: no credential and no token, a refused token, a credential for elsewhere. */
export class EnrolmentError extends Error {}

export interface EnrolmentOptions {
  apiUrl: string;
  workDir: string;
  /** --name / RESLAB_WORKER_NAME, or null for the enrolled name (at enrolment: `defaultName`). */
  name: string | null;
  defaultName: string;
  enrolmentToken: string | null;
  host: string;
  slots: number;
  log: Logger;
  /** Attempts at reaching the orchestrator to enrol, the first included (it may still be starting). */
  tries?: number;
}

/**
 * The worker's credential: the one its work dir holds, or a new one, traded
 * once for the enrolment token (POST /workers/enrol) and written to
 * credential.json before anything else is sent. The token and the secret
 * appear in no log line and no error message.
 */
export async function obtainCredential(options: EnrolmentOptions): Promise<WorkerCredential> {
  const { apiUrl, workDir, name, enrolmentToken, log } = options;
  const path = credentialPath(workDir);
  const stored = readCredential(path);
  if (stored) {
    if (stored.apiUrl !== apiUrl) {
      // A secret sent to another server is a secret that server can replay against its own orchestrator.
      throw new EnrolmentError(
        `${path} holds the credential of the worker enrolled with ${stored.apiUrl}, but --api / RESLAB_API_URL is ${apiUrl}: point the worker at ${stored.apiUrl}, or give it a work dir of its own and a new enrolment token`,
      );
    }
    if (name !== null && name !== stored.name) {
      throw new EnrolmentError(
        `${path} holds the credential of worker '${stored.name}', but --name / RESLAB_WORKER_NAME is '${name}': drop the flag, or give the new worker a work dir of its own`,
      );
    }
    if (enrolmentToken)
      log.info({ file: path }, 'credential file found; the enrolment token is not needed and was not used');
    return stored;
  }
  if (!enrolmentToken) {
    throw new EnrolmentError(
      `no worker credential in ${path}: set RESLAB_ENROLMENT_TOKEN (or --enrolment-token) to a token from POST /workers/enrolment-tokens, and the worker enrols once and keeps its secret there`,
    );
  }
  if (!enrolmentToken.startsWith(CREDENTIAL_PREFIX.enrolment)) {
    throw new EnrolmentError(
      `RESLAB_ENROLMENT_TOKEN is not an enrolment token (those start with ${CREDENTIAL_PREFIX.enrolment})`,
    );
  }
  // The token works once: find out that the secret could not be kept before spending it, not after.
  try {
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
    accessSync(workDir, constants.W_OK);
  } catch (error) {
    throw new EnrolmentError(
      `cannot write the credential to ${path} (${(error as Error).message}); the enrolment token was not used`,
    );
  }
  const request: EnrolWorkerRequest = {
    enrolmentToken,
    name: name ?? options.defaultName,
    host: options.host,
    slots: options.slots,
  };
  let enrolled: EnrolWorkerResponse;
  try {
    enrolled = await retryTransient(
      () => requestJson(apiUrl, 'POST', '/workers/enrol', { body: request, schema: EnrolWorkerResponse }),
      {
        tries: options.tries ?? 20,
        onRetry: (error, delayMs) =>
          log.warn({ err: error.message, retryInMs: Math.round(delayMs) }, 'cannot enrol yet; retrying'),
      },
    );
  } catch (error) {
    if (!(error instanceof ApiRequestError)) throw error;
    const message = error.message.replaceAll(enrolmentToken, `${CREDENTIAL_PREFIX.enrolment}…`);
    if (error.retryable) throw new EnrolmentError(`cannot enrol with ${apiUrl}: ${message}`);
    throw new EnrolmentError(
      `${apiUrl} refused the enrolment token (HTTP ${error.status}: ${message}); a token works once and expires: ask an admin for a new one`,
    );
  }
  const credential: WorkerCredential = {
    apiUrl,
    workerId: enrolled.worker.id,
    name: enrolled.worker.name,
    secret: enrolled.secret,
  };
  try {
    writeCredential(path, credential);
  } catch (error) {
    throw new EnrolmentError(
      `${(error as Error).message}: worker '${credential.name}' (${credential.workerId}) is enrolled but its secret is lost; an admin should revoke it (DELETE /workers/${credential.workerId}) and issue a new token`,
    );
  }
  log.info(
    { workerId: credential.workerId, workerName: credential.name, file: path },
    'worker enrolled; credential saved',
  );
  return credential;
}
