import type { Metadata } from 'next';
import { SweepBuilder } from '@/components/sweep-builder';

export const metadata: Metadata = { title: 'Launch' };

export default function LaunchPage() {
  return (
    <>
      <h1>Launch a sweep</h1>
      <p className="muted">
        A sweep trains every combination of the architectures, depths and seeds below. The form checks the spec against
        the same schema the orchestrator uses as you type, and shows how many runs it expands to.
      </p>
      <SweepBuilder />
    </>
  );
}
