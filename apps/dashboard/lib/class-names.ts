/**
 * What a class is called on the page: the data set's own name for class i where the run has names
 * (RunDto.classNames from the engine's run_started, ExternalRunDto.classNames from the script), else its index.
 */
export function classLabel(names: readonly string[] | null | undefined, index: number): string {
  return names?.[index] ?? String(index);
}

/** Labels of classes 0..count-1. A list shorter than `count` names what it can and numbers the rest. */
export function classLabels(names: readonly string[] | null | undefined, count: number): string[] {
  return Array.from({ length: count }, (_, i) => classLabel(names, i));
}
