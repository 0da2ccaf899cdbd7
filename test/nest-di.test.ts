import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';

@Injectable()
class Dependency {
  readonly value = 42;
}

@Injectable()
class Consumer {
  constructor(readonly dependency: Dependency) {}
}

@Module({ providers: [Dependency, Consumer] })
class DiModule {}

test('NestJS resolves constructor injection from emitted decorator metadata (no @Inject)', async () => {
  const moduleRef = await Test.createTestingModule({ imports: [DiModule] }).compile();
  const consumer = moduleRef.get(Consumer);
  assert.ok(consumer.dependency instanceof Dependency);
  assert.equal(consumer.dependency.value, 42);
  await moduleRef.close();
});
