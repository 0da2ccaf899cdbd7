import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProxyBench, type ProxyBenchRow, roundQuantile } from '../../bench/proxy-bench.js';
import { quantile } from '../../bench/bench-kit.js';

function row(name: string, rps: number, addedP99Ms: number | undefined, addedP99AtConcurrencyMs: number | undefined): ProxyBenchRow {
  return {
    name, rps, errors: 0, p50Ms: 1, p99Ms: 2, addedP50Ms: addedP99Ms, addedP99Ms, p50AtConcurrencyMs: 1, p99AtConcurrencyMs: 2,
    addedP50AtConcurrencyMs: addedP99AtConcurrencyMs, addedP99AtConcurrencyMs, cpuUsPerRequest: 100,
  };
}

test('proxy bench verdicts: ratios to Portkey, and no verdict from an added p99 at or below zero', () => {
  const text = formatProxyBench([
    row('direct (undici -> mock provider)', 10_000, undefined, undefined),
    row('sample app, plain Express', 4_000, 1, -3),
    row('sample app, NestJS on Fastify', 3_000, 2, 5),
    row('Portkey gateway 1.15.2 (OSS)', 1_000, 8, 50),
  ]);
  const express = text.split('\n').find((l) => l.startsWith('sample app, plain Express:'))!;
  assert.match(express, /4\.00x Portkey req\/s @64 \(target >= 4x: met\)/);
  assert.match(express, /8\.0x lower than Portkey's @1 \(target >= 5x: met\)/);
  assert.match(express, /-x lower @16 \(target >= 10x: UNCLEAR/);
  const fastify = text.split('\n').find((l) => l.startsWith('sample app, NestJS on Fastify:'))!;
  assert.match(fastify, /3\.00x Portkey req\/s @64 \(target >= 4x: MISSED\)/);
  assert.match(fastify, /4\.0x lower than Portkey's @1 \(target >= 5x: MISSED\)/);
  assert.match(fastify, /10\.0x lower @16 \(target >= 10x: met\)/);
});

test('proxy bench quantiles: the median over rounds, and the added one from differences within each round', () => {
  const round = (base: number, slow: number): number[] => [...Array.from({ length: 980 }, () => base), ...Array.from({ length: 20 }, () => slow)];
  // Direct and the target share each round's machine state; round 2 is spoilt for both by 40 ms.
  const direct = [round(1, 2), round(41, 42), round(1, 2)];
  const target = [round(2, 5), round(42, 45), round(2, 6)];
  const p99 = roundQuantile(target, 0.99, direct);
  assert.equal(p99.value, target.map((r) => quantile([...r].sort((a, b) => a - b), 0.99)).sort((a, b) => a - b)[1]);
  const perRound = [0, 1, 2].map((i) => quantile([...target[i]!].sort((a, b) => a - b), 0.99) - quantile([...direct[i]!].sort((a, b) => a - b), 0.99));
  assert.ok(Math.abs(p99.added! - perRound.sort((a, b) => a - b)[1]!) < 1e-9);
  assert.equal(p99.value, 6);
  assert.equal(p99.added, 3);
  assert.equal(roundQuantile(direct, 0.5).added, undefined);
  assert.equal(roundQuantile(direct, 0.5).value, 1);
});
