import { describe, expect, it } from "vitest";
import { InFlightRefresh } from "../../src/jwks/in-flight.ts";

describe("the refresh running in an isolate", () => {
  it("is joined while it runs and forgotten once it settles", async () => {
    const inFlight = new InFlightRefresh<string>(1000);
    let finish: (value: string) => void = () => {};
    const started = inFlight.start(0, new Promise<string>((resolve) => (finish = resolve)));
    expect(inFlight.running(10)).toBe(started);
    finish("done");
    expect(await inFlight.wait(started, () => "gave up")).toBe("done");
    expect(inFlight.running(20)).toBeUndefined();
  });

  it("no longer counts as running once it is older than the deadline", () => {
    const inFlight = new InFlightRefresh<string>(1000);
    inFlight.start(0, new Promise<string>(() => {}));
    expect(inFlight.running(1000)).toBeDefined();
    expect(inFlight.running(1001)).toBeUndefined();
  });

  it("stops a waiter at the deadline when the refresh never finishes (another request's I/O)", async () => {
    const inFlight = new InFlightRefresh<string>(50);
    const never = inFlight.start(0, new Promise<string>(() => {}));
    expect(await inFlight.wait(never, () => "gave up")).toBe("gave up");
  });

  it("keeps the newer refresh as running when an abandoned one settles late", async () => {
    const inFlight = new InFlightRefresh<string>(1000);
    let finishOld: (value: string) => void = () => {};
    inFlight.start(0, new Promise<string>((resolve) => (finishOld = resolve)));
    const newer = inFlight.start(2000, new Promise<string>(() => {}));
    finishOld("old");
    await Promise.resolve();
    expect(inFlight.running(2001)).toBe(newer);
  });
});
