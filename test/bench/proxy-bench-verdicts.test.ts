import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProxyBench, type ProxyBenchRow } from '../../bench/proxy-bench.js';

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
