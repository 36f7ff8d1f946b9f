// jsdom has no canvas: ECharts' renderer needs a 2D context that accepts every call. A do-nothing context
// (a browser API faked, like matchMedia in src/test/setup.ts) lets a report tab mount with its chart; the
// figures are checked on the table and on the chart's option (data-nonzero), not on pixels.
import { vi } from 'vitest';

export function stubCanvas(): void {
  const context = () =>
    new Proxy({} as Record<string | symbol, unknown>, {
      get: (target, key) => {
        if (key in target) return target[key];
        if (key === 'measureText') return (text: string) => ({ width: String(text).length * 6 });
        if (key === 'getImageData' || key === 'createImageData') return () => ({ data: new Uint8ClampedArray(4) });
        return () => undefined;
      },
    });
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(context as unknown as HTMLCanvasElement['getContext']);
}
