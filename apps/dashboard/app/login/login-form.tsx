'use client';

import { useTranslations } from 'next-intl';
import { useActionState } from 'react';
import { type SignInState, signIn } from '@/app/login/actions';

export function LoginForm({ next }: { next: string }) {
  const t = useTranslations('login');
  const [state, action, pending] = useActionState<SignInState, FormData>(signIn, { error: null, email: '' });
  return (
    <form action={action} aria-describedby={state.error ? 'login-error' : undefined} data-testid="login-form">
      <input type="hidden" name="next" value={next} />
      <div className="field">
        <label htmlFor="login-email">{t('email')}</label>
        <input
          id="login-email"
          name="email"
          type="email"
          autoComplete="username"
          required
          defaultValue={state.email}
          key={state.email}
        />
      </div>
      <div className="field">
        <label htmlFor="login-password">{t('password')}</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" required />
      </div>
      {state.error ? (
        <p id="login-error" role="alert" className="error-text" data-testid="login-error">
          {state.error}
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={pending} data-testid="login-submit">
        {pending ? t('submitting') : t('submit')}
      </button>
    </form>
  );
}
