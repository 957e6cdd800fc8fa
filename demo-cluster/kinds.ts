/**
 * The built-in kinds the demo cluster serves beyond the hand-made ten: their catalogue entries
 * and their Table printers (keyed by kind). resources.ts and table.ts read these.
 */
import type { Column } from './columns.js';
import type { ResourceInfo } from './resources.js';

export const extraResources: readonly ResourceInfo[] = [];

export const extraPrinters: Readonly<Record<string, Column[]>> = {};
