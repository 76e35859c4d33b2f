/**
 * Okabe & Ito (2008) colours, safe for the common colour-vision deficiencies.
 * Plain and residual nets also differ by line style and marker, so the
 * comparison still reads in greyscale.
 */
export const OKABE_ITO = [
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#009E73', // bluish green
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#F0E442', // yellow
  '#000000', // black
] as const;

export interface ArchLook {
  label: string;
  color: string;
  lineType: 'solid' | 'dashed' | 'dotted';
  symbol: 'circle' | 'triangle' | 'rect' | 'diamond';
}

const ARCH_LOOKS: Record<string, ArchLook> = {
  plain: { label: 'plain', color: '#D55E00', lineType: 'dashed', symbol: 'triangle' },
  resnet: { label: 'residual (ResNet)', color: '#0072B2', lineType: 'solid', symbol: 'circle' },
  preact_resnet: { label: 'pre-activation ResNet', color: '#009E73', lineType: 'dotted', symbol: 'diamond' },
};

export function archLook(arch: string): ArchLook {
  return ARCH_LOOKS[arch] ?? { label: arch, color: '#000000', lineType: 'solid', symbol: 'rect' };
}

/** Splits: train solid, val dashed, test dotted. */
export const SPLIT_LINE: Record<string, 'solid' | 'dashed' | 'dotted'> = {
  train: 'solid',
  val: 'dashed',
  test: 'dotted',
};

/** Mixes a hex colour toward white (`amount` 0..1): shallower nets lighter, deeper darker. */
export function shade(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  const r = mix((n >> 16) & 255);
  const g = mix((n >> 8) & 255);
  const b = mix(n & 255);
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/** Sequential colours for heatmaps (viridis endpoints and middle), readable by colour-blind users. */
export const SEQUENTIAL = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];
