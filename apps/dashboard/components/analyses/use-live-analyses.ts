'use client';

import type { AnalysisDetailDto } from '@reslab/contracts';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useStreamConnection } from '@/components/api-url';
import { type AnalysisState, analysisFromDto, analysisFromSnapshot, applyAnalysisEvent } from '@/lib/analysis-fold';
import { subscribe } from '@/lib/stream-client';
import { TERMINAL } from '@/lib/stream-fold';

/**
 * A run's analyses, live: each one still queued or running is followed in its own room (lib/analysis-fold.ts)
 * until it finishes; a finished one is what the REST read said. `add` takes one just launched (or the existing
 * one the API answered with, in place of what was held) and follows it too. Newest first.
 */
export function useLiveAnalyses(initial: AnalysisDetailDto[]) {
  const connection = useStreamConnection();
  const [states, setStates] = useState<Record<string, AnalysisState>>(() =>
    Object.fromEntries(initial.map((a) => [a.id, analysisFromDto(a)])),
  );

  const active = Object.values(states)
    .filter((s) => !TERMINAL.includes(s.analysis.status))
    .map((s) => s.analysis.id)
    .sort()
    .join(',');

  useEffect(() => {
    if (!active) return;
    const closers = active.split(',').map((id) =>
      subscribe(
        connection,
        { kind: 'analysis', id },
        {
          onSnapshot: (snapshot) => setStates((s) => ({ ...s, [id]: analysisFromSnapshot(snapshot) })),
          onEvent: (event) =>
            setStates((s) => {
              const current = s[id];
              if (!current) return s;
              const next = applyAnalysisEvent(current, event);
              return next === current ? s : { ...s, [id]: next };
            }),
        },
      ),
    );
    return () => {
      for (const close of closers) close();
    };
  }, [connection, active]);

  const add = useCallback((analysis: AnalysisDetailDto) => {
    // A launch the API answered with an existing analysis (same params) requeues its failed chunks: the answer is newer.
    setStates((s) => ({ ...s, [analysis.id]: analysisFromDto(analysis) }));
  }, []);
  const replace = useCallback((analysis: Pick<AnalysisDetailDto, 'id'> & Partial<AnalysisDetailDto>) => {
    setStates((s) => {
      const current = s[analysis.id];
      return current ? { ...s, [analysis.id]: { ...current, analysis: { ...current.analysis, ...analysis } } } : s;
    });
  }, []);

  const analyses = useMemo(
    () =>
      Object.values(states)
        .map((s) => s.analysis)
        .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)),
    [states],
  );
  return { analyses, add, replace };
}
