'use client';

import { useState } from 'react';

/**
 * Copies `text` to the clipboard. The Clipboard API needs a secure context (https or localhost); elsewhere
 * the text is selected in the field `fieldId` so the user can copy it by hand.
 */
export function CopyButton({ text, fieldId, testId }: { text: string; fieldId: string; testId?: string }) {
  const [said, setSaid] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('Copied');
    } catch {
      const field = document.getElementById(fieldId);
      if (field instanceof HTMLInputElement) field.select();
      setSaid('Selected: press Ctrl+C to copy');
    }
  };
  return (
    <>
      <button type="button" onClick={copy} data-testid={testId}>
        Copy
      </button>
      <span role="status" className="muted small">
        {said}
      </span>
    </>
  );
}
