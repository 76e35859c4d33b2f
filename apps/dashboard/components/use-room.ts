'use client';

import { useEffect, useRef, useState } from 'react';
import { useStreamConnection } from '@/components/api-url';
import { type Room, type RoomHandlers, type StreamState, subscribe } from '@/lib/stream-client';

export interface RoomStream {
  state: StreamState;
  detail?: string;
}

/**
 * Follows one socket room for as long as the view shows it: `handlers` fold its snapshot, events and worker lists
 * into the view's state (lib/stream-fold.ts), and the stream's own state comes back for the ConnectionBanner.
 * The handlers are read when a message arrives, so a view may pass new closures each render without resubscribing;
 * only another connection or another room (kind and id) subscribes again.
 */
export function useRoom<R extends Room>(room: R, handlers: Omit<RoomHandlers<R['kind']>, 'onState'>): RoomStream {
  const connection = useStreamConnection();
  const [stream, setStream] = useState<RoomStream>({ state: 'connecting' });
  const latest = useRef(handlers);
  latest.current = handlers;
  const id = 'id' in room ? room.id : undefined;

  // A room is its kind and id: the object passed in is new each render.
  useEffect(
    () =>
      subscribe(connection, room, {
        onSnapshot: (snapshot) => latest.current.onSnapshot(snapshot),
        onEvent: (event) => latest.current.onEvent?.(event),
        onWorkers: (workers) => latest.current.onWorkers?.(workers),
        onState: (state, detail) => setStream({ state, detail }),
      }),
    [connection, room.kind, id],
  );
  return stream;
}
