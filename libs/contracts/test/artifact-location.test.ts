import { describe, expect, it } from 'vitest';
import {
  parseS3Location,
  s3ClientOptions,
  s3Key,
  s3StoreSettings,
  s3Url,
  sha256Base64,
  sha256Hex,
} from '../src/artifact-location.js';

describe('the S3 artifact location both the worker and the orchestrator read', () => {
  it('maps a registered path to the same key under the prefix, with or without one', () => {
    const path = 'runs/r/attempt-1/model.safetensors';
    expect(s3Key(parseS3Location('s3://reslab-artifacts/lab/team-a/'), path)).toBe(`lab/team-a/${path}`);
    expect(s3Key(parseS3Location('s3://reslab-artifacts'), path)).toBe(path);
    expect(s3Url(parseS3Location('s3://reslab-artifacts//lab'))).toBe('s3://reslab-artifacts/lab');
  });

  it.each([
    ['/shared/reslab', /must be s3:\/\/<bucket>/],
    ['s3://', /must be s3:\/\/<bucket>/],
    ['s3://Bucket_Name/x', /not an S3 bucket name/],
    ['s3://ab', /not an S3 bucket name/],
    ['s3://reslab/../other', /must not hold/],
  ])('refuses %s, naming the variable', (text, message) => {
    expect(() => parseS3Location(text)).toThrow(message);
    expect(() => parseS3Location(text)).toThrow(/RESLAB_ARTIFACT_STORE/);
  });

  it('reads the settings from the environment: none without a store, the endpoint checked, the region defaulted', () => {
    expect(s3StoreSettings({})).toBeNull();
    expect(s3StoreSettings({ RESLAB_ARTIFACT_STORE: 's3://reslab-artifacts', AWS_REGION: 'eu-west-1' })).toEqual({
      location: { bucket: 'reslab-artifacts', prefix: '' },
      endpoint: null,
      region: 'eu-west-1',
    });
    expect(
      s3StoreSettings({ RESLAB_ARTIFACT_STORE: 's3://reslab-artifacts/p', RESLAB_S3_ENDPOINT: 'http://127.0.0.1:9000' })
        ?.endpoint,
    ).toBe('http://127.0.0.1:9000');
    expect(() =>
      s3StoreSettings({ RESLAB_ARTIFACT_STORE: 's3://reslab-artifacts', RESLAB_S3_ENDPOINT: 'minio:9000' }),
    ).toThrow(/RESLAB_S3_ENDPOINT must be an http\(s\) URL/);
  });

  it('gives both apps the same client options: path-style only with an endpoint; SHA-256 from hex to base64 and back', () => {
    const location = { bucket: 'reslab-artifacts', prefix: '' };
    const quiet = () => {};
    expect(s3ClientOptions({ location, endpoint: null, region: 'eu-west-1' }, quiet)).toEqual({ region: 'eu-west-1' });
    expect(s3ClientOptions({ location, endpoint: 'http://127.0.0.1:9000', region: 'us-east-1' }, quiet)).toEqual({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
    });
    // SHA-256 of the empty string, as S3's x-amz-checksum-sha256 reports it.
    const hex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(sha256Base64(hex)).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(sha256Hex(sha256Base64(hex))).toBe(hex);
  });
});
