'use client';

import { useTranslations } from 'next-intl';
import { useState } from 'react';

/**
 * Copies `text` to the clipboard. The Clipboard API needs a secure context (https or localhost); elsewhere
 * the text is selected in the field `fieldId` so the user can copy it by hand.
 */
export function CopyButton({ text, fieldId, testId }: { text: string; fieldId: string; testId?: string }) {
  const t = useTranslations('share');
  const [said, setSaid] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid(t('copied'));
    } catch {
      const field = document.getElementById(fieldId);
      if (field instanceof HTMLInputElement) field.select();
      setSaid(t('copyFailed'));
    }
  };
  return (
    <>
      <button type="button" onClick={copy} data-testid={testId}>
        {t('copy')}
      </button>
      <span role="status" className="muted small">
        {said}
      </span>
    </>
  );
}
