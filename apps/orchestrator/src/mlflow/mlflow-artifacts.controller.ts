import { All, Controller, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { Access } from '../identity/access-policy.js';
import { MlflowError, MlflowErrorFilter } from './mlflow-errors.js';

/**
 * MLflow's artifact proxy (`mlflow-artifacts:/` URIs, which every run's artifact_uri names), where the client's
 * log_artifact uploads. ResLab keeps no MLflow artifacts: every call is NOT_IMPLEMENTED (501, which the client
 * does not retry), with a message that says so, rather than a bare 404 the user would have to puzzle out.
 */
@Controller(['api/2.0/mlflow-artifacts', 'ajax-api/2.0/mlflow-artifacts', 'mlflow/:team/api/2.0/mlflow-artifacts'])
@UseFilters(MlflowErrorFilter)
export class MlflowArtifactsController {
  @Access({ who: 'public' })
  @All('{*rest}')
  refuse(@Req() request: Request): never {
    throw new MlflowError(
      'NOT_IMPLEMENTED',
      `ResLab stores no MLflow artifacts (${request.method} ${request.path}): log_artifact and log_model do not work ` +
        'against ResLab; keep artifacts in your own store and log their location as a tag (docs/mlflow.md)',
    );
  }
}
