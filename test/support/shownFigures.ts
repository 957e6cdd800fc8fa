/**
 * The dashboard's printed CPU and memory figures read back by the tests: the values each may
 * stand for, so a test compares the page with the cluster at the precision the page prints.
 */

const binary: Record<string, number> = { B: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

/**
 * What a shown number stands for: the middle of the values it may come from, in base units
 * (millicores, bytes), and how far from that middle they reach. Millicores are rounded up, as
 * `kubectl top` rounds them ("298m" is more than 297 and at most 298); cores are those
 * millicores to the nearest tenth. Memory is rounded to nearest, to three significant figures
 * with trailing zeros dropped ("1.5Gi" is 1.50Gi), so its last digit is the third significant
 * one, not the last one printed.
 */
export function shownCpu(text: string): { value: number; tolerance: number } {
  const milli = /^(\d+)m$/.exec(text);
  if (milli) return { value: Number(milli[1]) - 0.5, tolerance: 0.5 };
  const cores = /^(\d+)\.(\d) cores$/.exec(text);
  if (cores) return { value: Number(`${cores[1]}.${cores[2]}`) * 1000 - 0.5, tolerance: 50.5 };
  throw new Error(`CPU shown as ${JSON.stringify(text)}, not as millicores or cores`);
}

export function shownMemory(text: string): { value: number; tolerance: number } {
  const match = /^(\d+(?:\.\d+)?)(B|Ki|Mi|Gi|Ti)$/.exec(text);
  if (!match) throw new Error(`memory shown as ${JSON.stringify(text)}, not as a binary quantity`);
  const number = Number(match[1]);
  const unit = binary[match[2]!]!;
  if (match[2] === 'B') return { value: number, tolerance: 0.5 };
  const thirdFigure = 10 ** (Math.floor(Math.log10(Math.max(number, 1))) - 2);
  return { value: number * unit, tolerance: (thirdFigure / 2) * unit };
}
