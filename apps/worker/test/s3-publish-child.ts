/**
 * One checkpoint publish in a process of its own, for the test that kills it with -9 in the middle of a multipart
 * upload (s3-artifacts.test.ts). Arguments: the store's local root and the attempt folder; the store's settings
 * come from the environment, as the worker's do.
 */
import { s3StoreSettings } from '@reslab/contracts';
import { pino } from 'pino';
import { S3ArtifactStore } from '../src/s3-artifacts.js';

const [root, attemptDir] = process.argv.slice(2) as [string, string];
const settings = s3StoreSettings(process.env);
if (!settings) throw new Error('RESLAB_ARTIFACT_STORE is not set');
const store = new S3ArtifactStore(settings, root);
const log = pino();
await store.publish(store.snapshot(attemptDir), { workerId: '00000000-0000-4000-8000-000000000000', attempt: 1 }, log);
console.log('publish finished');
