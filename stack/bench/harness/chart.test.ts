import { describe, expect, it } from 'vitest';
import { renderChartSvg } from './chart.ts';

describe('renderChartSvg', () => {
  it('draws one bar per measured value, labelled, as a standalone SVG', async () => {
    const svg = await renderChartSvg({
      title: 'requests/s',
      data: {
        values: [
          { gateway: 'ours', rps: 120 },
          { gateway: 'stock', rps: 80 },
        ],
      },
      mark: 'bar',
      encoding: { x: { field: 'gateway', type: 'nominal' }, y: { field: 'rps', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('requests/s');
    expect(svg).toContain('ours');
    expect(svg.match(/aria-roledescription="bar"/g)).toHaveLength(2);
    expect(svg).toContain('aria-label="gateway: ours; rps: 120"');
  });
});
