// Verivali's vitest setup for recording getodk/web-forms XPath assertions (our own code, MPL-2.0): a fixed clock
// (2025-11-28T00:00:00Z, the instant the engine's conformance harness uses) and a seeded Math.random, so that
// tests that generate their data (indexed-repeat) or build expressions from new Date() record the same cases
// on every run.
import { afterEach, beforeEach, vi } from 'vitest';

const FIXED_NOW = Date.UTC(2025, 10, 28);
let seed = 0x5eed;
const nextRandom = () => {
	// mulberry32
	seed = (seed + 0x6d2b79f5) | 0;
	let t = seed;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
Math.random = nextRandom;

beforeEach(() => {
	vi.useFakeTimers({ now: FIXED_NOW, toFake: ['Date'] });
});

afterEach(() => {
	vi.useRealTimers();
});
