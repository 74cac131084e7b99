import { DATA_POINT_LAYOUT } from "../../src/observe/metrics.ts";

type Layout = (typeof DATA_POINT_LAYOUT)[keyof typeof DATA_POINT_LAYOUT];

/**
 * An Analytics Engine dataset that keeps what was written, so a test can read the data points back
 * by column name (`outcome`, `reason`, `authMs`…) as the SQL in docs/operations.md would.
 */
export class FakeDataset implements AnalyticsEngineDataset {
  readonly points: AnalyticsEngineDataPoint[] = [];
  /** Set to make every write throw (a broken binding). */
  failWrites = false;

  writeDataPoint(point?: AnalyticsEngineDataPoint): void {
    if (this.failWrites) throw new TypeError("writeDataPoint failed");
    if (point) this.points.push(structuredClone(point));
  }

  /** Decision data points as `{ index1, outcome, reason, …, authMs, status, … }`. */
  decisions(): Record<string, string | number>[] {
    return this.#rows("decision", DATA_POINT_LAYOUT.decision);
  }

  providerFetches(): Record<string, string | number>[] {
    return this.#rows("provider_fetch", DATA_POINT_LAYOUT.provider_fetch);
  }

  #rows(index: string, layout: Layout): Record<string, string | number>[] {
    return this.points
      .filter((point) => point.indexes?.[0] === index)
      .map((point) => {
        const row: Record<string, string | number> = { index1: index };
        layout.blobs.forEach((name, i) => {
          row[name] = String(point.blobs?.[i] ?? "");
        });
        layout.doubles.forEach((name, i) => {
          row[name] = point.doubles?.[i] ?? 0;
        });
        return row;
      });
  }
}
