import { describe, expect, it } from 'vitest';
import { cameOverHttps, isPublicPath, loginPath, safeNextPath, sessionCookieOptions } from '../lib/session.js';

describe('which pages open without an account', () => {
  it('is /login and share links only', () => {
    expect(isPublicPath('/login')).toBe(true);
    expect(isPublicPath('/s/rsl_abc')).toBe(true);
    for (const path of ['/', '/runs', '/keys', '/teams/x', '/sweeps/x', '/loginx', '/s', '/share/x']) {
      expect(isPublicPath(path), path).toBe(false);
    }
  });
});

describe('where /login sends the user back to', () => {
  it('keeps a path of this dashboard, with its query', () => {
    expect(safeNextPath('/runs/0b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f')).toBe(
      '/runs/0b5c3f4e-8d1a-4c2b-9e7f-1a2b3c4d5e6f',
    );
    expect(safeNextPath('/compare?ids=a&ids=b')).toBe('/compare?ids=a&ids=b');
  });

  it('never leaves the site, whatever the parameter holds', () => {
    for (const next of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      'runs',
      '',
      null,
      undefined,
    ]) {
      expect(safeNextPath(next), String(next)).toBe('/runs');
    }
  });

  it('does not return to the login page, or to / (which only redirects)', () => {
    expect(safeNextPath('/login?next=/keys')).toBe('/runs');
    expect(safeNextPath('/')).toBe('/runs');
  });

  it('builds /login?next= with the path encoded, and a plain /login when there is nowhere to return', () => {
    expect(loginPath('/compare?ids=a&ids=b')).toBe('/login?next=%2Fcompare%3Fids%3Da%26ids%3Db');
    expect(loginPath('/runs')).toBe('/login');
    expect(loginPath(null)).toBe('/login');
  });
});

describe('the session cookie', () => {
  it('is httpOnly, SameSite=Lax, for the whole site, and expires with the session', () => {
    const options = sessionCookieOptions('2030-01-02T03:04:05.000Z', false);
    expect(options).toEqual({
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: false,
      expires: new Date('2030-01-02T03:04:05.000Z'),
    });
  });

  it('is Secure when the request came over https', () => {
    expect(sessionCookieOptions('2030-01-02T03:04:05.000Z', true).secure).toBe(true);
    expect(cameOverHttps('https')).toBe(true);
    expect(cameOverHttps('https, http')).toBe(true);
    expect(cameOverHttps('http')).toBe(false);
    expect(cameOverHttps(null, 'https://reslab.example')).toBe(true);
    expect(cameOverHttps(null, 'http://127.0.0.1:3000')).toBe(false);
    expect(cameOverHttps(null, null)).toBe(false);
  });
});
