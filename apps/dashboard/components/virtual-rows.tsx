'use client';

import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { type ReactNode, type RefObject, useRef } from 'react';

/** Rows kept in the DOM beyond the visible ones, above and below: enough that a fast scroll shows no gap. */
const OVERSCAN = 12;

/**
 * A table body that renders only the rows in view (TanStack Virtual), so a list of 10,000 runs costs the DOM of
 * about 40. Spacer rows above and below stand in for the rest, so the table keeps its semantics (a real
 * <table>, sticky header, column widths) and the scroll bar its true length. Rows are measured as they render:
 * a row that wraps to two lines is not mistaken for one.
 */
export function useVirtualRows(count: number, rowHeight: number) {
  const scrollRef = useRef<HTMLElement>(null);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: OVERSCAN,
    // Server render and first paint before the scroll box is measured: a window of rows, not none.
    initialRect: { width: 1000, height: 20 * rowHeight },
  });
  return { scrollRef, virtualizer };
}

/**
 * What each row in view must carry: the virtualizer's measuring ref, the index it measures by (`data-index`), and
 * its position for assistive technology (`aria-rowindex`, 1-based, after the one header row).
 */
export interface VirtualRowProps {
  ref: (element: Element | null) => void;
  'data-index': number;
  'aria-rowindex': number;
}

/** The tbody: spacers and the rows in view; `row(index, rowProps)` renders one <tr> with `rowProps` spread on it. */
export function VirtualBody({
  virtualizer,
  columns,
  row,
}: {
  virtualizer: Virtualizer<HTMLElement, Element>;
  columns: number;
  row: (index: number, rowProps: VirtualRowProps) => ReactNode;
}) {
  const items = virtualizer.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <tbody>
      {before > 0 ? (
        <tr style={{ height: before }}>
          <td colSpan={columns} style={{ padding: 0, border: 0 }} />
        </tr>
      ) : null}
      {items.map((item) =>
        row(item.index, {
          ref: virtualizer.measureElement,
          'data-index': item.index,
          'aria-rowindex': item.index + 2,
        }),
      )}
      {after > 0 ? (
        <tr style={{ height: after }}>
          <td colSpan={columns} style={{ padding: 0, border: 0 }} />
        </tr>
      ) : null}
    </tbody>
  );
}

/** The scroll box around a virtual table: its own scroll bar, so the header stays put while rows move. */
export function VirtualScroll({
  scrollRef,
  label,
  testId,
  children,
}: {
  scrollRef: RefObject<HTMLElement | null>;
  label: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    // No tabIndex: browsers make a scrollable box keyboard-focusable themselves (Chromium 130, Firefox).
    <section
      ref={scrollRef}
      className="table-wrap"
      style={{ maxHeight: '70vh', overflowY: 'auto' }}
      aria-label={label}
      data-testid={testId}
    >
      {children}
    </section>
  );
}
