'use server';

/**
 * Changes to keys, members and share links, made by the dashboard's server
 * with the caller's session (lib/server-api.ts). Server actions rather than
 * calls from the browser: Next.js refuses them from other origins, and the
 * secrets they return come back on the page's own connection. A 401 sends the
 * user to /login; any other failure comes back as words to show.
 */
import type { ApiKeyDto, CreatedApiKey, CreatedShare, MemberDto, ShareDto, TeamRole } from '@reslab/contracts';
import { unstable_rethrow } from 'next/navigation';
import { getTranslations } from 'next-intl/server';
import { failureText } from '@/lib/api-client';
import { serverApi } from '@/lib/server-api';
import { type ShareTarget, shareRequest } from '@/lib/shares';

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: string };

async function attempt<T>(work: () => Promise<T>): Promise<ActionResult<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (err) {
    // next/navigation's redirect (after a 401) is thrown too, and must go on to Next.js.
    unstable_rethrow(err);
    return { ok: false, error: failureText(await getTranslations('failures'), err) };
  }
}

export async function createShareAction(target: ShareTarget, expiresAt?: string): Promise<ActionResult<CreatedShare>> {
  return attempt(async () => (await serverApi()).createShare(shareRequest(target, expiresAt)));
}

export async function listSharesAction(): Promise<ActionResult<ShareDto[]>> {
  return attempt(async () => (await serverApi()).listShares());
}

export async function revokeShareAction(shareId: string): Promise<ActionResult<ShareDto>> {
  return attempt(async () => (await serverApi()).revokeShare(shareId));
}

export async function createKeyAction(name: string, expiresAt?: string): Promise<ActionResult<CreatedApiKey>> {
  return attempt(async () => (await serverApi()).createKey(expiresAt ? { name, expiresAt } : { name }));
}

export async function revokeKeyAction(keyId: string): Promise<ActionResult<ApiKeyDto>> {
  return attempt(async () => (await serverApi()).revokeKey(keyId));
}

export async function putMemberAction(teamId: string, email: string, role: TeamRole): Promise<ActionResult<MemberDto>> {
  return attempt(async () => (await serverApi()).putMember(teamId, { email, role }));
}

export async function removeMemberAction(teamId: string, userId: string): Promise<ActionResult<null>> {
  return attempt(async () => {
    await (await serverApi()).removeMember(teamId, userId);
    return null;
  });
}
