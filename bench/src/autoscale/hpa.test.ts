import { describe, expect, it } from 'vitest';
import { externalReplicas, HpaController, resourceReplicas } from './hpa.js';

describe('HPA replica proposal (resource utilisation)', () => {
  it('keeps the count within the 10% tolerance', () => {
    // 0.75 / 0.7 = 1.071: within 10%.
    expect(resourceReplicas({ currentReplicas: 10, readyPods: 10, unreadyPods: 0, utilization: 0.75, target: 0.7 })).toBe(10);
    // 0.65 / 0.7 = 0.929: within 10%.
    expect(resourceReplicas({ currentReplicas: 10, readyPods: 10, unreadyPods: 0, utilization: 0.65, target: 0.7 })).toBe(10);
  });

  it('proposes ceil(ratio × ready pods) outside the tolerance', () => {
    // 0.8 / 0.7 = 1.143 → ceil(11.43) = 12.
    expect(resourceReplicas({ currentReplicas: 10, readyPods: 10, unreadyPods: 0, utilization: 0.8, target: 0.7 })).toBe(12);
    // 0.2 / 0.5 = 0.4 → ceil(4) = 4 (ready pods, not spec replicas).
    expect(resourceReplicas({ currentReplicas: 12, readyPods: 10, unreadyPods: 0, utilization: 0.2, target: 0.5 })).toBe(4);
  });

  it('counts starting pods at 0% on a scale-up, which can cancel it', () => {
    // ratio 2; with 2 unready at 0%: 1.0·4 / (0.5·6) = 1.333 → ceil(1.333·6) = 8.
    expect(resourceReplicas({ currentReplicas: 6, readyPods: 4, unreadyPods: 2, utilization: 1, target: 0.5 })).toBe(8);
    // ratio 1.2; with 4 unready: 0.6·4 / (0.5·8) = 0.6 < 1: direction reversed → keep 8.
    expect(resourceReplicas({ currentReplicas: 8, readyPods: 4, unreadyPods: 4, utilization: 0.6, target: 0.5 })).toBe(8);
    // ratio 1.3; with 1 unready: 0.65·10 / (0.5·11) = 1.18 → ceil(1.18·11) = 13.
    expect(resourceReplicas({ currentReplicas: 11, readyPods: 10, unreadyPods: 1, utilization: 0.65, target: 0.5 })).toBe(13);
  });
});

describe('HPA replica proposal (external metric, AverageValue: KEDA)', () => {
  it('proposes ceil(value / target) outside the tolerance, else the status count', () => {
    expect(externalReplicas({ statusReplicas: 5, value: 12, targetAverageValue: 2 })).toBe(6); // ratio 1.2
    expect(externalReplicas({ statusReplicas: 5, value: 10.5, targetAverageValue: 2 })).toBe(5); // ratio 1.05
    expect(externalReplicas({ statusReplicas: 5, value: 0, targetAverageValue: 2 })).toBe(0); // min is applied later
  });
});

describe('HpaController (default behaviour)', () => {
  it('holds a scale-down for the 300 s stabilisation window (max of the recommendations)', () => {
    const c = new HpaController({ minReplicas: 1, maxReplicas: 100 });
    expect(c.reconcile(0, 10, 10)).toBe(10);
    expect(c.reconcile(15, 10, 4)).toBe(10);
    expect(c.reconcile(150, 10, 6)).toBe(10);
    expect(c.reconcile(285, 10, 4)).toBe(10);
    // At 300 s the recommendation of t = 0 is exactly one window old, so out: max(4, 6, 4, 4) = 6.
    expect(c.reconcile(300, 10, 4)).toBe(6);
    // Once the 6 of t = 150 is out too (t = 450), down to 4.
    expect(c.reconcile(435, 6, 4)).toBe(6);
    expect(c.reconcile(450, 6, 4)).toBe(4);
  });

  it('scales up at once (no scale-up window) but at most max(+4 pods, ×2) per 15 s', () => {
    const c = new HpaController({ minReplicas: 1, maxReplicas: 100 });
    expect(c.reconcile(0, 3, 20)).toBe(7); // max(3 + 4, 3 × 2)
    expect(c.reconcile(15, 7, 20)).toBe(14); // the event of t = 0 is out of the period: max(7 + 4, 14)
    expect(c.reconcile(20, 14, 40)).toBe(14); // within 15 s of +7: period start 7 → max(11, 14) = 14
    expect(c.reconcile(30, 14, 40)).toBe(28);
    expect(c.reconcile(45, 28, 40)).toBe(40);
  });

  it('clamps to min and max', () => {
    const c = new HpaController({ minReplicas: 2, maxReplicas: 10 });
    expect(c.reconcile(0, 8, 50)).toBe(10);
    expect(c.reconcile(15, 12, 12)).toBe(10); // above max: straight to max
    const d = new HpaController({ minReplicas: 2, maxReplicas: 10 });
    expect(d.reconcile(0, 5, 5)).toBe(5);
    expect(d.reconcile(400, 5, 0)).toBe(2);
  });
});
